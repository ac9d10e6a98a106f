import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchConfig, FULL, OPERATIONS, type Operation, QUICK } from './bench-config';
import { formatSummary } from './profile/cpu-profile-summary';
import { formatAllocators } from './profile/heap-profile-summary';
import type { BenchReport } from './report/bench-report';
import { renderMarkdown } from './report/markdown';
import { runBench } from './run-bench';
import { BENCH_ROOT } from './scenario/environment';

const USAGE = `usage: pnpm bench [-- options]
  --quick              a smoke test of the whole machinery (under a minute); docs are not written
  --profile            run the gateways under node --cpu-prof and print their top self-time functions
  --heap-profile       sample the gateways' allocations (V8's sampling heap profiler) during each saturation run:
                       bytes per request and the top allocating functions (CPU figures then include the sampler)
  --stall-trace        record the gateways' GC pauses and event-loop stalls; for each run at half a gateway's own
                       rate, say how many of the requests at or above its p99 overlapped a GC pause or a stall
  --no-pin             do not pin processes to CPUs
  --no-postgres        PGlite only
  --databases LIST     pglite,postgres (default: both in a full run, pglite in a quick one)
  --rounds N           repeat each measurement N times (median reported)
  --only OPS           comma list of ${OPERATIONS.join(', ')}
  --log-level LEVEL    the gateway's LOG_LEVEL (default info)
  --workers N          also run a PostgreSQL gateway with N workers (default 2 in a full run; 1 = none)
  --compare-bin PATH   an A/B: another build's dist/cli.js beside this one on PostgreSQL (gateway-postgres-before),
                       or on PGlite when PostgreSQL is not measured (gateway-pglite-before)
  --compare-node-args ARGS  an A/B of settings: the other gateway runs with these node options (space-separated;
                       this build unless --compare-bin), e.g. --compare-node-args=--max-semi-space-size=32
  --compare-env LIST   the other gateway's environment over the bench's, e.g. LOG_DESTINATION=sync (comma list)
  --node-args ARGS     node options of this build's gateways (space-separated)
  --env LIST           this build's gateways' environment over the bench's (comma list of KEY=VALUE)
  --core-only          only the throughput and latency tables (no slow upstream, cold start or memory)
  --no-write           print only; do not write docs/benchmarks.{md,json}
  --write              write docs/benchmarks.{md,json} even for a restricted run (the command is recorded)`;

const REPO_ROOT = join(BENCH_ROOT, '../..');

function configFrom(argv: string[]): { config: BenchConfig; write: boolean } {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'heap-profile': { type: 'boolean', default: false },
      'stall-trace': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      'no-postgres': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      only: { type: 'string' },
      databases: { type: 'string' },
      'log-level': { type: 'string' },
      workers: { type: 'string' },
      'compare-bin': { type: 'string' },
      'compare-node-args': { type: 'string' },
      'compare-env': { type: 'string' },
      'node-args': { type: 'string' },
      env: { type: 'string' },
      'core-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let config: BenchConfig = values.quick ? QUICK : FULL;
  const operations = values.only
    ? values.only.split(',').map((o) => {
        if (!(OPERATIONS as readonly string[]).includes(o))
          throw new Error(`unknown operation ${o}\n${USAGE}`);
        return o as Operation;
      })
    : config.operations;
  config = {
    ...config,
    operations,
    cpuProfile: values.profile,
    heapProfile: values['heap-profile'],
    stallTrace: values['stall-trace'],
    pin: config.pin && !values['no-pin'],
    databases: values['no-postgres']
      ? ['pglite']
      : values.databases
        ? values.databases.split(',').map((d) => {
            if (d !== 'pglite' && d !== 'postgres') throw new Error(`unknown database ${d}\n${USAGE}`);
            return d;
          })
        : config.databases,
    memory: config.memory && values['no-postgres'] ? { ...config.memory, database: 'pglite' } : config.memory,
    ...(values.rounds ? { rounds: Math.max(1, Number(values.rounds)) } : {}),
    ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
    ...(values.workers ? { workers: Math.max(1, Number(values.workers)) } : {}),
    ...(values['compare-bin'] ? { compareBin: values['compare-bin'] } : {}),
    ...(values['compare-node-args'] !== undefined
      ? { compareNodeArgs: words(values['compare-node-args']) }
      : {}),
    ...(values['compare-env'] !== undefined ? { compareEnv: envList(values['compare-env']) } : {}),
    ...(values['node-args'] !== undefined ? { nodeArgs: words(values['node-args']) } : {}),
    ...(values.env !== undefined ? { env: envList(values.env) } : {}),
    ...(values['core-only'] ? { slowUpstream: null, coldConfirmations: 0, memory: null } : {}),
  };
  // quick runs and partial runs never overwrite the committed figures of the last full run
  const write =
    values.write ||
    (!values['no-write'] &&
      !values.quick &&
      !values.profile &&
      !values['heap-profile'] &&
      !values['stall-trace'] &&
      !values.only &&
      !values['core-only'] &&
      !values['compare-bin'] &&
      values['compare-node-args'] === undefined &&
      values['compare-env'] === undefined &&
      values['node-args'] === undefined &&
      values.env === undefined &&
      !values['no-postgres'] &&
      !values.databases);
  return { config, write };
}

function words(value: string): string[] {
  return value.split(/\s+/).filter((w) => w !== '');
}

function envList(value: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of value.split(',').filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--env and --compare-env take KEY=VALUE pairs, not ${pair}\n${USAGE}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

function printSummary(report: BenchReport): void {
  console.log('');
  console.log(
    `FaceGate bench (${report.mode}) on ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}`,
  );
  console.log(`CPU split: ${report.cpuSplit}`);
  for (const [operation, figures] of Object.entries(report.operations)) {
    const base = figures.targets.passthrough!;
    console.log(
      `\n${operation}: baseline ${base.saturation.medianThroughput.toFixed(0)}/s; at ${base.fixedRate.rate}/s p50 ${base.fixedRate.medianP50Ms.toFixed(2)} ms p99 ${base.fixedRate.medianP99Ms.toFixed(2)} ms`,
    );
    for (const [gateway, c] of Object.entries(figures.comparisons)) {
      const f = figures.targets[gateway]!;
      console.log(
        `  ${gateway.padEnd(17)} ${f.saturation.medianThroughput.toFixed(0).padStart(6)}/s  ratio ${c.throughputRatio.toFixed(2)}  ` +
          `p50 ${f.fixedRate.medianP50Ms.toFixed(2)} ms (${c.p50OverheadMs >= 0 ? '+' : ''}${c.p50OverheadMs.toFixed(2)})  ` +
          `p99 ${f.fixedRate.medianP99Ms.toFixed(2)} ms (${c.p99OverheadMs >= 0 ? '+' : ''}${c.p99OverheadMs.toFixed(2)})`,
      );
    }
  }
  console.log('\nTargets:');
  for (const t of report.targets)
    console.log(`  [${t.met ? 'met' : 'MISSED'}] ${t.name}: ${t.value} (goal ${t.target})`);
  for (const note of report.notes) console.log(`  note: ${note}`);
  for (const [name, a] of Object.entries(report.allocationProfiles ?? {})) {
    console.log(
      `\nAllocations ${name} (${a.file}): ${a.bytesPerRequest.toFixed(0)} bytes per request over ${a.requests}; by owner:`,
    );
    console.log(formatAllocators(a.byOwner, a.requests));
    console.log('by function:');
    console.log(formatAllocators(a.byFunction, a.requests));
  }
  for (const [name, profile] of Object.entries(report.cpuProfiles ?? {})) {
    console.log(`\nCPU profile ${name} (${profile.file}), top self time:`);
    console.log(formatSummary(profile.top));
  }
  console.log(`\nTotal ${report.totalSeconds.toFixed(0)} s.`);
}

const PREFACE = [
  'Written by `node scripts/pnpm.mjs bench` (the root `pnpm bench`); `pnpm bench -- --quick` is a smoke test',
  'that writes nothing. What is measured and how: packages/bench/README.md. What limits the gateway, and what',
  'was done about it: [performance.md](performance.md).',
  '',
];

/**
 * Figures measured elsewhere (the console's overview on 1,000,000 sessions comes from its own test) live below
 * KEPT_MARKER in benchmarks.md; a bench run rewrites what is above it and keeps the rest.
 */
const KEPT_MARKER = '<!-- measured outside pnpm bench: kept when the bench rewrites this file -->';

function keptSection(file: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(KEPT_MARKER);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof configFrom>;
  try {
    parsed = configFrom(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const { config, write } = parsed;
  const report = await runBench(config, (line) => console.log(line));
  printSummary(report);
  if (write) {
    const docs = join(REPO_ROOT, 'docs');
    if (!existsSync(docs)) mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
    const markdown = join(docs, 'benchmarks.md');
    writeFileSync(
      markdown,
      renderMarkdown(report, {
        command: ['node scripts/pnpm.mjs bench', ...process.argv.slice(2).filter((a) => a !== '--')].join(
          ' ',
        ),
        preface: PREFACE,
      }) + keptSection(markdown),
    );
    // The repo's lint checks markdown formatting too; format what we wrote so a bench run never breaks it.
    spawnSync(
      join(REPO_ROOT, 'node_modules/.bin/biome'),
      ['format', '--write', 'docs/benchmarks.md', 'docs/benchmarks.json'],
      {
        cwd: REPO_ROOT,
        stdio: 'ignore',
      },
    );
    console.log(`Wrote docs/benchmarks.md and docs/benchmarks.json.`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench failed: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
