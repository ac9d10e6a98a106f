import type { RateLimitCounterStore, RateLimitHit } from '@facegate/domain';
import type { Database } from './database/database';

/**
 * The domain's RateLimitCounterStore: fixed-window counters in one table, shared by every gateway instance
 * on the database. Each hit is one atomic upsert, so concurrent hits from several instances never lose a
 * count. SqlBatchedCounterStore adds to and reads the same rows in batches.
 */
export class SqlRateLimitCounterStore implements RateLimitCounterStore {
  constructor(private readonly db: Database) {}

  /** Counts one hit in the window and returns the window's count including it. */
  async increment(hit: RateLimitHit): Promise<number> {
    const rows = await this.db.query<{ count: number }>(
      `INSERT INTO rate_limit_counters AS c (scope, key, window_start, count, expires_at)
       VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (scope, key, window_start) DO UPDATE SET count = c.count + 1
       RETURNING c.count`,
      [hit.scope, hit.key, hit.windowStart, hit.windowEnd],
    );
    return Number(rows[0]!.count);
  }

  /** The current count of a window, 0 when nothing was counted in it. */
  async count(scope: string, key: string, windowStart: Date): Promise<number> {
    const rows = await this.db.query<{ count: number }>(
      'SELECT count FROM rate_limit_counters WHERE scope = $1 AND key = $2 AND window_start = $3',
      [scope, key, windowStart],
    );
    return rows[0] === undefined ? 0 : Number(rows[0].count);
  }

  /** Deletes the windows that ended before `now`; returns how many. */
  async prune(now: Date): Promise<number> {
    const rows = await this.db.query('DELETE FROM rate_limit_counters WHERE expires_at < $1 RETURNING 1', [
      now,
    ]);
    return rows.length;
  }
}
