/*
 * The worker thread that owns the embedded database (PgliteWorker, pglite-worker-connection.ts, is the other
 * end): PGlite's WebAssembly runs here, off the gateway's event loop. It answers one message per request, in
 * the order PGlite runs them; the main thread's queue decides that order, so this side keeps no queue of its
 * own. Only PGlite and Node's built-ins are imported: the file runs as is from the build's dist folder.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { messages, PGlite, type Transaction, TransactionAbortedError } from '@electric-sql/pglite';
import type {
  PgliteWorkerData,
  PgliteWorkerReply,
  PgliteWorkerRequest,
  SerializedError,
} from './pglite-worker-protocol';

const port = parentPort;
if (port === null) throw new Error('pglite-worker runs as a worker thread only');
const { dataDir, startParams } = workerData as PgliteWorkerData;

/** Thrown into PGlite's transaction() to have it roll back; the caller's own error stays in the main thread. */
const ROLLBACK = Symbol('rollback');

/** The transaction the main thread has open (PGlite is one connection: at most one). */
let open: {
  readonly tx: Transaction;
  /** Ends the callback given to PGlite's transaction(): true commits, false rolls back. */
  readonly end: (commit: boolean) => void;
  /** PGlite's transaction(): settles after COMMIT or ROLLBACK. */
  readonly done: Promise<void>;
} | null = null;

let pg: PGlite;
try {
  const options = { startParams: [...startParams] };
  pg = dataDir === undefined ? await PGlite.create(options) : await PGlite.create(dataDir, options);
  port.postMessage({ id: 0 } satisfies PgliteWorkerReply);
} catch (error) {
  port.postMessage({ id: 0, error: serializeError(error) } satisfies PgliteWorkerReply);
}

port.on('message', (request: PgliteWorkerRequest) => {
  // a message without an id is a bug on the other side: thrown here it stops the thread, which the main
  // thread reports to every caller (a reply with no id would leave one waiting forever)
  const { id } = request;
  handle(request).then(
    (reply) => {
      try {
        port.postMessage({ id, ...reply } satisfies PgliteWorkerReply);
      } catch (error) {
        // a value that cannot cross to the main thread (DataCloneError): this request fails, not the thread
        port.postMessage({ id, error: serializeError(error) } satisfies PgliteWorkerReply);
      }
    },
    (error: unknown) => port.postMessage({ id, error: serializeError(error) } satisfies PgliteWorkerReply),
  );
});

async function handle(request: PgliteWorkerRequest): Promise<{ rows?: unknown[] }> {
  switch (request.op) {
    case 'query':
      return { rows: (await (open?.tx ?? pg).query(request.sql, request.params)).rows };
    case 'exec':
      await (open?.tx ?? pg).exec(request.sql);
      return {};
    case 'begin':
      await begin();
      return {};
    case 'commit':
    case 'rollback':
      await end(request.op === 'commit');
      return {};
    case 'close':
      await pg.close();
      return {};
  }
}

/**
 * Opens a transaction through PGlite's own transaction(), held open until `end`: COMMIT, ROLLBACK on failure,
 * "Transaction was rolled back instead of committed" (25P02) for a COMMIT of a failed transaction, and
 * PGlite's bookkeeping between them stay exactly what they are in the gateway's thread.
 */
async function begin(): Promise<void> {
  if (open !== null) throw new Error('a transaction is already open on the embedded database');
  let started!: (tx: Transaction) => void;
  const tx = new Promise<Transaction>((resolve) => {
    started = resolve;
  });
  let end!: (commit: boolean) => void;
  const ended = new Promise<boolean>((resolve) => {
    end = resolve;
  });
  const done = pg.transaction(async (t) => {
    started(t);
    if (!(await ended)) throw ROLLBACK;
  });
  // BEGIN itself failed: `done` rejects before the callback runs
  open = { tx: await Promise.race([tx, done.then(() => tx)]), end, done };
}

async function end(commit: boolean): Promise<void> {
  const current = open;
  if (current === null) throw new Error('no transaction is open on the embedded database');
  open = null;
  current.end(commit);
  try {
    await current.done;
  } catch (error) {
    // a failed ROLLBACK surfaces its own error, as PGlite's transaction() does
    if (error !== ROLLBACK) throw error;
  }
}

/**
 * An error as plain data: structured clone keeps an Error's message and stack but none of the fields PGlite's
 * DatabaseError carries (code, constraint, detail, ...), which callers read.
 */
function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { errorClass: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    try {
      fields[key] = structuredClone(value);
    } catch {
      // a field that cannot cross (a function in queryOptions): left out
    }
  }
  return {
    errorClass: errorClass(error),
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    fields,
  };
}

function errorClass(error: Error): string {
  if (error instanceof TransactionAbortedError) return 'TransactionAbortedError';
  if (error instanceof messages.DatabaseError) return 'DatabaseError';
  return error.name;
}
