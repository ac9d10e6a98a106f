import { mkdir } from 'node:fs/promises';
import { migrate, openDatabase } from '@facegate/adapters-postgres';
import { describeDatabase, loadConfig } from '../config/load-config';
import { out } from './output';

/**
 * Applies pending migrations (the server also does this at start-up; this is for deploy pipelines) and says
 * which it applied: "up to date" only when there was none.
 */
export async function migrateCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  // as the container opens it (composition/container.ts), without anything a migration does not need
  if (config.databaseUrl === null) await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase({
    url: config.databaseUrl ?? undefined,
    dataDir: config.dataDir,
    poolMax: 1,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    connectionTimeoutMs: config.databaseConnectTimeoutMs,
    pgliteWorker: config.pgliteWorker,
  });
  let applied: string[];
  try {
    applied = await migrate(db);
  } finally {
    await db.close();
  }
  out(`Database: ${describeDatabase(config)}`);
  if (applied.length === 0) {
    out('Database is up to date: no migration to apply.');
  } else {
    out(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:`);
    for (const version of applied) out(`  ${version}`);
  }
  return 0;
}
