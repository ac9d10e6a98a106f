import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ChaosDatabase, type ChaosReport, DEFAULT_OPTIONS, runChaos } from './chaos-run';
import { killAllChildren } from './gateway-process';
import { formatReport } from './report';

const USAGE = `pnpm chaos [options]   (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres)

Runs FaceGate's fault proof: real gateway processes on one database and a faulty WeChat sandbox, every
confirmation sent twice, gateways SIGKILLed and restarted, then the checks. Exits 1 when a check fails.

  --db postgres|pglite|both    which runs (default both: PostgreSQL, then a shorter PGlite-on-disk run)
  --confirmations N            confirmations of the PostgreSQL run (default 3000; 1..100000)
  --pglite-confirmations N     confirmations of the PGlite run (default 1000)
  --duration S                 stop starting new work after S seconds (default 600; PGlite run: half)
  --concurrency N              users at once (default 16)
  --instances N                gateway processes on PostgreSQL (default 2; PGlite: always 1)
  --apps N                     mini programs served (default 1; 1..8): users spread over them, only the first
                               app's tokens revoked, sessions checked per app and for isolation between apps
  --kills N                    SIGKILL + restart during each run (default 3)
  --fault-rate R               share of WeChat calls faulted (default 0.2)
  --revoke-every-ms N          token revocation period (default 5000; 0 = never)
  --v2-share R                 share of v2 verifications (default 0.15)
  --seed N                     seed of the plan and the sandbox's faults (default 1)
  --webhook-fault-rate R       share of webhooks the receiver refuses on first arrival (default 0.1; PostgreSQL
                               runs send every event to a real receiver and report delivered/lost/duplicated)
  --v2-without-verify-id       v2 confirmations send only the session id (clients older than the field)
  --postgres-url URL           admin URL of a loopback PostgreSQL (default postgres://postgres@127.0.0.1:5432/postgres)
  --json FILE                  also write the reports as JSON
  --keep-db                    keep the PostgreSQL database of the run (its name is printed)`;

class UsageError extends Error {}

function number(raw: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function loopbackOnly(url: string): string {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new UsageError('--postgres-url must be a postgres:// URL');
  }
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host))
    throw new UsageError(
      '--postgres-url must point at a loopback address (the chaos tools stay on this machine)',
    );
  return url;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      db: { type: 'string' },
      confirmations: { type: 'string' },
      'pglite-confirmations': { type: 'string' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      instances: { type: 'string' },
      apps: { type: 'string' },
      kills: { type: 'string' },
      'fault-rate': { type: 'string' },
      'revoke-every-ms': { type: 'string' },
      'v2-share': { type: 'string' },
      seed: { type: 'string' },
      'webhook-fault-rate': { type: 'string' },
      'postgres-url': { type: 'string' },
      json: { type: 'string' },
      'keep-db': { type: 'boolean' },
      'v2-without-verify-id': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const which = values.db ?? 'both';
  if (!['postgres', 'pglite', 'both'].includes(which))
    throw new UsageError('--db must be postgres, pglite or both');
  const durationS = number(values.duration, 'duration', 1, 3600, DEFAULT_OPTIONS.durationMs / 1000);
  const common = {
    apps: Math.floor(number(values.apps, 'apps', 1, 8, DEFAULT_OPTIONS.apps)),
    concurrency: number(values.concurrency, 'concurrency', 1, 256, DEFAULT_OPTIONS.concurrency),
    kills: number(values.kills, 'kills', 0, 20, DEFAULT_OPTIONS.kills),
    faultRate: number(values['fault-rate'], 'fault-rate', 0, 0.9, DEFAULT_OPTIONS.faultRate),
    revokeEveryMs: number(
      values['revoke-every-ms'],
      'revoke-every-ms',
      0,
      3_600_000,
      DEFAULT_OPTIONS.revokeEveryMs,
    ),
    v2Share: number(values['v2-share'], 'v2-share', 0, 1, DEFAULT_OPTIONS.v2Share),
    seed: number(values.seed, 'seed', 0, 2 ** 31, DEFAULT_OPTIONS.seed),
    webhookFaultRate: number(
      values['webhook-fault-rate'],
      'webhook-fault-rate',
      0,
      0.9,
      DEFAULT_OPTIONS.webhookFaultRate,
    ),
    postgresAdminUrl: loopbackOnly(values['postgres-url'] ?? DEFAULT_OPTIONS.postgresAdminUrl),
    keepDatabase: values['keep-db'] ?? false,
    v2NamesVerifyId: !(values['v2-without-verify-id'] ?? false),
    log: (line: string) => console.log(line),
  };
  const runs: { database: ChaosDatabase; confirmations: number; durationMs: number; instances: number }[] =
    [];
  if (which !== 'pglite') {
    runs.push({
      database: 'postgres',
      confirmations: number(values.confirmations, 'confirmations', 1, 100_000, DEFAULT_OPTIONS.confirmations),
      durationMs: durationS * 1000,
      instances: number(values.instances, 'instances', 1, 8, DEFAULT_OPTIONS.instances),
    });
  }
  if (which !== 'postgres') {
    runs.push({
      database: 'pglite',
      confirmations: number(values['pglite-confirmations'], 'pglite-confirmations', 1, 100_000, 1000),
      durationMs: Math.max(1, Math.round(durationS / 2)) * 1000,
      instances: 1,
    });
  }

  // bounded in time even if something hangs: the longest run plus generous room for retries and restarts
  const hardLimitMs = runs.reduce((n, r) => n + r.durationMs + 300_000, 0);
  const hardLimit = setTimeout(() => {
    console.error(`chaos: still running after ${hardLimitMs / 1000} s; stopping`);
    killAllChildren();
    process.exit(1);
  }, hardLimitMs);
  hardLimit.unref();

  const reports: ChaosReport[] = [];
  for (const run of runs) {
    const report = await runChaos({ ...common, ...run });
    reports.push(report);
    console.log('');
    console.log(formatReport(report));
    console.log('');
  }
  if (values.json) await writeFile(values.json, `${JSON.stringify(reports, null, 2)}\n`);
  const ok = reports.every((r) => r.ok);
  console.log(ok ? 'chaos: every run passed every check' : 'chaos: FAILED');
  return ok ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    killAllChildren();
    process.exitCode = code;
    // open handles of libraries must not keep a finished run alive
    setTimeout(() => process.exit(code), 500).unref();
  },
  (error: unknown) => {
    killAllChildren();
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`chaos: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
