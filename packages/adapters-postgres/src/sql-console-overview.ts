import type { Queryable } from './database/database';

/** Day buckets and rollups follow the business day in mainland China, whatever the server's time zone. */
export const CONSOLE_TIME_ZONE = 'Asia/Shanghai';

const DAY_MS = 86_400_000;
/** China Standard Time has no daylight saving: a fixed +8 h. */
const CST_OFFSET_MS = 8 * 3_600_000;

/** CST midnight at or before `at`. */
export function cstDayStart(at: number): number {
  return Math.floor((at + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
}

/** The CST calendar date of a CST midnight, as PostgreSQL's date literal. */
function cstDate(midnight: number): string {
  return new Date(midnight + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** [start, end) of whole CST days, and the same as dates. */
export interface RolledRange {
  readonly start: number;
  readonly end: number;
}

const TZ = `'${CONSOLE_TIME_ZONE}'`;
const DAY_OF = `(created_at AT TIME ZONE ${TZ})::date`;
const SECONDS = 'floor(extract(epoch FROM ended_at - created_at))::int';

/**
 * Rolls up the closed days among [$1, $2) (dates) that are not rolled up yet, in one statement: the day
 * markers, the counts and the durations commit together, and a second instance doing the same days at the
 * same time waits on the markers and then adds nothing.
 */
const FILL = `
WITH days AS (
  INSERT INTO console_rolled_days (day)
  SELECT d::date FROM generate_series($1::date, $2::date - 1, interval '1 day') AS d
  ON CONFLICT (day) DO NOTHING
  RETURNING day
), rows AS (
  SELECT ${DAY_OF} AS day, protocol, status, attempts, ${SECONDS} AS seconds
  FROM verification_sessions
  WHERE created_at >= ($1::date::timestamp AT TIME ZONE ${TZ})
    AND created_at < ($2::date::timestamp AT TIME ZONE ${TZ})
    AND ${DAY_OF} IN (SELECT day FROM days)
), counts AS (
  INSERT INTO console_daily_counts (day, protocol, status, sessions, device_ran)
  SELECT day, protocol, status, count(*), count(*) FILTER (WHERE attempts > 0) FROM rows GROUP BY 1, 2, 3
  RETURNING 1
)
INSERT INTO console_daily_durations (day, protocol, seconds, sessions)
SELECT day, protocol, seconds, count(*) FROM rows WHERE status IN ('VERIFIED', 'FAILED') GROUP BY 1, 2, 3`;

/**
 * The whole CST days of [from, to) whose counts are final (ended over a day before `now`, no PENDING
 * session), made sure to be rolled up; null when there is no such day. The range stops before the first day
 * still holding a PENDING session, so what is left is read live.
 */
export async function rolledRange(
  db: Queryable,
  from: Date,
  to: Date,
  now: Date,
): Promise<RolledRange | null> {
  const start = cstDayStart(from.getTime() + DAY_MS - 1);
  let end = Math.min(cstDayStart(to.getTime()), cstDayStart(now.getTime() - DAY_MS));
  if (start >= end) return null;
  // No index names status (an ending stays a HOT update: migration 0013); the expiry sweeper's mark bounds
  // where a PENDING session can be (none expires at or before swept_to), so only the sessions not swept yet
  // are read, from the expiry index, instead of every session of the period.
  // The mark is read first and passed as a value: a mark the planner cannot see (a join, a subquery) is
  // estimated as a third of the table, and it then prefers reading the whole period by created_at.
  const [mark] = await db.query<{ swept_to: Date }>('SELECT swept_to FROM expiry_sweep_position');
  const [pending] = await db.query<{ first: Date | null }>(
    `SELECT min(created_at) AS first FROM verification_sessions
     WHERE expires_at > $3 AND status = 'PENDING' AND created_at >= $1 AND created_at < $2`,
    [new Date(start), new Date(end), mark?.swept_to ?? new Date(0)],
  );
  if (pending?.first) end = cstDayStart(new Date(pending.first).getTime());
  if (start >= end) return null;
  const [missing] = await db.query<{ first: string | null; last: string | null }>(
    `SELECT min(d)::date::text AS first, max(d)::date::text AS last
     FROM generate_series($1::date, $2::date - 1, interval '1 day') AS d
     WHERE NOT EXISTS (SELECT 1 FROM console_rolled_days r WHERE r.day = d::date)`,
    [cstDate(start), cstDate(end)],
  );
  if (missing?.first && missing.last) {
    const after = new Date(`${missing.last}T00:00:00Z`);
    after.setUTCDate(after.getUTCDate() + 1);
    await db.query(FILL, [missing.first, after.toISOString().slice(0, 10)]);
  }
  return { start, end };
}

/**
 * Live rows: [from, to) without the rolled-up days (two ranges, each read from the index); `byApps`: only
 * the apps in $7 (the rollups hold every app together, so an overview of some apps reads live throughout).
 */
const live = (byApps: boolean) => {
  const apps = byApps ? ' AND app = ANY($7::text[])' : '';
  return `
  SELECT protocol, status, attempts, created_at, ended_at FROM verification_sessions
  WHERE created_at >= $1 AND created_at < $2${apps}
  UNION ALL
  SELECT protocol, status, attempts, created_at, ended_at FROM verification_sessions
  WHERE created_at >= $3 AND created_at < $4${apps}`;
};

export const OVERVIEW_COUNTS = (byApps: boolean) => `
WITH live AS (${live(byApps)})
SELECT protocol, status, sum(sessions)::int AS sessions, sum(device_ran)::int AS device_ran FROM (
  SELECT protocol, status, count(*) AS sessions, count(*) FILTER (WHERE attempts > 0) AS device_ran
  FROM live GROUP BY 1, 2
  UNION ALL
  SELECT protocol, status, sum(sessions), sum(device_ran) FROM console_daily_counts
  WHERE day >= $5::date AND day < $6::date GROUP BY 1, 2
) AS c GROUP BY 1, 2`;

export const OVERVIEW_DURATIONS = (byApps: boolean) => `
WITH live AS (${live(byApps)})
SELECT protocol, seconds, sum(sessions)::int AS sessions FROM (
  SELECT protocol, ${SECONDS} AS seconds, count(*) AS sessions
  FROM live WHERE status IN ('VERIFIED', 'FAILED') GROUP BY 1, 2
  UNION ALL
  SELECT protocol, seconds, sum(sessions) FROM console_daily_durations
  WHERE day >= $5::date AND day < $6::date GROUP BY 1, 2
) AS d GROUP BY 1, 2 ORDER BY 2`;

export const OVERVIEW_DAILY_SERIES = (byApps: boolean) => `
WITH live AS (${live(byApps)})
SELECT bucket, status, sum(sessions)::int AS count FROM (
  SELECT date_trunc('day', created_at, ${TZ}) AS bucket, status, count(*) AS sessions FROM live GROUP BY 1, 2
  UNION ALL
  SELECT day::timestamp AT TIME ZONE ${TZ}, status, sum(sessions) FROM console_daily_counts
  WHERE day >= $5::date AND day < $6::date GROUP BY 1, 2
) AS s GROUP BY 1, 2 ORDER BY 1, 2`;

/** $1, $2: the period; $3 (with `byApps`): the apps. */
export const OVERVIEW_HOURLY_SERIES = (byApps: boolean) => `
SELECT date_trunc('hour', created_at) AS bucket, status, count(*)::int AS count
FROM verification_sessions
WHERE created_at >= $1 AND created_at < $2${byApps ? ' AND app = ANY($3::text[])' : ''}
GROUP BY 1, 2 ORDER BY 1, 2`;

/** The parameters $1-$6 of the queries above: two live ranges and the rolled-up dates ($7, the apps, apart). */
export function overviewParams(from: Date, to: Date, rolled: RolledRange | null): unknown[] {
  if (rolled === null) return [from, to, to, to, '1970-01-01', '1970-01-01'];
  return [from, new Date(rolled.start), new Date(rolled.end), to, cstDate(rolled.start), cstDate(rolled.end)];
}

/** percentile_cont over a histogram of whole seconds (sorted by seconds): interpolated between ranks. */
export function percentileOf(
  histogram: readonly { seconds: number; sessions: number }[],
  q: number,
): number | null {
  const n = histogram.reduce((sum, h) => sum + h.sessions, 0);
  if (n === 0) return null;
  const position = q * (n - 1);
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const h of histogram) {
      seen += h.sessions;
      if (rank < seen) return h.seconds;
    }
    return histogram.at(-1)!.seconds;
  };
  const lower = Math.floor(position);
  const low = valueAt(lower);
  return low + (position - lower) * (valueAt(Math.min(lower + 1, n - 1)) - low);
}
