import { createHash } from 'node:crypto';
import pg from 'pg';
import { DatabaseDriver, type Queryable } from './database';
import { withStatementSpan } from './statement-span';

export interface PostgresDatabaseOptions {
  /** Pool size; default 10. */
  readonly poolMax?: number;
  /** Server-side statement_timeout of every pooled connection; default 5000 ms. */
  readonly statementTimeoutMs?: number;
  /** Opening a connection, or waiting for a free one in the pool; default 5000 ms. */
  readonly connectionTimeoutMs?: number;
}

/** PostgreSQL through node-postgres: one pool for queries and transactions. */
export class PostgresDatabase extends DatabaseDriver {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {
    super();
  }

  static async open(url: string, options: PostgresDatabaseOptions = {}): Promise<PostgresDatabase> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      // a statement waiting on a lock or a stuck server is cancelled instead of holding the request (57014)
      statement_timeout: options.statementTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it on next use.
    pool.on('error', () => {});
    const db = new PostgresDatabase(pool);
    try {
      await db.ping();
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return db;
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return withStatementSpan('postgres', sql, async () => {
      // Named by its text, each statement is parsed and planned once per connection instead of on every call.
      const result = await this.pool.query({ name: statementName(sql), text: sql, values: params });
      return result.rows as T[];
    });
  }

  exec(sql: string): Promise<void> {
    return withStatementSpan('postgres', sql, async () => {
      await this.pool.query(sql);
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return withStatementSpan('postgres', 'BEGIN', () => this.inTransaction(fn), 'transaction');
  }

  private async inTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(clientQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: have the pool discard it rather than hand it out again.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  protected async release(): Promise<void> {
    await this.pool.end();
  }
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    query: <T>(sql: string, params: unknown[] = []) =>
      withStatementSpan('postgres', sql, async () => (await client.query(sql, params)).rows as T[]),
    exec: (sql: string) =>
      withStatementSpan('postgres', sql, async () => {
        await client.query(sql);
      }),
  };
}

const statementNames = new Map<string, string>();

/** A prepared-statement name that only this exact text ever gets (a digest of it), memoized. */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `fg_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    // bounded: the statements are the code's own, but a caller building SQL from data must not grow this
    if (statementNames.size < 10_000) statementNames.set(sql, name);
  }
  return name;
}
