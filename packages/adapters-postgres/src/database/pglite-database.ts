import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { assertChannelName, type Database, type Queryable } from './database';
import { SerialQueue } from './serial-queue';

/**
 * Embedded PostgreSQL (PGlite): in memory when `dataDir` is undefined, else persisted in that folder.
 * PGlite is one connection, so every query and transaction runs through one queue; concurrent callers wait
 * their turn instead of interleaving statements of two transactions. Row locks (FOR UPDATE) and advisory
 * locks are therefore trivially uncontended here, and the same SQL stays correct on PostgreSQL.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    private readonly pg: PGlite,
    private readonly onClose: () => Promise<void>,
  ) {}

  /** `onClose` runs after the database is closed (e.g. to release the data folder's lock). */
  static async open(
    dataDir?: string,
    onClose: () => Promise<void> = async () => {},
  ): Promise<PgliteDatabase> {
    if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
    const pg = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir);
    return new PgliteDatabase(pg, onClose);
  }

  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.queue.run(async () => (await this.pg.query<T>(sql, params)).rows);
  }

  exec(sql: string): Promise<void> {
    return this.queue.run(async () => {
      await this.pg.exec(sql);
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.queue.run(() => this.pg.transaction((tx) => fn(wrapTransaction(tx))));
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannelName(channel);
    const unlisten = await this.queue.run(() => this.pg.listen(channel, onPayload));
    let active = true;
    return async () => {
      if (!active || this.closed) return;
      active = false;
      await this.queue.run(() => unlisten());
    };
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
    try {
      await this.queue.run(() => this.pg.close());
    } finally {
      await this.onClose();
    }
  }
}

function wrapTransaction(tx: Transaction): Queryable {
  return {
    query: async <T>(sql: string, params: unknown[] = []) => (await tx.query<T>(sql, params)).rows,
    exec: async (sql: string) => {
      await tx.exec(sql);
    },
  };
}
