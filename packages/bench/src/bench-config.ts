import type { DatabaseKind } from './scenario/environment';
import type { Protocol } from './scenario/facegate-flow';

export const OPERATIONS = ['startVerification', 'verification', 'confirmVerification'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface BenchConfig {
  readonly mode: 'full' | 'quick' | 'smoke';
  /** Each measurement is repeated this many times, interleaved across targets; the median is reported. */
  readonly rounds: number;
  /** The sandbox's fixed delay on every WeChat call during the main measurements. */
  readonly upstreamLatencyMs: number;
  /** Connections kept busy by the saturation runs. */
  readonly connections: number;
  /** Length a saturation run aims for (its request count comes from the previous run's throughput). */
  readonly saturationSeconds: number;
  /** Bounds of a saturation run's request count. */
  readonly saturationRequests: { readonly min: number; readonly max: number };
  /** Requests of the unrecorded warm-up run per target and operation (JIT, caches, connections). */
  readonly warmupRequests: number;
  readonly fixedRateSeconds: number;
  /** The fixed rate, as a share of the passthrough's throughput at saturation. */
  readonly fixedRateShare: number;
  /** Signed-in users per gateway (sessions are spread over them: the gateway limits starts per user). */
  readonly users: number;
  readonly databases: readonly DatabaseKind[];
  readonly protocol: Protocol;
  readonly operations: readonly Operation[];
  /** Throughput with a slow upstream and many clients (no head-of-line blocking); null to skip. */
  readonly slowUpstream: {
    readonly latencyMs: number;
    readonly clients: number;
    readonly seconds: number;
  } | null;
  /** Confirmations sent at once to a freshly restarted gateway (token single flight); 0 to skip. */
  readonly coldConfirmations: number;
  /** Sessions created on a fresh gateway to see whether its memory grows with them; null to skip. */
  readonly memory: {
    readonly sessions: number;
    readonly timeLimitSeconds: number;
    readonly concurrency: number;
    readonly database: DatabaseKind;
  } | null;
  /** Pin the load generator + sandbox and the server under test to separate CPUs (taskset). */
  readonly pin: boolean;
  /** The gateway's LOG_LEVEL (its default, info, is what a user runs). */
  readonly logLevel: string;
  /** Run the gateways under `node --cpu-prof` and summarize the profiles. */
  readonly cpuProfile: boolean;
  /** Sample every allocation of the gateways' saturation runs (V8's sampling heap profiler): bytes per request. */
  readonly heapProfile: boolean;
  /** Record the gateways' GC pauses and event-loop stalls; say what the slowest requests at the operating point overlapped. */
  readonly stallTrace: boolean;
  /** Above 1: a PostgreSQL gateway with this many workers (FACEGATE_WORKERS) beside the single one. */
  readonly workers: number;
  /** A second build's dist/cli.js, run beside the current one on PostgreSQL as `gateway-postgres-before`. */
  readonly compareBin?: string;
  /** Node options of the A/B's other gateway (e.g. a young-generation size), this build when compareBin is unset. */
  readonly compareNodeArgs?: readonly string[];
  /** Environment of the A/B's other gateway, over the bench's own (e.g. LOG_DESTINATION=sync). */
  readonly compareEnv?: Readonly<Record<string, string>>;
  /** Node options of this build's gateways. */
  readonly nodeArgs?: readonly string[];
  /** Environment of this build's gateways, over the bench's own. */
  readonly env?: Readonly<Record<string, string>>;
}

export const FULL: BenchConfig = {
  mode: 'full',
  rounds: 3,
  upstreamLatencyMs: 5,
  connections: 64,
  saturationSeconds: 3,
  saturationRequests: { min: 500, max: 40_000 },
  warmupRequests: 500,
  fixedRateSeconds: 3,
  fixedRateShare: 0.5,
  users: 1000,
  databases: ['pglite', 'postgres'],
  protocol: 'LEGACY',
  operations: OPERATIONS,
  slowUpstream: { latencyMs: 100, clients: 200, seconds: 4 },
  coldConfirmations: 1000,
  memory: { sessions: 100_000, timeLimitSeconds: 240, concurrency: 64, database: 'postgres' },
  pin: true,
  logLevel: 'info',
  cpuProfile: false,
  heapProfile: false,
  stallTrace: false,
  workers: 2,
};

/** A smoke test of the whole machinery in well under a minute: one round, small runs. */
export const QUICK: BenchConfig = {
  ...FULL,
  mode: 'quick',
  rounds: 1,
  saturationSeconds: 1,
  saturationRequests: { min: 200, max: 3000 },
  warmupRequests: 200,
  fixedRateSeconds: 1,
  users: 100,
  databases: ['pglite'],
  slowUpstream: { latencyMs: 100, clients: 200, seconds: 1 },
  coldConfirmations: 1000,
  memory: { sessions: 2000, timeLimitSeconds: 15, concurrency: 32, database: 'pglite' },
};
