import { openDatabase } from '@facegate/adapters-postgres';
import type { DatabaseFacts, StoredSession } from './checks';
import type { GraphqlClient, RetryStats } from './graphql-client';
import { withRetries } from './graphql-client';

/**
 * Reads the double-counting facts straight from the gateway's tables. For PGlite the gateway must be stopped
 * first (one process per data folder).
 */
export async function readDatabaseFacts(where: { url?: string; dataDir?: string }): Promise<DatabaseFacts> {
  const db = await openDatabase(where.url ? { url: where.url } : { dataDir: where.dataDir! });
  try {
    // per app, through the session's row (an outbox event of a vanished session would count under '?')
    const dupClaims = await db.query<{ app: string; n: number }>(
      `SELECT coalesce(s.app, '?') AS app, count(*)::int AS n FROM (
         SELECT session_id, outcome_attempt FROM evidence_claims WHERE completed_at IS NOT NULL
         GROUP BY session_id, outcome_attempt HAVING count(*) > 1) d
       LEFT JOIN verification_sessions s ON s.id = d.session_id GROUP BY 1`,
    );
    const perSession = await db.query<{ session_id: string; n: number }>(
      `SELECT session_id, count(*)::int AS n FROM evidence_claims WHERE completed_at IS NOT NULL GROUP BY session_id`,
    );
    const dupEvents = await db.query<{ app: string; n: number }>(
      `SELECT coalesce(s.app, '?') AS app, sum(d.c - 1)::int AS n FROM (
         SELECT session_id, count(*) AS c FROM event_outbox
         GROUP BY session_id, payload->>'status', payload->>'attempts' HAVING count(*) > 1) d
       LEFT JOIN verification_sessions s ON s.id = d.session_id GROUP BY 1`,
    );
    const [unfinished] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM evidence_claims WHERE completed_at IS NULL',
    );
    const sessions = await db.query<{ id: string; app: string }>('SELECT id, app FROM verification_sessions');
    const byApp = (rows: { app: string; n: number }[]) => new Map(rows.map((r) => [r.app, r.n]));
    const sum = (rows: { n: number }[]) => rows.reduce((n, r) => n + r.n, 0);
    const sessionRowsByApp = new Map<string, number>();
    for (const row of sessions) sessionRowsByApp.set(row.app, (sessionRowsByApp.get(row.app) ?? 0) + 1);
    return {
      duplicateAttemptClaims: sum(dupClaims),
      duplicateAttemptClaimsByApp: byApp(dupClaims),
      completedClaimsBySession: new Map(perSession.map((r) => [r.session_id, r.n])),
      duplicateEvents: sum(dupEvents),
      duplicateEventsByApp: byApp(dupEvents),
      unfinishedClaims: unfinished?.n ?? 0,
      sessionRows: sessions.length,
      sessionRowsByApp,
      appBySession: new Map(sessions.map((r) => [r.id, r.app])),
    };
  } finally {
    await db.close();
  }
}

const PAGE = `query ($after: String) {
  verifications(first: 100, after: $after) {
    edges { node { id status attempts clientReferenceId app } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  verifications: {
    edges: { node: StoredSession }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Every session, through the gateway's API with a service key (newest first, 100 a page). */
export async function readBackSessions(
  client: GraphqlClient,
  graphqlUrl: string,
  apiKey: string,
  stats: RetryStats,
): Promise<StoredSession[]> {
  const sessions: StoredSession[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await withRetries(
      'verifications',
      () => client.send<Page>(graphqlUrl, PAGE, { after }, apiKey),
      stats,
    );
    if (!page.ok) throw new Error(`reading sessions back failed: ${JSON.stringify(page.last)}`);
    for (const edge of page.data.verifications.edges) sessions.push(edge.node);
    const info = page.data.verifications.pageInfo;
    if (!info.hasNextPage || info.endCursor === null) return sessions;
    after = info.endCursor;
  }
}
