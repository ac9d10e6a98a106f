import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type Database, migrate, openDatabase } from '../../src/index';
import { createTestPostgresDatabase, postgresForTests } from '../../src/testing';

/** One way of getting a database; `open` may be called again after closing to reopen the same data. */
export interface DriverHarness {
  readonly name: string;
  readonly kind: 'pglite' | 'postgres';
  /** Data survives close + open (on-disk PGlite, PostgreSQL). */
  readonly durable: boolean;
  open(): Promise<Database>;
  /** A second, independent connection to the same data (PostgreSQL only). */
  openSecond?(): Promise<Database>;
  /** Removes the data (temp dir / test database). */
  destroy(): Promise<void>;
}

/**
 * In-memory PGlite in a worker thread (PGLITE_WORKER=true): the contract suites (onEveryDriver) run on it,
 * while the on-disk harness runs the default driver, in the calling thread.
 */
export function pgliteMemoryHarness(): DriverHarness {
  return {
    name: 'pglite (memory, worker thread)',
    kind: 'pglite',
    durable: false,
    open: () => openDatabase({ url: 'memory:', pgliteWorker: true }),
    destroy: async () => {},
  };
}

export function pgliteDiskHarness(): DriverHarness {
  let dir: string | undefined;
  return {
    name: 'pglite (on disk)',
    kind: 'pglite',
    durable: true,
    open: async () => {
      dir ??= await mkdtemp(join(tmpdir(), 'facegate-pglite-'));
      return openDatabase({ dataDir: dir });
    },
    destroy: async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

export function postgresHarness(
  adminUrl: string,
  options: { readonly statementTimeoutMs?: number } = {},
): DriverHarness {
  let created: Promise<{ url: string; drop(): Promise<void> }> | undefined;
  const database = () => {
    created ??= createTestPostgresDatabase(adminUrl);
    return created;
  };
  return {
    name: 'postgresql',
    kind: 'postgres',
    durable: true,
    open: async () => openDatabase({ url: (await database()).url, ...options }),
    openSecond: async () => openDatabase({ url: (await database()).url, ...options }),
    destroy: async () => {
      if (created !== undefined) await (await created).drop();
    },
  };
}

/**
 * The drivers every repository test runs on. PostgreSQL is required unless FACEGATE_SKIP_POSTGRES=1 (then it is
 * left out with a loud warning); an unreachable server otherwise fails the file.
 */
export async function allHarnesses(options: { disk?: boolean } = {}): Promise<DriverHarness[]> {
  const postgres = await postgresForTests();
  return [
    pgliteMemoryHarness(),
    ...(options.disk === false ? [] : [pgliteDiskHarness()]),
    ...(postgres.run ? [postgresHarness(postgres.adminUrl)] : []),
  ];
}

export async function openMigrated(harness: DriverHarness): Promise<Database> {
  const db = await harness.open();
  await migrate(db);
  return db;
}

/**
 * For a contract suite run on every driver: one migrated database per driver, opened on first use and
 * emptied of `tables` before each use (far cheaper than a new one per test), closed with its harness after
 * the file. `run` registers the suite for one driver.
 */
export async function onEveryDriver(
  tables: readonly string[],
  run: (name: string, emptied: () => Promise<Database>) => void,
): Promise<void> {
  for (const harness of await allHarnesses({ disk: false })) {
    let opened: Promise<Database> | undefined;
    run(harness.name, async () => {
      opened ??= openMigrated(harness);
      const db = await opened;
      // consent_texts refuses DELETE (a row trigger: published texts never change); TRUNCATE is not a row event
      await db.exec(
        tables.map((t) => (t === 'consent_texts' ? `TRUNCATE ${t} CASCADE;` : `DELETE FROM ${t};`)).join(' '),
      );
      return db;
    });
    afterAll(async () => {
      if (opened !== undefined) await (await opened).close();
      await harness.destroy();
    });
  }
}
