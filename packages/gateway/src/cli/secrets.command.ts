import type { KeyedRowKind } from '@facegate/domain';
import { describeRows, type RotationReport } from '../application/rotation/secret-rotation.service';
import { buildContainer, disposeContainer } from '../composition/container';
import { resolve, TOKENS } from '../composition/tokens';
import { describeDatabase, loadConfig } from '../config/load-config';
import { createLogger } from '../infrastructure/observability/logger';
import { out, UsageError } from './output';

const USAGE = 'usage: facegate secrets rotate [--batch-size N]   (N rows a statement, default 500)';

/**
 * `facegate secrets rotate`: re-seals stored values under FACEGATE_SECRET and reports, per kind and key id,
 * what still depends on each FACEGATE_SECRET_FALLBACKS entry. Exit code 0 once nothing does, 1 otherwise
 * (run it again later: it resumes where it stopped and only ever looks at what is not yet re-keyed).
 */
export async function secretsCommand(
  args: { positionals: string[]; batchSize?: string },
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [sub] = args.positionals;
  if (sub !== 'rotate') throw new UsageError(USAGE);
  const batchSize = args.batchSize === undefined ? 500 : Number(args.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new UsageError(`--batch-size must be a whole number 1-10000 (${USAGE})`);
  }
  const config = loadConfig(env);
  const container = await buildContainer(config, {
    databaseOnly: true,
    logger: createLogger({ level: 'warn' }),
  });
  try {
    out(`Database: ${describeDatabase(config)}`);
    const resealed: Partial<Record<KeyedRowKind, number>> = {};
    const report = await resolve(container, TOKENS.SecretRotation).rotate({
      batchSize,
      onBatch: (kind, count) => {
        resealed[kind] = (resealed[kind] ?? 0) + count;
      },
    });
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    out(
      `Re-sealed under FACEGATE_SECRET: ${count(resealed['session-binding'] ?? 0, 'open session binding', 'open session bindings')}, ${count(resealed['webhook-secret'] ?? 0, 'webhook endpoint', 'webhook endpoints')}.`,
    );
    return printReport(report);
  } finally {
    await disposeContainer(container);
  }
}

function printReport(report: RotationReport): number {
  let pending = false;
  if (report.fallbacks.length === 0) out('No FACEGATE_SECRET_FALLBACKS configured.');
  for (const { entry, rows } of report.fallbacks) {
    if (rows.length === 0) {
      out(`FACEGATE_SECRET_FALLBACKS entry ${entry}: nothing depends on it; it can be removed.`);
    } else {
      pending = true;
      out(`FACEGATE_SECRET_FALLBACKS entry ${entry}: still needed by ${describeRows(rows)}.`);
    }
  }
  if (report.unattributed.length > 0) {
    pending = report.fallbacks.length > 0;
    out(
      `Written before key ids, under FACEGATE_SECRET or a fallback (FaceGate cannot tell): ${describeRows(report.unattributed)}.`,
    );
  }
  if (report.orphaned.length > 0) {
    pending = true;
    out(`Made with a secret that is no longer configured: ${describeRows(report.orphaned)}.`);
  }
  if (pending) {
    out('');
    out('API keys are re-keyed at their next use (or revoke them); evidence claims stop mattering once the');
    out('sessions open now have ended (at most their lifetime). Run `facegate secrets rotate` again then.');
  }
  return pending ? 1 : 0;
}
