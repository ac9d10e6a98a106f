import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteDatabase } from '../src/database/pglite-database';
import { type PgliteWorker, PgliteWorkerStoppedError } from '../src/database/pglite-worker-connection';
import { type Database, openDatabase } from '../src/index';

/** The worker thread behind a PgliteDatabase, to break it the way a bug in the thread would. */
function threadOf(db: Database): PgliteWorker {
  return (db as unknown as { connection: PgliteWorker }).connection;
}

/** A value with the type of everything in it spelled out: toEqual alone says a Uint8Array equals a Buffer. */
function described(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return [typeof value, value];
  if (value instanceof Date) return ['Date', value.getTime()];
  if (ArrayBuffer.isView(value)) return [value.constructor.name, [...new Uint8Array(value.buffer)]];
  const prototype = Object.getPrototypeOf(value);
  const kind = Array.isArray(value) ? 'Array' : prototype === null ? 'null' : prototype.constructor.name;
  return [kind, Object.entries(value).map(([k, v]) => [k, described(v)])];
}

/** What a caller can read from an error: its class, message and every field, not its stack. */
async function failure(attempt: Promise<unknown>): Promise<unknown> {
  const error = await attempt.then(
    () => expect.unreachable('should have failed'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const e = error as Error;
  return [e.constructor === Error ? 'Error' : e.constructor.name, e.message, described({ ...e })];
}

const STATEMENTS: readonly (readonly [string, unknown[]])[] = [
  [
    `SELECT now() AS ts, '2024-02-29T12:34:56.789+08'::timestamptz AS tstz, '2024-02-29'::date AS d,
            '\\x00ff10'::bytea AS bytes, '{"a":[1,"x",null,{"b":true}]}'::jsonb AS doc, 9007199254740993::int8 AS big,
            42::int8 AS small_big, 7::int4 AS i, 1.25::numeric AS n, 2.5::float8 AS f, NULL::text AS nothing,
            true AS yes, ARRAY[1,2,3]::int[] AS ints, ARRAY['a',NULL]::text[] AS texts, 'héllo 身份' AS text,
            count(*) AS counted, '00000000-0000-0000-0000-000000000001'::uuid AS id`,
    [],
  ],
  [
    `SELECT $1::text AS t, $2::int AS i, $3::int8 AS big, $4::timestamptz AS at, $5::jsonb AS doc,
            $6::jsonb AS doc_text, $7::bytea AS bytes, $8::boolean AS b, $9::text AS nothing, $10::text[] AS list`,
    [
      'x',
      3,
      12345678901234n,
      new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
      { nested: { list: [1, 2], s: 'é' } },
      '{"a":1}',
      new Uint8Array([0, 1, 254, 255]),
      false,
      null,
      ['p', 'q'],
    ],
  ],
  ['SELECT generate_series(1, 3) AS n, $1::text AS same', ['s']],
  ['SELECT 1 WHERE false', []],
];

describe('PGlite in a worker thread', () => {
  let inThread: Database;
  let worker: Database;
  beforeAll(async () => {
    [inThread, worker] = await Promise.all([
      openDatabase({ url: 'memory:', pgliteWorker: false }),
      openDatabase({ url: 'memory:', pgliteWorker: true }),
    ]);
    for (const db of [inThread, worker]) {
      await db.exec(`CREATE TABLE things (id int PRIMARY KEY, slug text UNIQUE, at timestamptz);
        CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'refused %', NEW.id USING ERRCODE = 'FGABT'; END $$;
        CREATE TABLE refused (id int);
        CREATE TRIGGER refuse BEFORE INSERT ON refused FOR EACH ROW EXECUTE FUNCTION refuse();`);
    }
  });
  afterAll(async () => {
    await Promise.all([inThread?.close(), worker?.close()]);
  });

  it('is chosen by pgliteWorker: true; the default stays in the calling thread', async () => {
    expect(threadOf(worker).worker).toBeDefined();
    expect((inThread as unknown as { connection: object }).connection).not.toHaveProperty('worker');
    const byDefault = await openDatabase({ url: 'memory:' });
    expect((byDefault as unknown as { connection: object }).connection).not.toHaveProperty('worker');
    await byDefault.close();
  });

  it('returns rows with the types the in-thread driver returns', async () => {
    for (const [sql, params] of STATEMENTS) {
      const [a, b] = await Promise.all([inThread.query(sql, params), worker.query(sql, params)]);
      // now() differs between the two databases: compare its type only
      const fixed = (rows: unknown[]) =>
        rows.map((row) => ({ ...(row as object), ...('ts' in (row as object) ? { ts: 'now' } : {}) }));
      expect(described(fixed(b))).toEqual(described(fixed(a)));
    }
    const [row] = await worker.query<{ ts: unknown; bytes: unknown; big: unknown }>(STATEMENTS[0]![0]);
    expect(row!.ts).toBeInstanceOf(Date);
    expect(row!.bytes).toBeInstanceOf(Uint8Array);
    expect(typeof row!.big).toBe('bigint');
  });

  it('passes a failed statement on with the same code, fields and message', async () => {
    for (const db of [inThread, worker]) {
      await db.query('INSERT INTO things (id, slug) VALUES (1, $1)', ['one']);
    }
    const cases: [string, unknown[]][] = [
      ['INSERT INTO things (id, slug) VALUES (2, $1)', ['one']], // 23505, constraint things_slug_key
      ['INSERT INTO things (id) VALUES (1)', []], // 23505, things_pkey
      ['INSERT INTO refused VALUES (7)', []], // FGABT, raised by a trigger
      ['SELECT 1/0', []], // 22012
      ['SELECT * FROM missing', []], // 42P01
      ['SELECT $1::int', ['not a number']], // 22P02
    ];
    for (const [sql, params] of cases) {
      const [a, b] = await Promise.all([
        failure(inThread.query(sql, params)),
        failure(worker.query(sql, params)),
      ]);
      expect(b).toEqual(a);
    }
    const error = (await worker.query('INSERT INTO things (id) VALUES (1)').catch((e) => e)) as {
      code: string;
      constraint: string;
    };
    expect([error.code, error.constraint]).toEqual(['23505', 'things_pkey']);
    expect(await failure(worker.exec('SELEC 1'))).toEqual(await failure(inThread.exec('SELEC 1')));
  });

  it('rolls a transaction back when its function throws, and rethrows that very error', async () => {
    for (const db of [inThread, worker]) {
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO things (id, slug) VALUES (10, $1)', ['ten']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db.query('SELECT id FROM things WHERE id = 10')).toEqual([]);
      // the connection is usable, and not left inside a transaction
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id, slug) VALUES (11, $1)', ['eleven']);
      });
      expect(await db.query('SELECT id FROM things WHERE id = 11')).toEqual([{ id: 11 }]);
    }
  });

  it('fails a transaction whose failed statement was caught, as PGlite does (25P02 at COMMIT)', async () => {
    const attempt = (db: Database) =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO things (id, slug) VALUES (20, $1)', ['twenty']);
        const caught = await tx
          .query('INSERT INTO things (id) VALUES (1)')
          .catch((e: { code: string }) => e.code);
        expect(caught).toBe('23505');
        return 'done';
      });
    const [a, b] = await Promise.all([failure(attempt(inThread)), failure(attempt(worker))]);
    expect(b).toEqual(a);
    expect((a as [string, string])[1]).toMatch(/rolled back instead of committed/);
    expect(await worker.query('SELECT id FROM things WHERE id = 20')).toEqual([]);
  });

  it('refuses a transaction object used after its transaction ended, as PGlite does', async () => {
    for (const db of [inThread, worker]) {
      let kept: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
      await db.transaction(async (tx) => {
        kept = tx;
      });
      await expect(kept!.query('SELECT 1')).rejects.toThrow('Transaction is closed');
    }
  });

  it('keeps the statements of concurrent transactions apart', async () => {
    await worker.query('CREATE TABLE counter (n int)');
    await worker.query('INSERT INTO counter VALUES (0)');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        worker.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>('SELECT n FROM counter');
          await new Promise((resolve) => setImmediate(resolve));
          await tx.query('UPDATE counter SET n = $1', [row!.n + 1]);
        }),
      ),
    );
    expect(await worker.query('SELECT n FROM counter')).toEqual([{ n: 20 }]);
  });

  it('refuses a parameter that structured clone would turn into something else', async () => {
    class Slug {
      toString() {
        return 'slug';
      }
    }
    expect(await inThread.query('SELECT $1::text AS s', [new Slug()])).toEqual([{ s: 'slug' }]);
    await expect(worker.query('SELECT $1::text AS s', [new Slug()])).rejects.toThrow(
      /parameter of type Slug cannot be sent/,
    );
    expect(await worker.query('SELECT 1 AS still')).toEqual([{ still: 1 }]);
  });
});

describe("the worker thread's failure and closing", () => {
  it('rejects pending and later queries with a clear error when the thread fails, and still closes', async () => {
    let closed = 0;
    const db = await PgliteDatabase.open(
      undefined,
      async () => {
        closed++;
      },
      { worker: true },
    );
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    // a message the thread cannot read throws in its handler, an uncaught exception as a bug there would be
    threadOf(db).worker.postMessage(null);
    const pending = db.query('SELECT 2');
    await expect(pending).rejects.toThrow(PgliteWorkerStoppedError);
    await expect(pending).rejects.toThrow(/embedded database's thread failed/);
    await expect(db.query('SELECT 3')).rejects.toThrow(PgliteWorkerStoppedError);
    await expect(db.transaction(async () => 1)).rejects.toThrow(PgliteWorkerStoppedError);
    await expect(db.ping()).rejects.toMatchObject({ code: 'PGLITE_WORKER_STOPPED' });
    await db.close();
    expect(closed).toBe(1);
  });

  it('rejects the queries of a thread that exits', async () => {
    const db = await PgliteDatabase.open(undefined, undefined, { worker: true });
    const stopped = threadOf(db).worker.terminate();
    await expect(db.query('SELECT 1')).rejects.toThrow(/thread exited/);
    await stopped;
    await db.close();
  });

  it('closes PGlite, then ends the thread, then releases the data folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facegate-pglite-worker-'));
    try {
      const db = await openDatabase({ dataDir: dir, pgliteWorker: true });
      const thread = threadOf(db).worker;
      const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
      await db.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (5);');
      await Promise.all([db.close(), db.close()]);
      expect(await exited).toBeTypeOf('number');
      expect(thread.threadId).toBe(-1);
      await expect(stat(join(dir, 'pgdata.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(db.query('SELECT 1')).rejects.toThrow('PGlite is closed');
      const reopened = await openDatabase({ dataDir: dir, pgliteWorker: true });
      expect(await reopened.query('SELECT x FROM kept')).toEqual([{ x: 5 }]);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an error PGlite raises while opening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'facegate-pglite-worker-'));
    try {
      // a data folder whose PG_VERSION is there (no initdb) but nothing else is: PGlite cannot start on it
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'PG_VERSION'), '17\n');
      await expect(PgliteDatabase.open(dir, undefined, { worker: true })).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
