import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock';
import { type Database, DatabaseConfigError } from './database';
import { PgliteDatabase, type PgliteOptions } from './pglite-database';
import { PostgresDatabase } from './postgres-database';

export interface OpenDatabaseOptions {
  /** `postgres://...` / `postgresql://...` = PostgreSQL; `memory:` = in-memory PGlite; undefined = PGlite in dataDir. */
  readonly url?: string;
  /** Embedded data folder; the database files live in its `pgdata` subfolder. Required when url is unset. */
  readonly dataDir?: string;
  /** PostgreSQL pool size (default 10). */
  readonly poolMax?: number;
  /** PostgreSQL statement_timeout (default 5000 ms). */
  readonly statementTimeoutMs?: number;
  /** PostgreSQL connect / pool wait timeout (default 5000 ms). */
  readonly connectionTimeoutMs?: number;
  /** PGlite: run it in a worker thread (true), or in the calling thread (false, the default). */
  readonly pgliteWorker?: boolean;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.url?.trim() || undefined;
  if (url === undefined) {
    if (options.dataDir === undefined || options.dataDir.trim() === '') {
      throw new DatabaseConfigError(
        'DATA_DIR is required for the embedded database when DATABASE_URL is unset',
      );
    }
    const dataDir = options.dataDir;
    await mkdir(dataDir, { recursive: true });
    const unlock = await lockDataDir(join(dataDir, 'pgdata.lock'));
    try {
      return await PgliteDatabase.open(join(dataDir, 'pgdata'), unlock, pgliteOptions(options));
    } catch (error) {
      await unlock();
      throw error;
    }
  }
  if (url === 'memory:' || url === 'memory://')
    return PgliteDatabase.open(undefined, undefined, pgliteOptions(options));
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return PostgresDatabase.open(url, {
      ...(options.poolMax === undefined ? {} : { poolMax: options.poolMax }),
      ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
      ...(options.connectionTimeoutMs === undefined
        ? {}
        : { connectionTimeoutMs: options.connectionTimeoutMs }),
    });
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1] ?? '(none)';
  throw new DatabaseConfigError(
    `DATABASE_URL must start with postgres:// or postgresql://, or be memory: (got scheme ${scheme})`,
  );
}

function pgliteOptions(options: OpenDatabaseOptions): PgliteOptions {
  return options.pgliteWorker === undefined ? {} : { worker: options.pgliteWorker };
}

/**
 * A second Database over the same data for reads that may wait (the operator console's aggregates), so they
 * never hold what `primary` serves: on PostgreSQL a pool of its own of `poolMax` connections (default 2)
 * beside primary's, on PGlite (one connection) the same queue at low priority. Close it before primary.
 */
export async function openLowPriorityDatabase(
  primary: Database,
  options: OpenDatabaseOptions,
): Promise<Database> {
  if (primary instanceof PgliteDatabase) return primary.lowPriority();
  if (!options.url) throw new DatabaseConfigError('a PostgreSQL database needs its url for a second pool');
  return openDatabase({ ...options, poolMax: options.poolMax ?? 2 });
}
