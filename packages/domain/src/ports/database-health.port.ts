/**
 * Tells a database that cannot serve now (a statement or pool timeout, a lost or refused connection, a
 * server shutting down) from a fault in the request or the code: callers answer the first with "unavailable,
 * try again shortly" and a warning for operators; anything else is a bug, logged and masked. The storage
 * adapter implements it, since only it knows its driver's error codes.
 */
export interface DatabaseHealth {
  /** True when `error`, thrown by a store, means the database cannot serve now rather than a fault. */
  isUnavailable(error: unknown): boolean;
}
