import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { JsonClient } from '../support/json-client';
import { type ServiceProcess, startService } from '../support/service-process';
import type { BenchUser, ReadyConfirmation, StartedSession } from './facegate-flow';

export const BENCH_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HEAP_SAMPLER = pathToFileURL(join(BENCH_ROOT, 'src/profile/heap-sampler.mjs')).href;
const STALL_RECORDER = pathToFileURL(join(BENCH_ROOT, 'src/profile/stall-recorder.mjs')).href;

async function until(done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("the gateway's heap sampler did not answer");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const GATEWAY_BIN = join(BENCH_ROOT, 'node_modules/@facegate/gateway/bin/facegate.mjs');
const SANDBOX_BIN = join(BENCH_ROOT, 'node_modules/@facegate/wechat-sandbox/bin/facegate-sandbox.mjs');
const PASSTHROUGH_MAIN = join(BENCH_ROOT, 'src/passthrough/main.ts');
const BASELINES_MAIN = join(BENCH_ROOT, 'src/baselines/main.ts');

export const SANDBOX_APP = { appId: 'wx_sandbox_app', appSecret: 'sandbox-secret' } as const;

export type DatabaseKind = 'pglite' | 'postgres';

/** Which CPUs each kind of process may use (taskset lists), or null everywhere when not pinning. */
export interface CpuPlan {
  readonly loadGenerator: string | null;
  readonly sandbox: string | null;
  readonly serverUnderTest: string | null;
  readonly description: string;
}

/**
 * The gateway's abuse limits (per address, user and ID number) would rightly stop one address sending
 * thousands of requests a second; the bench raises them so they never trigger, but they are still counted.
 */
const LIFTED_ABUSE_LIMITS = Object.fromEntries(
  [
    'ID_NUMBER_PER_MINUTE',
    'ID_NUMBER_PER_DAY',
    'ID_NUMBER_MISMATCHES_PER_DAY',
    'OPENID_PER_DAY',
    'IP_START_PER_MINUTE',
    'IP_SIGN_IN_PER_MINUTE',
    'IP_CONFIRM_PER_MINUTE',
  ].map((name) => [`FACEGATE_RATE_LIMIT_${name}`, '1000000000']),
);

function baseEnv(): NodeJS.ProcessEnv {
  // a clean environment: the children must not inherit the developer's WECHAT_* or DATABASE_URL
  return { PATH: process.env.PATH, HOME: process.env.HOME };
}

export async function startSandboxProcess(
  workDir: string,
  latencyMs: number,
  cpus: string | null,
): Promise<ServiceProcess> {
  return startService({
    name: 'sandbox',
    command: process.execPath,
    args: [
      SANDBOX_BIN,
      '--port',
      '0',
      '--latency-ms',
      String(latencyMs),
      // every bench user signs in once per gateway; the store must hold every verifyResult of a run
      '--logins-per-user-per-minute',
      '0',
      '--max-entries',
      '1000000',
    ],
    env: baseEnv(),
    cwd: BENCH_ROOT,
    logFile: join(workDir, 'sandbox.log'),
    readyPattern: /base URL\s+(http:\/\/\S+)/,
    cpus,
  });
}

export async function startPassthroughProcess(
  workDir: string,
  sandboxUrl: string,
  cpus: string | null,
): Promise<ServiceProcess> {
  return startService({
    name: 'passthrough',
    command: process.execPath,
    args: ['--conditions=source', '--import', 'tsx', PASSTHROUGH_MAIN, '--sandbox-url', sandboxUrl],
    env: baseEnv(),
    cwd: BENCH_ROOT,
    logFile: join(workDir, 'passthrough.log'),
    readyPattern: /passthrough listening on (http:\/\/\S+)/,
    cpus,
  });
}

/** The frame floor (yoga + Pothos from memory) or the REST peer (a durable confirmation, no GraphQL). */
export async function startBaselineProcess(
  kind: 'frame-floor' | 'rest-peer',
  workDir: string,
  cpus: string | null,
  rest?: { sandboxUrl: string; databaseUrl: string },
): Promise<ServiceProcess> {
  return startService({
    name: kind,
    command: process.execPath,
    args: [
      '--conditions=source',
      '--import',
      'tsx',
      BASELINES_MAIN,
      kind,
      ...(rest ? ['--sandbox-url', rest.sandboxUrl, '--database-url', rest.databaseUrl] : []),
    ],
    env: { ...baseEnv(), NODE_ENV: 'production' },
    cwd: BENCH_ROOT,
    logFile: join(workDir, `${kind}.log`),
    readyPattern: /listening on (http:\/\/\S+)/,
    cpus,
  });
}

export interface GatewaySpec {
  readonly name: string;
  readonly database: DatabaseKind;
  /** postgres:// URL for PostgreSQL; unused for PGlite (a DATA_DIR under the work dir). */
  readonly databaseUrl?: string;
  readonly sandboxUrl: string;
  readonly workDir: string;
  readonly logLevel: string;
  readonly cpus: string | null;
  /** Write a V8 CPU profile into this folder when the gateway exits. */
  readonly cpuProfileDir?: string;
  /** Preload the sampling heap profiler (heap-sampler.mjs), its profiles written into this folder. */
  readonly heapProfileDir?: string;
  /** Preload the stall recorder (stall-recorder.mjs), its GC pauses and event-loop stalls written to this file. */
  readonly stallLog?: string;
  /** FACEGATE_WORKERS (processes on one port); unset: one. */
  readonly workers?: number;
  /** Another build's CLI (an A/B against the current one); default: this repository's facegate. */
  readonly bin?: string;
  /** Node options before the CLI (e.g. --max-semi-space-size=32). */
  readonly nodeArgs?: readonly string[];
  /** Environment over the bench's own. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A gateway run as a user runs it: the real `facegate serve` CLI in its own process, WeChat = the sandbox. */
export class GatewayTarget {
  process!: ServiceProcess;
  client!: JsonClient;
  users: BenchUser[] = [];
  /** Sessions kept for the verification query (read-only, reused). */
  queryable: StartedSession[] = [];
  /** Started sessions not yet checked on the device. */
  unchecked: StartedSession[] = [];
  /** Checked on the device: each one a real confirmation, usable once. */
  ready: ReadyConfirmation[] = [];
  readonly secret = randomBytes(36).toString('base64url');
  private readonly env: NodeJS.ProcessEnv;
  private starts = 0;
  /** Heap sampling windows so far (a restart keeps counting: the files stay distinct). */
  private windows = 0;
  /** Where this gateway serves /metrics (its operators' listener), as its banner announced it. */
  private metricsUrl = '';

  constructor(readonly spec: GatewaySpec) {
    const dataDir = join(spec.workDir, `${spec.name}-data`);
    if (spec.database === 'pglite') mkdirSync(dataDir, { recursive: true });
    if (spec.heapProfileDir) mkdirSync(spec.heapProfileDir, { recursive: true });
    this.env = {
      ...baseEnv(),
      PORT: '0',
      HOST: '127.0.0.1',
      WECHAT_APP_ID: SANDBOX_APP.appId,
      WECHAT_APP_SECRET: SANDBOX_APP.appSecret,
      WECHAT_API_BASE_URL: spec.sandboxUrl,
      WECHAT_FACE_PROTOCOLS: 'legacy,v2',
      FACEGATE_SECRET: this.secret,
      LOG_LEVEL: spec.logLevel,
      // as production runs it, against the sandbox on this machine (which production otherwise refuses)
      NODE_ENV: 'production',
      FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true',
      ...(spec.workers ? { FACEGATE_WORKERS: String(spec.workers) } : {}),
      ...(spec.heapProfileDir ? { FACEGATE_BENCH_HEAP_DIR: spec.heapProfileDir } : {}),
      ...(spec.stallLog ? { FACEGATE_BENCH_STALL_LOG: spec.stallLog } : {}),
      ...LIFTED_ABUSE_LIMITS,
      ...(spec.database === 'postgres' ? { DATABASE_URL: spec.databaseUrl } : { DATA_DIR: dataDir }),
      ...spec.env,
    };
  }

  get name(): string {
    return this.spec.name;
  }

  get url(): string {
    return this.process.url;
  }

  async start(): Promise<void> {
    this.starts += 1;
    // production serves /metrics on its own listener (9464 by default): each gateway gets a port of the
    // system's choosing, which its banner names
    this.env.METRICS_PORT = '0';
    this.process = await startService({
      name: this.spec.name,
      command: process.execPath,
      args: [
        ...(this.spec.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${this.spec.cpuProfileDir}`] : []),
        ...(this.spec.heapProfileDir ? ['--import', HEAP_SAMPLER] : []),
        ...(this.spec.stallLog ? ['--import', STALL_RECORDER] : []),
        ...(this.spec.nodeArgs ?? []),
        this.spec.bin ?? GATEWAY_BIN,
        'serve',
      ],
      env: this.env,
      cwd: join(BENCH_ROOT, '../gateway'),
      logFile: join(this.spec.workDir, `${this.spec.name}.${this.starts}.log`),
      readyPattern: /FaceGate gateway listening on (http:\/\/\S+)[\s\S]*?metrics: (http:\/\/\S+)\/metrics/,
      cpus: this.spec.cpus,
      // a first start creates the embedded database and compiles PGlite: minutes on a loaded, pinned core
      timeoutMs: 240_000,
    });
    this.metricsUrl = this.process.announced[1]!;
    this.client = new JsonClient(this.process.url);
  }

  /**
   * Runs `load` with the gateway's sampling heap profiler on (SIGUSR2 toggles it: heap-sampler.mjs) and
   * returns the profile's file with the load's result.
   */
  async sampleAllocations<T>(load: () => Promise<T>): Promise<{ result: T; profileFile: string }> {
    const dir = this.spec.heapProfileDir;
    if (!dir) throw new Error(`${this.name} runs without the heap sampler`);
    this.windows += 1;
    const signal = () => process.kill(this.process.pid, 'SIGUSR2');
    signal();
    await until(() => existsSync(join(dir, `${this.windows}.started`)));
    const result = await load();
    signal();
    const profileFile = join(dir, `${this.windows}.heapprofile`);
    await until(() => existsSync(profileFile));
    return { result, profileFile };
  }

  /** Stops the process and starts it again on the same database and secret: a cold gateway. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.client?.close().catch(() => {});
    await this.process?.stop();
  }

  /** Resident set size and V8 heap in use, from the gateway's own /metrics (its operators' listener). */
  async memory(): Promise<{ rssBytes: number; heapUsedBytes: number; heapTotalBytes: number }> {
    const text = await (await fetch(`${this.metricsUrl}/metrics`)).text();
    const read = (name: string) => {
      const match = new RegExp(`^facegate_${name} (\\S+)$`, 'm').exec(text);
      return match ? Number(match[1]) : Number.NaN;
    };
    return {
      rssBytes: read('process_resident_memory_bytes'),
      heapUsedBytes: read('nodejs_heap_size_used_bytes'),
      heapTotalBytes: read('nodejs_heap_size_total_bytes'),
    };
  }
}
