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
    const [dupClaims] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT session_id, outcome_attempt FROM evidence_claims WHERE completed_at IS NOT NULL
         GROUP BY session_id, outcome_attempt HAVING count(*) > 1) d`,
    );
    const perSession = await db.query<{ session_id: string; n: number }>(
      `SELECT session_id, count(*)::int AS n FROM evidence_claims WHERE completed_at IS NOT NULL GROUP BY session_id`,
    );
    const [dupEvents] = await db.query<{ n: number }>(
      `SELECT coalesce(sum(c - 1), 0)::int AS n FROM (
         SELECT count(*) AS c FROM event_outbox
         GROUP BY session_id, payload->>'status', payload->>'attempts' HAVING count(*) > 1) d`,
    );
    const [unfinished] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM evidence_claims WHERE completed_at IS NULL',
    );
    const [rows] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM verification_sessions');
    return {
      duplicateAttemptClaims: dupClaims?.n ?? 0,
      completedClaimsBySession: new Map(perSession.map((r) => [r.session_id, r.n])),
      duplicateEvents: dupEvents?.n ?? 0,
      unfinishedClaims: unfinished?.n ?? 0,
      sessionRows: rows?.n ?? 0,
    };
  } finally {
    await db.close();
  }
}

const PAGE = `query ($after: String) {
  verifications(first: 100, after: $after) {
    edges { node { id status attempts clientReferenceId } }
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
