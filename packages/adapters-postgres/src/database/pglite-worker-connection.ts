import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { messages, TransactionAbortedError } from '@electric-sql/pglite';
import type { Queryable } from './database';
import type { PgliteConnection } from './pglite-connection';
import type {
  PgliteWorkerData,
  PgliteWorkerReply,
  PgliteWorkerRequest,
  SerializedError,
} from './pglite-worker-protocol';

/**
 * The worker thread's file beside this module: the bundle's dist/pglite-worker.js (scripts/build.mjs builds it
 * as an entry of its own) once built, src/database/pglite-worker.ts under vitest or tsx.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url);

function startWorker(data: PgliteWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData: data });
  // Node 20 runs no TypeScript, and a worker thread ignores the --import of tsx its process runs with: from
  // the sources (tests, development only) the thread loads its file through tsx's API, a root devDependency
  const require = createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(tsxPackage, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  const api = pathToFileURL(join(dirname(tsxPackage), exports['./esm/api'].import.default)).href;
  const entry = JSON.stringify(ENTRY.href);
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${entry}, ${entry}));`, {
    eval: true,
    workerData: data,
  });
}

/** The embedded database stopped answering (its thread failed or exited): every query from then on fails. */
export class PgliteWorkerStoppedError extends Error {
  readonly code = 'PGLITE_WORKER_STOPPED' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PgliteWorkerStoppedError';
  }
}

type Request = PgliteWorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * PGlite in a worker thread: the gateway's thread only sends statements and receives rows (structured clone:
 * Date, Uint8Array, bigint, plain objects and arrays arrive as PGlite made them). The caller (PgliteDatabase)
 * queues every use, so one request, or one transaction's requests, is in flight at a time.
 */
export class PgliteWorker implements PgliteConnection {
  private readonly pending = new Map<
    number,
    { resolve(reply: PgliteWorkerReply): void; reject(error: unknown): void }
  >();
  private nextId = 1;
  /** Set once the thread is gone (or closed): every request fails with it. */
  private stopped: Error | null = null;

  private constructor(readonly worker: Worker) {
    worker.on('message', (reply: PgliteWorkerReply) => this.settle(reply));
    // listened to, so a failing thread never becomes an uncaught error of the gateway's process
    worker.on('error', (error) =>
      this.stop(
        new PgliteWorkerStoppedError(`the embedded database's thread failed: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    worker.on('messageerror', (error) => {
      this.stop(
        new PgliteWorkerStoppedError(
          `the embedded database's thread sent an unreadable reply: ${error.message}`,
        ),
      );
      void worker.terminate();
    });
    worker.on('exit', (exitCode) =>
      this.stop(new PgliteWorkerStoppedError(`the embedded database's thread exited (code ${exitCode})`)),
    );
  }

  /** Starts the thread and opens PGlite in it; rejects with PGlite's own error when it cannot open. */
  static async open(data: PgliteWorkerData): Promise<PgliteWorker> {
    const worker = startWorker(data);
    const connection = new PgliteWorker(worker);
    try {
      await connection.await(0);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return connection;
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    checkParams(params);
    return (await this.request({ op: 'query', sql, params })).rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.request({ op: 'exec', sql });
  }

  /**
   * BEGIN, then `fn`'s statements, then COMMIT, or ROLLBACK when `fn` throws (its error is rethrown), all
   * through PGlite's own transaction() in the thread. As with PGlite's transaction object, using `tx` after
   * the transaction ended fails.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.request({ op: 'begin' });
    let closed = false;
    const ensureOpen = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const tx: Queryable = {
      query: async <R>(sql: string, params: unknown[] = []) => {
        ensureOpen();
        return this.query<R>(sql, params);
      },
      exec: async (sql: string) => {
        ensureOpen();
        await this.exec(sql);
      },
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      closed = true;
      await this.request({ op: 'rollback' });
      throw error;
    }
    closed = true;
    await this.request({ op: 'commit' });
    return result;
  }

  /** Closes PGlite in the thread, then ends the thread (also when it had already failed). */
  async close(): Promise<void> {
    try {
      if (this.stopped === null) await this.request({ op: 'close' });
    } finally {
      this.stop(new Error('PGlite is closed'));
      await this.worker.terminate();
    }
  }

  private request(request: Request): Promise<PgliteWorkerReply> {
    if (this.stopped !== null) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const reply = this.await(id);
    try {
      this.worker.postMessage({ ...request, id });
    } catch (error) {
      // a parameter that cannot be cloned (DataCloneError): this request fails, nothing was sent
      this.settle({ id, error: serializeLocal(error) });
    }
    return reply;
  }

  private await(id: number): Promise<PgliteWorkerReply> {
    return new Promise((resolve, reject) => {
      // the thread keeps the process alive only while a request waits, as an idle in-thread PGlite does not
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private settle(reply: PgliteWorkerReply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error === undefined) waiting.resolve(reply);
    else waiting.reject(deserializeError(reply.error));
  }

  private stop(error: Error): void {
    if (this.stopped !== null) return;
    this.stopped = error;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.worker.unref();
    for (const { reject } of waiting) reject(error);
  }
}

/** The classes a thread's error is rebuilt as, by the name the thread gave (pglite-worker.ts, errorClass). */
const ERROR_CLASSES: Record<string, { prototype: Error }> = {
  DatabaseError: messages.DatabaseError,
  TransactionAbortedError,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * The thread's error rebuilt as PGlite threw it: its class, message and stack, and its fields (code,
 * constraint, ...) as its own enumerable properties. Its constructor is not run: PGlite's DatabaseError
 * takes a length and a message name, and sets the fields copied over here anyway.
 */
function deserializeError(serialized: SerializedError): Error {
  const error = Object.create((ERROR_CLASSES[serialized.errorClass] ?? Error).prototype) as Error;
  Object.defineProperty(error, 'message', { value: serialized.message, writable: true, configurable: true });
  if (serialized.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: serialized.stack, writable: true, configurable: true });
  }
  return Object.assign(error, serialized.fields);
}

function serializeLocal(error: unknown): SerializedError {
  return error instanceof Error
    ? {
        errorClass: error.name,
        message: error.message,
        ...(error.stack ? { stack: error.stack } : {}),
        fields: {},
      }
    : { errorClass: 'Error', message: String(error), fields: {} };
}

/**
 * Structured clone keeps primitives, Date, typed arrays and plain objects and arrays, and turns any other
 * object into a plain one: its toString or toJSON, which PGlite would use to send it, is lost on the way.
 * Such a parameter fails loudly instead of being sent as something else.
 */
function checkParams(params: readonly unknown[]): void {
  for (const param of params) checkValue(param);
}

function checkValue(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (value instanceof Date || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) checkValue(item);
    return;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TypeError(
      `a query parameter of type ${value.constructor?.name ?? 'unknown'} cannot be sent to the embedded ` +
        "database's thread: pass a string, number, Date, Uint8Array or plain object",
    );
  }
  for (const item of Object.values(value)) checkValue(item);
}
