import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { type Database, DatabaseDriver, type Queryable } from './database';
import type { PgliteConnection } from './pglite-connection';
import { PgliteWorker } from './pglite-worker-connection';
import { SerialQueue } from './serial-queue';
import { withStatementSpan } from './statement-span';

/**
 * PGlite's own start parameters (among them -F: no fsync, so a killed process loses nothing it committed but a
 * machine that loses power may), plus a smaller buffer cache: its default 128 MB of shared buffers is most of
 * an idle gateway's memory, and the data folder's pages stay in the operating system's cache anyway (a small
 * deployment runs on a 1 GiB machine).
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * Creates a new data folder (initdb) in a child process: initdb's WebAssembly instance leaves some 400 MiB
 * resident in the process that ran it, even once closed, so the gateway would carry it for its whole life.
 */
async function initializeDataFolder(dataDir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `const { PGlite } = require(${JSON.stringify(pglite)});
PGlite.create(process.argv[1], { startParams: JSON.parse(process.argv[2]) })
  .then((pg) => pg.close())
  .catch((error) => { console.error(String(error && error.message || error)); process.exit(1); });`;
  try {
    await promisify(execFile)(process.execPath, ['-e', script, dataDir, JSON.stringify(START_PARAMS)], {
      timeout: 120_000,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `could not create the embedded database in ${dataDir}: ${stderr?.trim() || 'initdb failed'}`,
    );
  }
}

/** PGlite in the calling thread: its WebAssembly runs on the gateway's event loop. */
class InThreadPglite implements PgliteConnection {
  constructor(private readonly pg: PGlite) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pg.query<T>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) =>
      fn({
        query: async <R>(sql: string, params: unknown[] = []) => (await tx.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  close(): Promise<void> {
    return this.pg.close();
  }
}

export interface PgliteOptions {
  /**
   * Run PGlite in a worker thread, so its WebAssembly does not take turns with the gateway's requests on one
   * event loop. Off by default: on the benchmark it cost more CPU per confirmation than it gave back in
   * throughput (docs/performance.md).
   */
  readonly worker?: boolean;
}

/**
 * Embedded PostgreSQL (PGlite): in memory when `dataDir` is undefined, else persisted in that folder.
 * PGlite is one connection, so every query and transaction runs through one queue; concurrent callers wait
 * their turn instead of interleaving statements of two transactions. Row locks (FOR UPDATE) and advisory
 * locks are therefore trivially uncontended here, and the same SQL stays correct on PostgreSQL. The queue
 * and the statement spans stay in the calling thread whichever thread PGlite runs in.
 */
export class PgliteDatabase extends DatabaseDriver {
  readonly kind = 'pglite' as const;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly connection: PgliteConnection,
    private readonly onClose: () => Promise<void>,
  ) {
    super();
  }

  /** `onClose` runs after the database is closed (e.g. to release the data folder's lock). */
  static async open(
    dataDir?: string,
    onClose: () => Promise<void> = async () => {},
    options: PgliteOptions = {},
  ): Promise<PgliteDatabase> {
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await initializeDataFolder(dataDir);
    }
    if (options.worker === true) {
      return new PgliteDatabase(await PgliteWorker.open({ dataDir, startParams: START_PARAMS }), onClose);
    }
    const pgOptions = { startParams: START_PARAMS };
    const pg =
      dataDir === undefined ? await PGlite.create(pgOptions) : await PGlite.create(dataDir, pgOptions);
    return new PgliteDatabase(new InThreadPglite(pg), onClose);
  }

  // a span covers the wait in the queue too: that wait is part of what the caller sees
  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return withStatementSpan('pglite', sql, () =>
      this.queue.run(() => this.connection.query<T>(sql, params)),
    );
  }

  exec(sql: string): Promise<void> {
    return withStatementSpan('pglite', sql, () => this.queue.run(() => this.connection.exec(sql)));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return withStatementSpan(
      'pglite',
      'BEGIN',
      () => this.queue.run(() => this.connection.transaction((tx) => fn(withSpans(tx)))),
      'transaction',
    );
  }

  /**
   * This database for work that may wait (the operator console's aggregates): its statements and
   * transactions run only when nothing else is queued. Closing it closes nothing; the database stays open.
   */
  lowPriority(): Database {
    const { connection, queue } = this;
    return {
      kind: this.kind,
      query: <T>(sql: string, params: unknown[] = []) =>
        withStatementSpan('pglite', sql, () => queue.run(() => connection.query<T>(sql, params), 'low')),
      exec: (sql: string) =>
        withStatementSpan('pglite', sql, () => queue.run(() => connection.exec(sql), 'low')),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
        withStatementSpan(
          'pglite',
          'BEGIN',
          () => queue.run(() => connection.transaction((tx) => fn(withSpans(tx))), 'low'),
          'transaction',
        ),
      ping: () => this.ping(),
      close: async () => {},
    };
  }

  protected async release(): Promise<void> {
    try {
      await this.queue.run(() => this.connection.close());
    } finally {
      await this.onClose();
    }
  }
}

function withSpans(tx: Queryable): Queryable {
  return {
    query: <T>(sql: string, params: unknown[] = []) =>
      withStatementSpan('pglite', sql, () => tx.query<T>(sql, params)),
    exec: (sql: string) => withStatementSpan('pglite', sql, () => tx.exec(sql)),
  };
}
