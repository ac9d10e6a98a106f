import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './database/database';

export interface Migration {
  /** e.g. '0001_initial' */
  readonly version: string;
  readonly sql: string;
}

export class MigrationError extends Error {
  readonly code = 'MIGRATION' as const;
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const MIGRATION_FILE = /^(\d{4}_[a-z0-9_]+)\.sql$/;
/** Arbitrary constant naming FaceGate's migration lock among other advisory locks on a shared server. */
const MIGRATION_LOCK_KEY = '7244916022300451001';

/** The .sql files of src/migrations, in version order. */
export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => MIGRATION_FILE.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: file.replace(/\.sql$/, ''),
      sql: await readFile(new URL(file, MIGRATIONS_DIR), 'utf8'),
    })),
  );
}

/**
 * Applies the migrations not yet applied, in order, in one transaction. A transaction-scoped advisory lock
 * makes processes that start together take turns: the second waits, then finds everything applied. A
 * migration whose file changed after it was applied is an error, never silently skipped or re-run.
 */
export async function migrate(db: Database, migrations?: readonly Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  return db.transaction(async (tx) => {
    // the pool's statement timeout is for requests; a migration (or waiting for another's lock) may be longer
    await tx.exec('SET LOCAL statement_timeout = 0');
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [r.version, r.checksum]));
    const newlyApplied: string[] = [];
    for (const migration of [...all].sort((a, b) => a.version.localeCompare(b.version))) {
      const checksum = createHash('sha256').update(migration.sql).digest('hex');
      const known = applied.get(migration.version);
      if (known !== undefined) {
        if (known !== checksum) {
          throw new MigrationError(`migration ${migration.version} was changed after it was applied`);
        }
        continue;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
        migration.version,
        checksum,
      ]);
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}
