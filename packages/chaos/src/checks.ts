import type { RetryStats } from './graphql-client';
import { EXPECTED_RESULT, type IsolationProbe, type Ledger } from './workload';

/** A session as the gateway's API returns it after the run. */
export interface StoredSession {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly clientReferenceId: string | null;
  /** The app the gateway recorded it under. */
  readonly app: string;
}

/** What the database itself says about double counting (queried directly, see database-facts.ts). */
export interface DatabaseFacts {
  /** (session, attempt) pairs recorded by more than one completed evidence claim. */
  readonly duplicateAttemptClaims: number;
  readonly duplicateAttemptClaimsByApp: ReadonlyMap<string, number>;
  /** Completed evidence claims per session id. */
  readonly completedClaimsBySession: ReadonlyMap<string, number>;
  /** Outbox events repeated for one session, status and attempt count. */
  readonly duplicateEvents: number;
  readonly duplicateEventsByApp: ReadonlyMap<string, number>;
  /** Evidence claims never completed (a holder died and nobody came back for it). */
  readonly unfinishedClaims: number;
  readonly sessionRows: number;
  readonly sessionRowsByApp: ReadonlyMap<string, number>;
  /** Every session row's app, as the database holds it. */
  readonly appBySession: ReadonlyMap<string, string>;
}

/** From the sandbox's counters, taken when the workload ended. */
export interface UpstreamFacts {
  readonly calls: Readonly<Record<string, number>>;
  readonly tokensIssued: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly value: string;
  /** Up to a few examples when it failed. */
  readonly examples: readonly string[];
  /** The checks the run exists for; the others guard the run's own validity. */
  readonly headline: boolean;
}

export interface CheckLimits {
  readonly maxUpstreamCallsPerEvidence: number;
}

export const DEFAULT_LIMITS: CheckLimits = { maxUpstreamCallsPerEvidence: 1.5 };

const TERMINAL = new Set(['VERIFIED', 'FAILED']);
const UPSTREAM_RESULT_PATHS = [
  '/cityservice/face/identify/getinfo',
  '/cityservice/face/identify/queryverifyinfo',
];
const MAX_EXAMPLES = 5;

/** Counts problems (per app too) and keeps a few examples, labelled with their app when `labelled`. */
function collector(labelled = false) {
  let count = 0;
  const byApp = new Map<string, number>();
  const examples: string[] = [];
  return {
    add(example: string, app?: string, n = 1) {
      count += n;
      if (app !== undefined) byApp.set(app, (byApp.get(app) ?? 0) + n);
      if (examples.length < MAX_EXAMPLES)
        examples.push(labelled && app !== undefined ? `[${app}] ${example}` : example);
    },
    get count() {
      return count;
    },
    byApp,
    examples,
  };
}

function tally(map: Map<string, number>, app: string, n = 1): void {
  map.set(app, (map.get(app) ?? 0) + n);
}

/** '; per app: default 0 of 812, card 0 of 790' when the run served several apps, else nothing. */
function perApp(
  apps: readonly string[],
  counted: ReadonlyMap<string, number>,
  of?: ReadonlyMap<string, number>,
): string {
  if (apps.length < 2) return '';
  return `; per app: ${apps.map((a) => `${a} ${counted.get(a) ?? 0}${of ? ` of ${of.get(a) ?? 0}` : ''}`).join(', ')}`;
}

/** The apps of the run, in the order they were first used. */
const appsOf = (ledger: Ledger): string[] => [...new Set(ledger.sessions.map((s) => s.app))];

/**
 * Compares what clients were told (the ledger) with what the gateway holds after the run (read back through
 * the API, plus direct database facts) and with the upstream calls WeChat saw. Pure, so each check is tested
 * with made-up inputs that must fail it.
 */
export function evaluateChecks(input: {
  ledger: Ledger;
  stored: readonly StoredSession[];
  database: DatabaseFacts;
  upstream: UpstreamFacts;
  stats: RetryStats;
  gatewayErrorLogs: number;
  limits?: CheckLimits;
  /** The apps the run served (default: those of the ledger); with two or more, each headline is also per app. */
  apps?: readonly string[];
}): Check[] {
  const { ledger, database, upstream, stats } = input;
  const limits = input.limits ?? DEFAULT_LIMITS;
  const apps = input.apps ?? appsOf(ledger);
  const stored = new Map(input.stored.map((s) => [s.id, s]));

  // 1. Every acknowledged answer is what the database holds.
  const several = apps.length > 1;
  const lost = collector(several);
  let acknowledged = 0;
  const acknowledgedByApp = new Map<string, number>();
  for (const session of ledger.sessions) {
    if (session.sessionId === null) continue;
    const answers = session.pairs.flatMap((p) => p.sends.flatMap((s) => (s.answer ? [s.answer] : [])));
    if (answers.length === 0) continue;
    acknowledged += answers.length;
    tally(acknowledgedByApp, session.app, answers.length);
    const row = stored.get(session.sessionId);
    if (row === undefined) {
      lost.add(`${session.item.ref}: session missing after the run`, session.app);
      continue;
    }
    const problem = answers.find(
      (a) =>
        row.attempts < a.attempts ||
        (TERMINAL.has(a.status) && (row.status !== a.status || row.attempts !== a.attempts)),
    );
    if (problem !== undefined) {
      lost.add(
        `${session.item.ref}: told ${problem.status}/${problem.attempts}, stored ${row.status}/${row.attempts}`,
        session.app,
      );
    }
  }

  // 2. Nothing counted twice.
  const duplicated = collector(several);
  for (const [app, n] of database.duplicateAttemptClaimsByApp)
    if (n > 0) duplicated.add(`${n} attempt(s) recorded by two evidence claims`, app);
  for (const [app, n] of database.duplicateEventsByApp)
    if (n > 0) duplicated.add(`${n} outbox event(s) published twice for one attempt`, app);
  const sessionsByRef = new Map<string, StoredSession[]>();
  for (const row of input.stored) {
    if (row.clientReferenceId === null || row.attempts === 0) continue;
    const list = sessionsByRef.get(row.clientReferenceId) ?? [];
    list.push(row);
    sessionsByRef.set(row.clientReferenceId, list);
  }
  for (const [ref, rows] of sessionsByRef) {
    if (rows.length > 1)
      duplicated.add(`${ref}: ${rows.length} sessions with attempts for one start`, rows[0]!.app);
  }
  for (const session of ledger.sessions) {
    if (session.sessionId === null) continue;
    const presented = session.pairs.length;
    const row = stored.get(session.sessionId);
    const claims = database.completedClaimsBySession.get(session.sessionId) ?? 0;
    if (row !== undefined && row.attempts > presented)
      duplicated.add(
        `${session.item.ref}: ${row.attempts} attempts stored for ${presented} evidence(s)`,
        session.app,
      );
    else if (claims > presented)
      duplicated.add(
        `${session.item.ref}: ${claims} evidence claims for ${presented} evidence(s)`,
        session.app,
      );
  }

  // 3. Both sends of a pair agree.
  const conflicting = collector(several);
  let bothAnswered = 0;
  const bothAnsweredByApp = new Map<string, number>();
  for (const session of ledger.sessions) {
    for (const pair of session.pairs) {
      const [a, b] = pair.sends.map((s) => s.answer);
      if (!a || !b) continue;
      bothAnswered += 1;
      tally(bothAnsweredByApp, session.app);
      if (a.status !== b.status || a.attempts !== b.attempts) {
        conflicting.add(
          `${pair.sessionId} (${pair.protocol}, ${pair.mode}): ${a.status}/${a.attempts} vs ${b.status}/${b.attempts}`,
          session.app,
        );
      }
    }
  }

  // 4. At most 1.5 upstream result calls per distinct piece of evidence.
  const evidences = ledger.pairs().filter((p) => p.needsUpstream).length;
  const upstreamCalls = UPSTREAM_RESULT_PATHS.reduce((n, path) => n + (upstream.calls[path] ?? 0), 0);
  const perEvidence = evidences === 0 ? 0 : upstreamCalls / evidences;

  // Validity of the run itself.
  const unanswered = collector();
  for (const pair of ledger.pairs()) {
    if (pair.sends.every((s) => s.answer === null))
      unanswered.add(
        `${pair.sessionId} (${pair.protocol}): ${pair.sends.map((s) => s.finalError).join('; ')}`,
      );
  }
  for (const session of ledger.sessions) {
    if (session.startError !== null)
      unanswered.add(`${session.item.ref}: start gave up (${session.startError})`);
  }
  if (ledger.signInFailures > 0) unanswered.add(`${ledger.signInFailures} sign-in(s) gave up`);

  const unexpectedOutcome = collector();
  for (const session of ledger.sessions) {
    if (session.sessionId === null) continue;
    const row = stored.get(session.sessionId);
    const complete = session.pairs.every((p) => p.sends.some((s) => s.answer !== null));
    if (row === undefined || !complete) continue;
    const expected = EXPECTED_RESULT[session.item.outcome];
    if (row.status !== expected.status || row.attempts !== expected.attempts) {
      unexpectedOutcome.add(
        `${session.item.ref} (${session.item.protocol} ${session.item.outcome}): ${row.status}/${row.attempts}, expected ${expected.status}/${expected.attempts}`,
      );
    }
  }

  const serverFaults = stats.retries.unexpected + input.gatewayErrorLogs;
  const tokenCalls = upstream.calls['/cgi-bin/token'] ?? 0;

  return [
    {
      name: 'acknowledged results lost',
      headline: true,
      ok: lost.count === 0 && acknowledged > 0,
      value: `${lost.count} of ${acknowledged} acknowledged answers${perApp(apps, lost.byApp, acknowledgedByApp)}`,
      examples: acknowledged === 0 ? ['no answer was acknowledged at all'] : lost.examples,
    },
    {
      name: 'duplicated records',
      headline: true,
      ok: duplicated.count === 0,
      value: `${duplicated.count} (${database.sessionRows} session rows)${perApp(apps, duplicated.byApp, database.sessionRowsByApp)}`,
      examples: duplicated.examples,
    },
    {
      name: 'conflicting answers for one evidence',
      headline: true,
      ok: conflicting.count === 0,
      value: `${conflicting.count} of ${bothAnswered} pairs answered twice${perApp(apps, conflicting.byApp, bothAnsweredByApp)}`,
      examples: conflicting.examples,
    },
    {
      name: 'upstream calls per distinct evidence',
      headline: true,
      ok: evidences > 0 && perEvidence <= limits.maxUpstreamCallsPerEvidence,
      value: `${perEvidence.toFixed(3)} (${upstreamCalls} getinfo/queryverifyinfo calls for ${evidences}; limit ${limits.maxUpstreamCallsPerEvidence})`,
      examples: evidences === 0 ? ['no evidence needed WeChat'] : [],
    },
    {
      name: 'every confirmation answered within the retry bound',
      headline: false,
      ok: unanswered.count === 0,
      value: String(unanswered.count),
      examples: unanswered.examples,
    },
    {
      name: 'outcomes as the device scenario decided',
      headline: false,
      ok: unexpectedOutcome.count === 0,
      value: String(unexpectedOutcome.count),
      examples: unexpectedOutcome.examples,
    },
    {
      name: 'server faults (HTTP 5xx, masked errors, error logs)',
      headline: false,
      ok: serverFaults === 0,
      value: String(serverFaults),
      examples: stats.unexpectedSamples.slice(0, MAX_EXAMPLES),
    },
    {
      name: 'cgi-bin/token calls (stable_token only)',
      headline: false,
      ok: tokenCalls === 0,
      value: String(tokenCalls),
      examples: [],
    },
  ];
}

/**
 * Several apps: every session is recorded (in the API's answer and in the database) under the app its user
 * signed in to, every app had sessions, and no user of one app could read another app's session.
 */
export function isolationChecks(input: {
  ledger: Ledger;
  stored: readonly StoredSession[];
  database: DatabaseFacts;
  probes: readonly IsolationProbe[];
  apps: readonly string[];
}): Check[] {
  const { ledger, database, probes, apps } = input;
  // a start retried after a lost answer may leave an orphan session: it belongs to the same user and app
  const appOfRef = new Map(ledger.sessions.map((s) => [s.item.ref, s.app]));
  const misrecorded = collector();
  const checkedByApp = new Map<string, number>();
  let checked = 0;
  for (const row of input.stored) {
    const expected = row.clientReferenceId === null ? undefined : appOfRef.get(row.clientReferenceId);
    if (expected === undefined) continue;
    checked += 1;
    tally(checkedByApp, expected);
    const inDatabase = database.appBySession.get(row.id) ?? 'no row';
    if (row.app !== expected || inDatabase !== expected)
      misrecorded.add(
        `${row.clientReferenceId}: signed in to ${expected}, the API says ${row.app}, the database ${inDatabase}`,
        expected,
      );
  }
  const idle = apps.filter((a) => (checkedByApp.get(a) ?? 0) === 0);

  const leaks = probes.filter((p) => p.otherAppSaw !== 'NOT_FOUND' || p.ownAppSaw !== 'VISIBLE');
  return [
    {
      name: "sessions recorded under their user's app",
      headline: true,
      ok: misrecorded.count === 0 && checked > 0 && idle.length === 0,
      value: `${misrecorded.count} of ${checked} sessions${perApp(apps, misrecorded.byApp, checkedByApp)}`,
      examples: [...misrecorded.examples, ...idle.map((a) => `${a}: no session at all`)],
    },
    {
      name: "another app's user reads no session",
      headline: true,
      ok: probes.length > 0 && leaks.length === 0,
      value: `${leaks.length} of ${probes.length} probes leaked (${probes
        .map(
          (p) => `${p.askingApp} token -> ${p.sessionApp} session: ${p.otherAppSaw}; own app: ${p.ownAppSaw}`,
        )
        .join(', ')})`,
      examples:
        probes.length === 0
          ? ['no probe ran']
          : leaks.map(
              (p) =>
                `${p.sessionId}: the same openid signed in to ${p.askingApp} got ${p.otherAppSaw} (expected NOT_FOUND), in ${p.sessionApp} ${p.ownAppSaw} (expected VISIBLE)`,
            ),
    },
  ];
}
