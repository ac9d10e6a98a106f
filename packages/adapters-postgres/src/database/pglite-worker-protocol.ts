/** The messages between the gateway's thread and the embedded database's worker thread (pglite-worker.ts). */

export interface PgliteWorkerData {
  /** undefined: in memory. */
  readonly dataDir: string | undefined;
  readonly startParams: readonly string[];
}

/** One request, answered by one reply with its id. A transaction holds the main thread's queue throughout. */
export type PgliteWorkerRequest = { readonly id: number } & (
  | { readonly op: 'query'; readonly sql: string; readonly params: unknown[] }
  | { readonly op: 'exec'; readonly sql: string }
  | { readonly op: 'begin' | 'commit' | 'rollback' | 'close' }
);

/** id 0 answers the opening of the database. */
export interface PgliteWorkerReply {
  readonly id: number;
  readonly rows?: unknown[];
  readonly error?: SerializedError;
}

export interface SerializedError {
  /** PGlite's DatabaseError or TransactionAbortedError, or a built-in error's name. */
  readonly errorClass: string;
  readonly message: string;
  readonly stack?: string;
  /** The error's own enumerable fields: a DatabaseError's code (SQLSTATE), constraint, detail, ... */
  readonly fields: Record<string, unknown>;
}
