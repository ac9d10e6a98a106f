import type { DatabaseHealth } from '@facegate/domain';

export type DatabaseKind = 'pglite' | 'postgres';

/** What a transaction (or the database itself) can run. Parameters are positional ($1, $2, ...). */
export interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements in one string, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * One SQL dialect over two drivers: embedded PGlite and PostgreSQL through node-postgres. Everything above this
 * interface is driver-agnostic.
 */
export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** One round trip: resolves when the database answers, rejects when it cannot. */
  ping(): Promise<void>;
  /** Closes the database once; a second call waits for the first. */
  close(): Promise<void>;
}

/** What both drivers share: a ping is one trivial statement, and closing happens once however often asked. */
export abstract class DatabaseDriver implements Database {
  abstract readonly kind: DatabaseKind;
  private closing: Promise<void> | null = null;

  abstract query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  abstract exec(sql: string): Promise<void>;
  abstract transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Releases the driver's connections (called once, by close()). */
  protected abstract release(): Promise<void>;

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }
}

/** A setting that makes the database impossible to open. The message never contains credentials. */
export class DatabaseConfigError extends Error {
  readonly code = 'DATABASE_CONFIG' as const;
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseConfigError';
  }
}

/**
 * The embedded database folder is held by another live process (a running gateway). Callers that can reach
 * that process another way (the gateway's admin endpoint) catch this one.
 */
export class DataDirInUseError extends DatabaseConfigError {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${ownerPid}; ` +
        'stop it, or set DATABASE_URL=postgres://... so several processes can share one database',
    );
    this.name = 'DataDirInUseError';
  }
}

/** SQLSTATE classes and codes that mean "the database cannot serve this now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08...|57014|57P0[1-3]|53300|53400)$/;
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|connection terminated|connection timeout|query read timeout/i;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * True for a statement cancelled by statement_timeout (a lock held too long, a stuck server), a pool or
 * connect timeout, or a lost connection: callers answer "unavailable, try again" instead of a fault.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code)))
    return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}

/** The domain's DatabaseHealth on both drivers' errors (isDatabaseUnavailable). */
export class SqlDatabaseHealth implements DatabaseHealth {
  isUnavailable(error: unknown): boolean {
    return isDatabaseUnavailable(error);
  }
}
