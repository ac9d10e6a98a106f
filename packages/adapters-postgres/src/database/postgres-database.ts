import { createHash } from 'node:crypto';
import pg from 'pg';
import { assertChannelName, type Database, type Queryable, quoteIdentifier } from './database';

export interface PostgresDatabaseOptions {
  /** Pool size; default 10. */
  readonly poolMax?: number;
  /** Server-side statement_timeout of every pooled connection; default 5000 ms. */
  readonly statementTimeoutMs?: number;
  /** Opening a connection, or waiting for a free one in the pool; default 5000 ms. */
  readonly connectionTimeoutMs?: number;
}

/** PostgreSQL through node-postgres: a pool for queries and transactions, one dedicated client for LISTEN. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly listener: NotificationListener;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    connectionString: string,
  ) {
    this.listener = new NotificationListener(connectionString);
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
    const db = new PostgresDatabase(pool, url);
    try {
      await db.ping();
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return db;
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    // Named by its text, each statement is parsed and planned once per connection instead of on every call.
    const result = await this.pool.query({ name: statementName(sql), text: sql, values: params });
    return result.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
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

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannelName(channel);
    return this.listener.add(channel, onPayload);
  }

  async notify(channel: string, payload: string): Promise<void> {
    assertChannelName(channel);
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.pool.end();
  }
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

type Handler = (payload: string) => void;

/**
 * One connection carries every LISTEN of this process (a pooled client would lose its LISTENs when released).
 * If it drops, it reconnects with backoff and listens again on every channel; notifications sent while it was
 * down are lost, which is why events are also written to the outbox table.
 */
class NotificationListener {
  private readonly handlers = new Map<string, Set<Handler>>();
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = 100;
  private closed = false;

  constructor(private readonly connectionString: string) {}

  async add(channel: string, handler: Handler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('database is closed');
    let set = this.handlers.get(channel);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    try {
      const client = await this.connection();
      // LISTEN is idempotent, so a connection that just subscribed to every channel may repeat it safely.
      if (first) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(channel);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      const current = this.handlers.get(channel);
      if (current === undefined) return;
      current.delete(handler);
      if (current.size > 0) return;
      this.handlers.delete(channel);
      if (this.handlers.size === 0) {
        await this.disconnect();
      } else if (this.client !== null) {
        await this.client.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    await this.disconnect();
  }

  private connection(): Promise<pg.Client> {
    if (this.client !== null) return Promise.resolve(this.client);
    if (this.connecting === null) {
      this.connecting = this.connect().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) => {
      const handlers = this.handlers.get(message.channel);
      if (handlers === undefined) return;
      for (const handler of [...handlers]) {
        try {
          handler(message.payload ?? '');
        } catch {
          // One failing subscriber must not starve the others.
        }
      }
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    try {
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    this.reconnectDelayMs = 100;
    return client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.handlers.size === 0 || this.reconnectTimer !== null) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connection().catch(() => this.scheduleReconnect());
    }, delay);
    this.reconnectTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const pending = this.connecting;
    if (pending !== null) await pending.catch(() => null);
    const client = this.client;
    this.client = null;
    if (client !== null) await client.end().catch(() => {});
    // Someone subscribed while the connection was closing.
    if (this.handlers.size > 0) this.scheduleReconnect();
  }
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
