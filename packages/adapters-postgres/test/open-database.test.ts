import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, DatabaseConfigError, openDatabase } from '../src/index';
import { allHarnesses } from './support/drivers';

const harnesses = await allHarnesses({ disk: false });

describe('openDatabase settings', () => {
  it('refuses an unknown URL scheme without echoing credentials', async () => {
    const attempt = openDatabase({ url: 'mysql://admin:hunter2@db.example/facegate' });
    await expect(attempt).rejects.toThrow(DatabaseConfigError);
    await expect(attempt).rejects.toThrow(/postgres:\/\/.*memory:.*got scheme mysql/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });

  it('needs a data folder for the embedded database when no URL is given', async () => {
    await expect(openDatabase({})).rejects.toThrow(DatabaseConfigError);
    await expect(openDatabase({ url: '  ', dataDir: '' })).rejects.toThrow(/DATA_DIR/);
  });
});

describe('embedded database folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'facegate-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is opened by one database at a time, and freed on close', async () => {
    const first = await openDatabase({ dataDir: dir });
    try {
      expect(first.kind).toBe('pglite');
      const second = openDatabase({ dataDir: dir });
      await expect(second).rejects.toThrow(DatabaseConfigError);
      await expect(second).rejects.toThrow(`in use by process ${process.pid}`);
      // typed, with the owner, so the CLI can reach the running gateway instead
      await expect(second).rejects.toMatchObject({
        name: 'DataDirInUseError',
        ownerPid: process.pid,
        dataDir: dir,
      });
      await first.query('CREATE TABLE kept (x int)');
      await first.query('INSERT INTO kept VALUES (7)');
    } finally {
      await first.close();
    }
    // A lock left by a process that no longer exists is stale and taken over.
    await writeFile(join(dir, 'pgdata.lock'), '2147483646');
    const reopened = await openDatabase({ dataDir: dir });
    try {
      expect(await reopened.query('SELECT x FROM kept')).toEqual([{ x: 7 }]);
    } finally {
      await reopened.close();
    }
  });
});

for (const harness of harnesses) {
  describe(`Database on ${harness.name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await harness.open();
      await db.exec(
        'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0);',
      );
    });
    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    it('runs the same statement text many times with different parameters and answers each rightly', async () => {
      // PostgreSQL prepares a statement once per connection under a name derived from its text
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => db.query<{ v: number }>('SELECT $1::int * 2 AS v', [i])),
      );
      expect(answers.map((rows) => rows[0]?.v)).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
      const texts = await Promise.all(
        ['a', 'b'].map((x) => db.query<{ v: string }>(`SELECT $1::text || '${x}' AS v`, ['x'])),
      );
      expect(texts.map((rows) => rows[0]?.v)).toEqual(['xa', 'xb']);
    });

    it('answers ping and reports its kind', async () => {
      await expect(db.ping()).resolves.toBeUndefined();
      expect(db.kind).toBe(harness.kind);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      await db.transaction(async (tx) => {
        await tx.query('UPDATE counter SET n = 100 WHERE id = 1');
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.query('UPDATE counter SET n = 999 WHERE id = 1');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await db.query('SELECT n FROM counter WHERE id = 1')).toEqual([{ n: 100 }]);
    });

    it('loses no update when many transactions read-modify-write one row at once', async () => {
      await db.query('UPDATE counter SET n = 0 WHERE id = 1');
      const log: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.transaction(async (tx) => {
            log.push(`start ${i}`);
            const [row] = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1 FOR UPDATE');
            await new Promise((r) => setTimeout(r, 5));
            await tx.query('UPDATE counter SET n = $1 WHERE id = 1', [row!.n + 1]);
            log.push(`end ${i}`);
          }),
        ),
      );
      expect(await db.query('SELECT n FROM counter WHERE id = 1')).toEqual([{ n: 8 }]);
      if (harness.kind === 'pglite') {
        // One connection: each transaction ran whole before the next began, never interleaved.
        for (let k = 0; k < log.length; k += 2) {
          expect(log[k]?.replace('start', 'end')).toBe(log[k + 1]);
        }
      }
    });

    it('keeps plain queries out of a running transaction', async () => {
      await db.query('UPDATE counter SET n = 0 WHERE id = 1');
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let written!: () => void;
      const updated = new Promise<void>((r) => {
        written = r;
      });
      const tx = db.transaction(async (t) => {
        await t.query('UPDATE counter SET n = 1 WHERE id = 1');
        written();
        await gate;
        throw new Error('roll back');
      });
      // its outcome is taken at once: on one connection it settles before the read below is answered
      const outcome = tx.then(
        () => 'committed',
        (error: Error) => error.message,
      );
      // Asked while the transaction is open and its write uncommitted, a plain read must not see that write.
      await updated;
      const read = db.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
      if (harness.kind === 'postgres') {
        // another pooled connection: it answers while the transaction is still open
        expect(await read).toEqual([{ n: 0 }]);
        release();
      } else {
        // one connection: the read waits for the transaction's end (the read was queued before the rollback)
        release();
        expect(await read).toEqual([{ n: 0 }]);
      }
      expect(await outcome).toBe('roll back');
    });

    // the last test of this block: it closes the database the others share
    it('closes once: a second close waits for the first, and nothing runs after it', async () => {
      const [first, second] = [db.close(), db.close()];
      await expect(first).resolves.toBeUndefined();
      await expect(second).resolves.toBeUndefined();
      await expect(db.close()).resolves.toBeUndefined();
      await expect(db.ping()).rejects.toThrow();
    });
  });
}

describe('statementName', () => {
  it('is stable for one text and differs between texts', async () => {
    const { statementName } = await import('../src/database/postgres-database');
    expect(statementName('SELECT 1')).toBe(statementName('SELECT 1'));
    expect(statementName('SELECT 1')).not.toBe(statementName('SELECT 2'));
    expect(statementName('SELECT 1')).toMatch(/^fg_[0-9a-f]{32}$/);
  });
});
