import type { BatchedCounterStore, CounterIncrement, RateLimitHit } from '@facegate/domain';
import type { Queryable } from './database/database';

interface CounterRow {
  scope: string;
  key: string;
  window_start: Date | string;
  count: number | string;
}

const rowId = (scope: string, key: string, windowStart: Date | string) =>
  `${scope}\u0000${key}\u0000${new Date(windowStart).getTime()}`;

// One text for any batch size (arrays, not a VALUES list per size), so PostgreSQL prepares it once.
const ADD_SQL = `INSERT INTO rate_limit_counters AS c (scope, key, window_start, count, expires_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::integer[], $5::timestamptz[])
  ON CONFLICT (scope, key, window_start) DO UPDATE SET count = c.count + EXCLUDED.count
  RETURNING c.scope, c.key, c.window_start, c.count`;

const READ_SQL = `SELECT c.scope, c.key, c.window_start, c.count
  FROM rate_limit_counters c
  JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS w (scope, key, window_start)
    ON c.scope = w.scope AND c.key = w.key AND c.window_start = w.window_start`;

/**
 * The batched side of the rate_limit_counters table (the one SqlRateLimitCounterStore counts hit by hit):
 * the domain's BatchedCounterStore. Several windows' counts added in one statement, and
 * several windows read in one. Callers pass each window at most once per call, in the same order on every
 * instance (so two instances' statements lock rows in the same order and cannot deadlock).
 */
export class SqlBatchedCounterStore implements BatchedCounterStore {
  constructor(private readonly db: Queryable) {}

  async add(batch: readonly CounterIncrement[]): Promise<number[]> {
    if (batch.length === 0) return [];
    const rows = await this.db.query<CounterRow>(ADD_SQL, [
      batch.map(({ hit }) => hit.scope),
      batch.map(({ hit }) => hit.key),
      batch.map(({ hit }) => hit.windowStart),
      batch.map(({ by }) => by),
      batch.map(({ hit }) => hit.windowEnd),
    ]);
    return this.inOrder(batch, rows, true);
  }

  async read(hits: readonly RateLimitHit[]): Promise<number[]> {
    if (hits.length === 0) return [];
    const rows = await this.db.query<CounterRow>(READ_SQL, [
      hits.map((hit) => hit.scope),
      hits.map((hit) => hit.key),
      hits.map((hit) => hit.windowStart),
    ]);
    return this.inOrder(
      hits.map((hit) => ({ hit })),
      rows,
      false,
    );
  }

  /** RETURNING and SELECT promise no order: the answers are matched to the windows asked about. */
  private inOrder(
    asked: readonly { hit: RateLimitHit }[],
    rows: readonly CounterRow[],
    everyRow: boolean,
  ): number[] {
    const counts = new Map(rows.map((r) => [rowId(r.scope, r.key, r.window_start), Number(r.count)]));
    return asked.map(({ hit }) => {
      const count = counts.get(rowId(hit.scope, hit.key, hit.windowStart));
      if (count === undefined && everyRow) throw new Error('rate-limit counter upsert returned no row');
      return count ?? 0;
    });
  }
}
