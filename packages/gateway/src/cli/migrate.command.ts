import { buildContainer, disposeContainer } from '../composition/container';
import { describeDatabase, loadConfig } from '../config/load-config';
import { createLogger } from '../infrastructure/observability/logger';
import { out } from './output';

/** Applies pending migrations (the server also does this at start-up; this is for deploy pipelines). */
export async function migrateCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  // building the container opens the database and migrates it
  const container = await buildContainer(config, {
    databaseOnly: true,
    logger: createLogger({ level: 'warn' }),
  });
  await disposeContainer(container);
  out(`Database: ${describeDatabase(config)}`);
  out('Database is up to date.');
  return 0;
}
