import {
  type AppScope,
  assembleTimeline,
  type ConsoleBucket,
  type ConsoleCounts,
  type ConsoleOverviewRows,
  type ConsoleReadModel,
  type ConsoleSessionCursor,
  type ConsoleSessionFilter,
  type ConsoleSessionRow,
  type FailureCount,
  type TimelineClaim,
  type TimelineEntry,
  type TimelineEvent,
} from '@facegate/domain';
import type { Database } from './database/database';
import {
  CONSOLE_TIME_ZONE,
  OVERVIEW_COUNTS,
  OVERVIEW_DAILY_SERIES,
  OVERVIEW_DURATIONS,
  OVERVIEW_HOURLY_SERIES,
  overviewParams,
  percentileOf,
  rolledRange,
} from './sql-console-overview';

export { CONSOLE_TIME_ZONE };

interface SessionRow {
  id: string;
  app: string;
  status: string;
  protocol: string;
  masked_name: string;
  masked_id_card_number: string;
  attempts: number;
  max_attempts: number;
  last_error_code: string | null;
  openid: string;
  client_reference_id: string | null;
  created_at: Date;
  ended_at: Date | null;
  verified_at: Date | null;
}

/** Masked fields and the failure code only: never the digests, the sealed binding or the evidence. */
const SESSION_SELECT = `SELECT id, app, status, protocol, masked_name, masked_id_card_number, attempts, max_attempts,
  last_error->>'code' AS last_error_code, openid, client_reference_id, created_at, ended_at, verified_at
FROM verification_sessions`;

/** The operator console's read-only queries: aggregates computed by the database, never in the browser. */
export class SqlConsoleQueries implements ConsoleReadModel {
  constructor(private readonly db: Database) {}

  /**
   * Counts and times of the sessions started in [from, to): whole days that are over (see rolledRange) from
   * the daily rollups, the rest read live from the covering index. Times to outcome are to the second.
   */
  async overview(
    from: Date,
    to: Date,
    bucket: ConsoleBucket,
    now: Date = new Date(),
    apps: AppScope = null,
  ): Promise<ConsoleOverviewRows> {
    const byApps = apps !== null;
    // the rollups count every app together: some apps' overview is read live from the sessions
    const rolled = byApps ? null : await rolledRange(this.db, from, to, now);
    const params = [...overviewParams(from, to, rolled), ...(byApps ? [[...apps]] : [])];
    const [counts, durations, series] = await Promise.all([
      this.db.query<{ protocol: string; status: string; sessions: number; device_ran: number }>(
        OVERVIEW_COUNTS(byApps),
        params,
      ),
      this.db.query<{ protocol: string; seconds: number; sessions: number }>(
        OVERVIEW_DURATIONS(byApps),
        params,
      ),
      bucket === 'day'
        ? this.db.query<{ bucket: Date; status: string; count: number }>(
            OVERVIEW_DAILY_SERIES(byApps),
            params,
          )
        : this.db.query<{ bucket: Date; status: string; count: number }>(
            OVERVIEW_HOURLY_SERIES(byApps),
            byApps ? [from, to, [...apps]] : [from, to],
          ),
    ]);
    const countsOf = (protocol: string | null): ConsoleCounts => {
      const rows = counts.filter((r) => protocol === null || r.protocol === protocol);
      const of = (status: string) =>
        rows.filter((r) => r.status === status).reduce((n, r) => n + r.sessions, 0);
      const histogram = durations.filter((d) => protocol === null || d.protocol === protocol);
      // several protocols' histograms interleave: merge equal seconds, keep them sorted
      const merged = [...new Set(histogram.map((h) => h.seconds))]
        .sort((x, y) => x - y)
        .map((seconds) => ({
          seconds,
          sessions: histogram.filter((h) => h.seconds === seconds).reduce((n, h) => n + h.sessions, 0),
        }));
      return {
        started: rows.reduce((n, r) => n + r.sessions, 0),
        pending: of('PENDING'),
        verified: of('VERIFIED'),
        failed: of('FAILED'),
        canceled: of('CANCELED'),
        expired: of('EXPIRED'),
        deviceRan: rows.reduce((n, r) => n + r.device_ran, 0),
        confirmed: of('VERIFIED') + of('FAILED'),
        medianSecondsToOutcome: percentileOf(merged, 0.5),
        p95SecondsToOutcome: percentileOf(merged, 0.95),
      };
    };
    const protocols = [...new Set(counts.map((r) => r.protocol))].sort() as ('LEGACY' | 'V2')[];
    return {
      total: countsOf(null),
      byProtocol: protocols.map((protocol) => ({ protocol, ...countsOf(protocol) })),
      series: series.map((r) => ({ bucket: new Date(r.bucket), status: r.status, count: r.count })),
    };
  }

  /** The latest failure of each session started in the period, by code, most frequent first. */
  async failures(from: Date, to: Date, apps: AppScope = null): Promise<FailureCount[]> {
    const rows = await this.db.query<{ code: string; bucket: Date; count: number }>(
      `SELECT last_error->>'code' AS code, date_trunc('day', created_at, '${CONSOLE_TIME_ZONE}') AS bucket,
         count(*)::int AS count
       FROM verification_sessions
       WHERE created_at >= $1 AND created_at < $2 AND last_error IS NOT NULL
         ${apps === null ? '' : 'AND app = ANY($3::text[])'}
       GROUP BY 1, 2 ORDER BY 2`,
      apps === null ? [from, to] : [from, to, [...apps]],
    );
    const byCode = new Map<string, FailureCount>();
    for (const row of rows) {
      const entry = byCode.get(row.code) ?? { code: row.code, count: 0, trend: [] };
      entry.count += row.count;
      entry.trend.push({ bucket: new Date(row.bucket), count: row.count });
      byCode.set(row.code, entry);
    }
    return [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }

  /** Newest first, keyset-paginated on (created_at, id); `first + 1` rows tell whether more follow. */
  async sessions(
    filter: ConsoleSessionFilter,
    first: number,
    after: ConsoleSessionCursor | null,
  ): Promise<ConsoleSessionRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.apps != null) add('app = ANY(?::text[])', [...filter.apps]);
    if (filter.status) add('status = ?', filter.status);
    if (filter.protocol) add('protocol = ?', filter.protocol);
    if (filter.openid) add('openid = ?', filter.openid);
    if (filter.clientReferenceId) add('client_reference_id = ?', filter.clientReferenceId);
    if (filter.createdAfter) add('created_at >= ?', filter.createdAfter);
    if (filter.createdBefore) add('created_at < ?', filter.createdBefore);
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(first + 1);
    const rows = await this.db.query<SessionRow>(
      `${SESSION_SELECT}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC
       LIMIT $${params.length}`,
      params,
    );
    return rows.map(toSession);
  }

  async session(id: string): Promise<ConsoleSessionRow | null> {
    const rows = await this.db.query<SessionRow>(`${SESSION_SELECT} WHERE id = $1`, [id]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  /** One session's timeline (see timelines). */
  async timeline(session: ConsoleSessionRow): Promise<TimelineEntry[]> {
    return (await this.timelines([session])).get(session.id) ?? [];
  }

  /**
   * What happened to each session, oldest first (the domain's assembleTimeline): its start, each evidence
   * claim (an attempt sent to WeChat) and its completion, the published status changes still in the outbox,
   * and its end. Two statements for the whole page, whatever its size. No evidence, no digests: the claims
   * are read for their times, status and failure code only.
   */
  async alternativeChosen(from: Date, to: Date, apps: AppScope = null): Promise<number> {
    // an index-only count for every app (verification_sessions_alternative_idx, migration 0007)
    const rows = await this.db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM verification_sessions
       WHERE cancel_reason = 'ALTERNATIVE_CHOSEN' AND created_at >= $1 AND created_at < $2
         ${apps === null ? '' : 'AND app = ANY($3::text[])'}`,
      apps === null ? [from, to] : [from, to, [...apps]],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async distinctPeople(): Promise<number> {
    const rows = await this.db.query<{ n: number | string }>('SELECT count(*) AS n FROM people_seen');
    return Number(rows[0]?.n ?? 0);
  }

  async timelines(sessions: readonly ConsoleSessionRow[]): Promise<ReadonlyMap<string, TimelineEntry[]>> {
    if (sessions.length === 0) return new Map();
    const ids = [...new Set(sessions.map((s) => s.id))];
    const [claims, events] = await Promise.all([
      this.db.query<{
        session_id: string;
        claimed_at: Date;
        completed_at: Date | null;
        outcome_status: string | null;
        outcome_attempt: number | null;
        failure_code: string | null;
      }>(
        `SELECT session_id, claimed_at, completed_at, outcome_status, outcome_attempt,
           outcome_failure->>'code' AS failure_code
         FROM evidence_claims WHERE session_id = ANY($1::text[]) ORDER BY claimed_at`,
        [ids],
      ),
      this.db.query<{ session_id: string; created_at: Date; status: string | null; attempts: number | null }>(
        `SELECT session_id, created_at, payload->>'status' AS status, (payload->>'attempts')::int AS attempts
         FROM event_outbox WHERE session_id = ANY($1::text[]) ORDER BY id`,
        [ids],
      ),
    ]);
    const claimsOf = groupBy(
      claims,
      (c): TimelineClaim => ({
        claimedAt: c.claimed_at,
        completedAt: c.completed_at,
        outcomeStatus: c.outcome_status,
        outcomeAttempt: c.outcome_attempt,
        failureCode: c.failure_code,
      }),
    );
    const eventsOf = groupBy(
      events,
      (e): TimelineEvent => ({ at: e.created_at, status: e.status, attempts: e.attempts }),
    );
    return new Map(
      sessions.map((s) => [s.id, assembleTimeline(s, claimsOf.get(s.id) ?? [], eventsOf.get(s.id) ?? [])]),
    );
  }
}

/** Rows by their session, each session's in the order read. */
function groupBy<R extends { session_id: string }, T>(
  rows: readonly R[],
  map: (row: R) => T,
): Map<string, T[]> {
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const list = grouped.get(row.session_id) ?? [];
    list.push(map(row));
    grouped.set(row.session_id, list);
  }
  return grouped;
}

function toSession(r: SessionRow): ConsoleSessionRow {
  return {
    id: r.id,
    app: r.app,
    status: r.status,
    protocol: r.protocol,
    maskedName: r.masked_name,
    maskedIdCardNumber: r.masked_id_card_number,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastErrorCode: r.last_error_code,
    openid: r.openid,
    clientReferenceId: r.client_reference_id,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    verifiedAt: r.verified_at,
  };
}
