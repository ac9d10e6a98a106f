import { describe, expect, it } from 'vitest';
import {
  type Answer,
  type DatabaseFacts,
  evaluateChecks,
  type IsolationProbe,
  isolationChecks,
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
    app: 'default',
    openid: 'o1',
    sessionId: 's1',
    startError: null,
    pairs: [pair('s1', answer('VERIFIED', 1), answer('VERIFIED', 1))],
  };
  const s2: SessionRecord = {
    item: { index: 1, protocol: 'LEGACY', outcome: 'retry', ref: 'r2' },
    app: 'default',
    openid: 'o2',
    sessionId: 's2',
    startError: null,
    pairs: [
      pair('s2', answer('PENDING', 1), answer('PENDING', 1)),
      pair('s2', answer('VERIFIED', 2), answer('VERIFIED', 2)),
    ],
  };
  ledger.sessions.push(s1, s2);
  const stored: StoredSession[] = [
    { id: 's1', status: 'VERIFIED', attempts: 1, clientReferenceId: 'r1', app: 'default' },
    { id: 's2', status: 'VERIFIED', attempts: 2, clientReferenceId: 'r2', app: 'default' },
  ];
  const database: DatabaseFacts = {
    duplicateAttemptClaims: 0,
    duplicateAttemptClaimsByApp: new Map(),
    completedClaimsBySession: new Map([
      ['s1', 1],
      ['s2', 2],
    ]),
    duplicateEvents: 0,
    duplicateEventsByApp: new Map(),
    unfinishedClaims: 0,
    sessionRows: 2,
    sessionRowsByApp: new Map([['default', 2]]),
    appBySession: new Map([
      ['s1', 'default'],
      ['s2', 'default'],
    ]),
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
      byName(
        evaluateChecks({
          ...events,
          database: {
            ...events.database,
            duplicateEvents: 1,
            duplicateEventsByApp: new Map([['default', 1]]),
          },
        }),
      ).get('duplicated records')!.ok,
    ).toBe(false);
  });

  it('finds two sessions with attempts for one start', () => {
    const run = goodRun();
    run.stored.push({ id: 's3', status: 'FAILED', attempts: 1, clientReferenceId: 'r1', app: 'default' });
    expect(byName(evaluateChecks(run)).get('duplicated records')!.ok).toBe(false);
    // an orphan from a retried start (no attempts) is not a duplicate
    const orphan = goodRun();
    orphan.stored.push({ id: 's4', status: 'PENDING', attempts: 0, clientReferenceId: 'r1', app: 'default' });
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

  it('with one app, says nothing of apps (the report reads as before apps)', () => {
    const checks = evaluateChecks(goodRun());
    for (const check of checks) expect(check.value).not.toContain('per app');
  });
});

/** goodRun with s2 moved to app `card`: its user signed in there, the gateway recorded it there. */
function twoAppRun() {
  const run = goodRun();
  const s2 = run.ledger.sessions[1]!;
  run.ledger.sessions[1] = { ...s2, app: 'card' };
  run.stored[1] = { ...run.stored[1]!, app: 'card' };
  const database: DatabaseFacts = {
    ...run.database,
    sessionRowsByApp: new Map([
      ['default', 1],
      ['card', 1],
    ]),
    appBySession: new Map([
      ['s1', 'default'],
      ['s2', 'card'],
    ]),
  };
  const probes: IsolationProbe[] = [
    {
      sessionId: 's1',
      sessionApp: 'default',
      askingApp: 'card',
      otherAppSaw: 'NOT_FOUND',
      ownAppSaw: 'VISIBLE',
    },
    {
      sessionId: 's2',
      sessionApp: 'card',
      askingApp: 'default',
      otherAppSaw: 'NOT_FOUND',
      ownAppSaw: 'VISIBLE',
    },
  ];
  return { ...run, database, probes, apps: ['default', 'card'] };
}

describe('several apps', () => {
  it('reports each headline per app and passes a run where the apps stay apart', () => {
    const run = twoAppRun();
    const checks = [...evaluateChecks(run), ...isolationChecks(run)];
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    const named = byName(checks);
    expect(named.get('acknowledged results lost')!.value).toBe(
      '0 of 6 acknowledged answers; per app: default 0 of 2, card 0 of 4',
    );
    expect(named.get('duplicated records')!.value).toContain('per app: default 0 of 1, card 0 of 1');
    expect(named.get("sessions recorded under their user's app")!.value).toBe(
      '0 of 2 sessions; per app: default 0 of 1, card 0 of 1',
    );
  });

  it('counts a problem under its app and labels the example with it', () => {
    const run = twoAppRun();
    run.stored[1] = { ...run.stored[1]!, status: 'PENDING', attempts: 1 };
    const lost = byName(evaluateChecks(run)).get('acknowledged results lost')!;
    expect(lost.ok).toBe(false);
    expect(lost.value).toContain('default 0 of 2, card 1 of 4');
    expect(lost.examples[0]).toMatch(/^\[card\] r2: told VERIFIED\/2/);
  });

  it('finds a session recorded under another app, by the API or by the database', () => {
    const api = twoAppRun();
    api.stored[1] = { ...api.stored[1]!, app: 'default' };
    const byApi = byName(isolationChecks(api)).get("sessions recorded under their user's app")!;
    expect(byApi.ok).toBe(false);
    expect(byApi.examples).toEqual(['r2: signed in to card, the API says default, the database card']);

    const db = twoAppRun();
    (db.database.appBySession as Map<string, string>).set('s1', 'card');
    expect(byName(isolationChecks(db)).get("sessions recorded under their user's app")!.ok).toBe(false);
  });

  it('checks an orphan of a retried start against the app of its start', () => {
    const run = twoAppRun();
    run.stored.push({ id: 's9', status: 'PENDING', attempts: 0, clientReferenceId: 'r2', app: 'default' });
    (run.database.appBySession as Map<string, string>).set('s9', 'default');
    expect(byName(isolationChecks(run)).get("sessions recorded under their user's app")!.ok).toBe(false);
  });

  it('fails an app that had no session at all', () => {
    const run = twoAppRun();
    const check = byName(isolationChecks({ ...run, apps: ['default', 'card', 'third'] })).get(
      "sessions recorded under their user's app",
    )!;
    expect(check.ok).toBe(false);
    expect(check.examples).toEqual(['third: no session at all']);
  });

  it("fails when another app's token reads a session, when the control cannot, or when no probe ran", () => {
    const probe = (run: ReturnType<typeof twoAppRun>) =>
      byName(isolationChecks(run)).get("another app's user reads no session")!;
    const leaked = twoAppRun();
    leaked.probes[0] = { ...leaked.probes[0]!, otherAppSaw: 'VISIBLE' };
    expect(probe(leaked).ok).toBe(false);
    expect(probe(leaked).value).toMatch(/^1 of 2 probes leaked/);
    const blind = twoAppRun();
    blind.probes[1] = { ...blind.probes[1]!, ownAppSaw: 'NOT_FOUND' };
    expect(probe(blind).ok).toBe(false);
    expect(probe({ ...twoAppRun(), probes: [] }).ok).toBe(false);
  });
});
