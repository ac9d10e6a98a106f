import type { Queryable } from './database';

/**
 * What PgliteDatabase's queue drives: one PGlite connection, in the gateway's thread (PGlite itself) or in a
 * worker thread (PgliteWorker). Rows come back as PGlite returns them; neither adds spans.
 */
export interface PgliteConnection extends Queryable {
  /** Committed when `fn` resolves, rolled back when it throws (its error rethrown): PGlite's transaction(). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
