import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { type Database, DatabaseDriver, type Queryable } from './database';
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

/**
 * Embedded PostgreSQL (PGlite): in memory when `dataDir` is undefined, else persisted in that folder.
 * PGlite is one connection, so every query and transaction runs through one queue; concurrent callers wait
 * their turn instead of interleaving statements of two transactions. Row locks (FOR UPDATE) and advisory
 * locks are therefore trivially uncontended here, and the same SQL stays correct on PostgreSQL.
 */
export class PgliteDatabase extends DatabaseDriver {
  readonly kind = 'pglite' as const;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly pg: PGlite,
    private readonly onClose: () => Promise<void>,
  ) {
    super();
  }

  /** `onClose` runs after the database is closed (e.g. to release the data folder's lock). */
  static async open(
    dataDir?: string,
    onClose: () => Promise<void> = async () => {},
  ): Promise<PgliteDatabase> {
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await initializeDataFolder(dataDir);
    }
    const options = { startParams: START_PARAMS };
    const pg = dataDir === undefined ? await PGlite.create(options) : await PGlite.create(dataDir, options);
    return new PgliteDatabase(pg, onClose);
  }

  // a span covers the wait in the queue too: that wait is part of what the caller sees
  query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return withStatementSpan('pglite', sql, () =>
      this.queue.run(async () => (await this.pg.query<T>(sql, params)).rows),
    );
  }

  exec(sql: string): Promise<void> {
    return withStatementSpan('pglite', sql, () =>
      this.queue.run(async () => {
        await this.pg.exec(sql);
      }),
    );
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return withStatementSpan(
      'pglite',
      'BEGIN',
      () => this.queue.run(() => this.pg.transaction((tx) => fn(wrapTransaction(tx)))),
      'transaction',
    );
  }

  /**
   * This database for work that may wait (the operator console's aggregates): its statements and
   * transactions run only when nothing else is queued. Closing it closes nothing; the database stays open.
   */
  lowPriority(): Database {
    const { pg, queue } = this;
    return {
      kind: this.kind,
      query: <T>(sql: string, params: unknown[] = []) =>
        withStatementSpan('pglite', sql, () =>
          queue.run(async () => (await pg.query<T>(sql, params)).rows, 'low'),
        ),
      exec: (sql: string) =>
        withStatementSpan('pglite', sql, () =>
          queue.run(async () => {
            await pg.exec(sql);
          }, 'low'),
        ),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
        withStatementSpan(
          'pglite',
          'BEGIN',
          () => queue.run(() => pg.transaction((tx) => fn(wrapTransaction(tx))), 'low'),
          'transaction',
        ),
      ping: () => this.ping(),
      close: async () => {},
    };
  }

  protected async release(): Promise<void> {
    try {
      await this.queue.run(() => this.pg.close());
    } finally {
      await this.onClose();
    }
  }
}

function wrapTransaction(tx: Transaction): Queryable {
  return {
    query: <T>(sql: string, params: unknown[] = []) =>
      withStatementSpan('pglite', sql, async () => (await tx.query<T>(sql, params)).rows),
    exec: (sql: string) =>
      withStatementSpan('pglite', sql, async () => {
        await tx.exec(sql);
      }),
  };
}
