import { describe, expect, it } from 'vitest';
import {
  type Answer,
  type DatabaseFacts,
  evaluateChecks,
  Ledger,
  type PairRecord,
  RetryStats,
  type SessionRecord,
  type StoredSession,
  type UpstreamFacts,
} from '../src/index';

const answer = (status: string, attempts: number): Answer => ({ status, attempts, failureCode: null });

function pair(sessionId: string, a: Answer | null, b: Answer | null, needsUpstream = true): PairRecord {
  return {
    sessionId,
    protocol: 'LEGACY',
    mode: 'together',
    needsUpstream,
    sends: [
      { instance: 'A', answer: a, finalError: a ? null : 'ECONNREFUSED after 80 tries', tries: 1 },
      { instance: 'B', answer: b, finalError: b ? null : 'ECONNREFUSED after 80 tries', tries: 1 },
    ],
  };
}

/** Two sessions that went right: s1 passed, s2 failed once then passed. */
function goodRun() {
  const ledger = new Ledger();
  const s1: SessionRecord = {
    item: { index: 0, protocol: 'LEGACY', outcome: 'pass', ref: 'r1' },
    sessionId: 's1',
    startError: null,
    pairs: [pair('s1', answer('VERIFIED', 1), answer('VERIFIED', 1))],
  };
  const s2: SessionRecord = {
    item: { index: 1, protocol: 'LEGACY', outcome: 'retry', ref: 'r2' },
    sessionId: 's2',
    startError: null,
    pairs: [
      pair('s2', answer('PENDING', 1), answer('PENDING', 1)),
      pair('s2', answer('VERIFIED', 2), answer('VERIFIED', 2)),
    ],
  };
  ledger.sessions.push(s1, s2);
  const stored: StoredSession[] = [
    { id: 's1', status: 'VERIFIED', attempts: 1, clientReferenceId: 'r1' },
    { id: 's2', status: 'VERIFIED', attempts: 2, clientReferenceId: 'r2' },
  ];
  const database: DatabaseFacts = {
    duplicateAttemptClaims: 0,
    completedClaimsBySession: new Map([
      ['s1', 1],
      ['s2', 2],
    ]),
    duplicateEvents: 0,
    unfinishedClaims: 0,
    sessionRows: 2,
  };
  const upstream: UpstreamFacts = {
    calls: { '/cityservice/face/identify/getinfo': 4, '/cgi-bin/stable_token': 2 },
    tokensIssued: 1,
    faultsInjected: {},
  };
  return { ledger, stored, database, upstream, stats: new RetryStats(), gatewayErrorLogs: 0 };
}

const byName = (checks: ReturnType<typeof evaluateChecks>) => new Map(checks.map((c) => [c.name, c]));

describe('evaluateChecks', () => {
  it('passes a run where everything agrees', () => {
    const checks = evaluateChecks(goodRun());
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.filter((c) => c.headline).map((c) => c.name)).toEqual([
      'acknowledged results lost',
      'duplicated records',
      'conflicting answers for one evidence',
      'upstream calls per distinct evidence',
    ]);
  });

  it('finds an acknowledged VERIFIED that the database does not hold', () => {
    const run = goodRun();
    run.stored[0] = { ...run.stored[0]!, status: 'PENDING', attempts: 0 };
    const lost = byName(evaluateChecks(run)).get('acknowledged results lost')!;
    expect(lost.ok).toBe(false);
    expect(lost.examples[0]).toContain('told VERIFIED/1, stored PENDING/0');
  });

  it('finds a session missing after the run, and an acknowledged attempt rolled back', () => {
    const run = goodRun();
    run.stored.splice(0, 1);
    run.ledger.sessions[1]!.pairs[1]!.sends[0].answer = answer('VERIFIED', 2);
    run.stored[0] = { ...run.stored[0]!, status: 'PENDING', attempts: 1 };
    const lost = byName(evaluateChecks(run)).get('acknowledged results lost')!;
    expect(lost.value).toMatch(/^2 of /);
  });

  it('finds an attempt counted twice, in the session row or in the evidence claims', () => {
    const run = goodRun();
    run.stored[0] = { ...run.stored[0]!, attempts: 2 };
    expect(byName(evaluateChecks(run)).get('duplicated records')!.examples).toEqual([
      'r1: 2 attempts stored for 1 evidence(s)',
    ]);
    const claims = goodRun();
    (claims.database.completedClaimsBySession as Map<string, number>).set('s1', 2);
    expect(byName(evaluateChecks(claims)).get('duplicated records')!.ok).toBe(false);
    const events = goodRun();
    expect(
      byName(evaluateChecks({ ...events, database: { ...events.database, duplicateEvents: 1 } })).get(
        'duplicated records',
      )!.ok,
    ).toBe(false);
  });

  it('finds two sessions with attempts for one start', () => {
    const run = goodRun();
    run.stored.push({ id: 's3', status: 'FAILED', attempts: 1, clientReferenceId: 'r1' });
    expect(byName(evaluateChecks(run)).get('duplicated records')!.ok).toBe(false);
    // an orphan from a retried start (no attempts) is not a duplicate
    const orphan = goodRun();
    orphan.stored.push({ id: 's4', status: 'PENDING', attempts: 0, clientReferenceId: 'r1' });
    expect(byName(evaluateChecks(orphan)).get('duplicated records')!.ok).toBe(true);
  });

  it('finds the two sends of one evidence told different things', () => {
    const run = goodRun();
    run.ledger.sessions[1]!.pairs[0]!.sends[1].answer = answer('PENDING', 2);
    const conflicts = byName(evaluateChecks(run)).get('conflicting answers for one evidence')!;
    expect(conflicts.ok).toBe(false);
    expect(conflicts.examples[0]).toContain('PENDING/1 vs PENDING/2');
  });

  it('fails more than 1.5 upstream result calls per evidence', () => {
    const run = goodRun();
    const at = (getinfo: number) =>
      byName(
        evaluateChecks({
          ...run,
          upstream: { ...run.upstream, calls: { '/cityservice/face/identify/getinfo': getinfo } },
        }),
      ).get('upstream calls per distinct evidence')!;
    expect(at(4).ok).toBe(true);
    expect(at(4).value).toMatch(/^1\.333/);
    expect(at(5).ok).toBe(false);
  });

  it('does not pass a run that confirmed nothing', () => {
    const run = goodRun();
    run.ledger.sessions.length = 0;
    const checks = byName(evaluateChecks(run));
    expect(checks.get('acknowledged results lost')!.ok).toBe(false);
    expect(checks.get('upstream calls per distinct evidence')!.ok).toBe(false);
  });

  it('reports unanswered pairs, unexpected outcomes, server faults and cgi-bin/token calls', () => {
    const run = goodRun();
    run.ledger.sessions[0]!.pairs.push(pair('s1', null, null));
    run.stored[1] = { ...run.stored[1]!, status: 'FAILED' };
    run.stats.retries.unexpected = 1;
    const checks = byName(
      evaluateChecks({ ...run, upstream: { ...run.upstream, calls: { '/cgi-bin/token': 3 } } }),
    );
    expect(checks.get('every confirmation answered within the retry bound')!.ok).toBe(false);
    expect(checks.get('outcomes as the device scenario decided')!.ok).toBe(false);
    expect(checks.get('server faults (HTTP 5xx, masked errors, error logs)')!.ok).toBe(false);
    expect(checks.get('cgi-bin/token calls (stable_token only)')!.ok).toBe(false);
  });
});
