import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, loadMigrations, MigrationError, migrate, openDatabase } from '../src/index';
import { allHarnesses, type DriverHarness } from './support/drivers';

const execFileAsync = promisify(execFile);
const harnesses = await allHarnesses({ disk: false });

describe('loadMigrations', () => {
  it('reads the .sql files of src/migrations in version order', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThanOrEqual(1);
    expect(migrations[0]?.version).toBe('0001_initial');
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...versions].sort());
  });
});

for (const harness of harnesses) {
  describe(`migrate on ${harness.name}`, () => {
    const opened: Database[] = [];
    const open = async (h: DriverHarness = harness) => {
      const db = await h.open();
      opened.push(db);
      return db;
    };

    // One database for the sequential tests below (a memory harness opens a fresh one on every open()).
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });

    afterAll(async () => {
      for (const db of opened) await db.close().catch(() => {});
      await harness.destroy();
    });

    it('applies every migration once, records it, and is a no-op the second time', async () => {
      const all = (await loadMigrations()).map((m) => m.version);
      expect(await migrate(db)).toEqual(all);
      expect(await migrate(db)).toEqual([]);
      const rows = await db.query<{ version: string; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(all);
      for (const r of rows) expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      const tables = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        'api_keys',
        'apps',
        'audit_events',
        'consent_receipts',
        'consent_texts',
        'console_daily_counts',
        'console_daily_durations',
        'console_rolled_days',
        'event_outbox',
        'evidence_claims',
        'expiry_sweep_position',
        'outbox_positions',
        'people_seen',
        'rate_limit_counters',
        'schema_migrations',
        'verification_sessions',
        'webhook_attempts',
        'webhook_deliveries',
        'webhook_endpoints',
      ]);
    });

    it('applies a new migration after the existing ones, and rolls back all of a failing run', async () => {
      const base = await loadMigrations();
      const extra = {
        version: '9001_test_extra',
        sql: 'CREATE TABLE test_extra (x int); INSERT INTO test_extra VALUES (1);',
      };
      expect(await migrate(db, [...base, extra])).toEqual(['9001_test_extra']);
      expect(await db.query('SELECT x FROM test_extra')).toEqual([{ x: 1 }]);

      const good = { version: '9002_test_good', sql: 'CREATE TABLE test_good (x int);' };
      const bad = {
        version: '9003_test_bad',
        sql: 'CREATE TABLE test_bad (x int); SELECT no_such_column FROM test_bad;',
      };
      await expect(migrate(db, [...base, extra, good, bad])).rejects.toThrow();
      const versions = (await db.query<{ version: string }>('SELECT version FROM schema_migrations')).map(
        (r) => r.version,
      );
      expect(versions).not.toContain('9002_test_good');
      const leftovers = await db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('test_good', 'test_bad')",
      );
      expect(leftovers).toEqual([]);
    });

    it('refuses to run when an applied migration file was changed', async () => {
      const base = await loadMigrations();
      const changed = base.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
      await expect(migrate(db, changed)).rejects.toThrow(MigrationError);
      await expect(migrate(db, changed)).rejects.toThrow(/0001_initial was changed/);
    });

    if (harness.kind === 'postgres') {
      it('is safe when several connections migrate a fresh database at the same moment', async () => {
        const { createTestPostgresDatabase, TEST_POSTGRES_ADMIN_URL } = await import('../src/testing');
        const fresh = await createTestPostgresDatabase(TEST_POSTGRES_ADMIN_URL);
        const dbs = await Promise.all(
          Array.from({ length: 6 }, () => openDatabase({ url: fresh.url, poolMax: 2 })),
        );
        try {
          const results = await Promise.all(dbs.map((db) => migrate(db)));
          const all = (await loadMigrations()).map((m) => m.version);
          // Exactly one connection applied everything; the others waited for the lock and found it done.
          expect(results.filter((r) => r.length > 0)).toEqual([all]);
          expect(results.filter((r) => r.length === 0)).toHaveLength(5);
          const rows = await dbs[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
          expect(rows[0]?.n).toBe(all.length);
        } finally {
          for (const db of dbs) await db.close();
          await fresh.drop();
        }
      });

      it('is safe when two processes start together on a fresh database', async () => {
        const { createTestPostgresDatabase, TEST_POSTGRES_ADMIN_URL } = await import('../src/testing');
        const fresh = await createTestPostgresDatabase(TEST_POSTGRES_ADMIN_URL);
        try {
          const script = fileURLToPath(new URL('./support/migrate-process.ts', import.meta.url));
          const run = () =>
            execFileAsync(process.execPath, ['--conditions=source', '--import', 'tsx', script, fresh.url], {
              timeout: 60_000,
            });
          const outputs = await Promise.all([run(), run()]);
          const applied = outputs.map((o) => JSON.parse(o.stdout) as string[]);
          const all = (await loadMigrations()).map((m) => m.version);
          expect(applied.filter((a) => a.length > 0)).toEqual([all]);
          expect(applied.filter((a) => a.length === 0)).toHaveLength(1);
        } finally {
          await fresh.drop();
        }
      });
    } else {
      it('is safe when several callers migrate one embedded database at the same moment', async () => {
        // Back to an empty database (cheaper than starting another PGlite), then four migrations at once.
        await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
        const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db)));
        const all = (await loadMigrations()).map((m) => m.version);
        expect(results.filter((r) => r.length > 0)).toEqual([all]);
        const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        expect(rows[0]?.n).toBe(all.length);
      });
    }
  });
}
