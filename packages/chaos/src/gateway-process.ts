import { type ChildProcess, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real `facegate` CLI, through this package's workspace dependency. */
export const GATEWAY_BIN = realpathSync(
  fileURLToPath(new URL('../node_modules/@facegate/gateway/bin/facegate.mjs', import.meta.url)),
);
const GATEWAY_DIR = dirname(dirname(GATEWAY_BIN));
const WATCHDOG = fileURLToPath(new URL('./child-watchdog.mjs', import.meta.url));
const READY_LINE = /FaceGate gateway listening on (http:\/\/\S+)/;

/** Every child started here and not yet exited: killed on any exit path of this process. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs every child process still running (idempotent, synchronous: safe in an 'exit' handler). */
export function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllChildren);
  }
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Children see only what they need: no inherited secrets, database URLs or log settings of the parent. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    FACEGATE_CHAOS_PARENT_PID: String(process.pid),
    ...extra,
  };
}

/** What a gateway's logs said, tallied (the logs themselves can be thousands of retry warnings). */
export class LogTally {
  /** "WeChat rejected the access token": a 40001/40014/42001 answer reached the gateway. */
  tokenRejected = 0;
  /** pino level >= 50 (error, fatal). */
  errors = 0;
  readonly lastErrors: string[] = [];

  add(line: string): void {
    if (line.includes('rejected the access token') || line.includes('rejected a fresh access token'))
      this.tokenRejected += 1;
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level !== undefined && Number(level) >= 50) {
      this.errors += 1;
      if (this.lastErrors.length < 20) this.lastErrors.push(line.slice(0, 600));
    }
  }
}

export interface GatewayProcessOptions {
  /** A label for reports ('A', 'B'). */
  readonly name: string;
  /**
   * Where it listens. Default: a port the system picks when it first starts (read from its banner); a
   * restarted instance comes back at the same port, so at the same address.
   */
  readonly port?: number;
  /** The gateway's environment (DATABASE_URL, WECHAT_*, FACEGATE_SECRET, DATA_DIR, ...). */
  readonly env: Record<string, string>;
  readonly startTimeoutMs?: number;
}

/** One `facegate serve` OS process on 127.0.0.1, which can be killed and started again at the same port. */
export class GatewayProcess {
  readonly name: string;
  readonly logs = new LogTally();
  starts = 0;
  kills = 0;
  private child: ChildProcess | null = null;
  private tail: string[] = [];
  private port: number | null;

  constructor(private readonly options: GatewayProcessOptions) {
    this.name = options.name;
    this.port = options.port ?? null;
  }

  /** http://127.0.0.1:PORT, known once it has started (or from the options). */
  get url(): string {
    if (this.port === null) throw new Error(`gateway ${this.name} has not started yet: no address`);
    return `http://127.0.0.1:${this.port}`;
  }

  get graphqlUrl(): string {
    return `${this.url}/graphql`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote (for failure messages). */
  recentOutput(): string {
    return this.tail.join('\n');
  }

  /** Spawns `facegate serve` and resolves once it listens; rejects (and kills it) if it does not. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`gateway ${this.name} is already running`);
    const child = spawn(process.execPath, ['--import', WATCHDOG, GATEWAY_BIN, 'serve'], {
      cwd: GATEWAY_DIR,
      env: childEnv({
        HOST: '127.0.0.1',
        PORT: String(this.port ?? 0),
        LOG_LEVEL: 'warn',
        ...this.options.env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    // 'close' comes after the last output is read ('exit' may come before it)
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.child = child;
    this.starts += 1;
    this.tail = [];
    let ready: ((url: string) => void) | null = null;
    const onLine = (line: string) => {
      this.tail.push(line);
      if (this.tail.length > 60) this.tail.shift();
      this.logs.add(line);
      const announced = READY_LINE.exec(line)?.[1];
      if (ready && announced !== undefined) ready(announced);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          onLine(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
        }
      });
    }
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (message: string) => {
          ready = null;
          reject(new Error(message));
        };
        const timer = setTimeout(
          () => fail(`gateway ${this.name} did not start within ${timeoutMs} ms`),
          timeoutMs,
        );
        const onExit = (code: number | null, signal: string | null) => {
          clearTimeout(timer);
          fail(`gateway ${this.name} exited during start-up (code ${code}, signal ${signal})`);
        };
        // the banner names the address, with the port the system picked on a first start
        ready = (url) => {
          clearTimeout(timer);
          child.off('exit', onExit);
          ready = null;
          this.port = Number(new URL(url).port);
          resolve();
        };
        child.once('exit', onExit);
      });
    } catch (error) {
      await this.kill();
      await closed;
      throw new Error(`${(error as Error).message}\n${this.recentOutput()}`);
    }
  }

  /** Sends the signal (SIGKILL: no shutdown at all, as a crash or an OOM kill) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    if (signal === 'SIGKILL') this.kills += 1;
    await exited;
  }

  /** Graceful stop (SIGTERM), with SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs one `facegate` command to completion (e.g. `keys create`); resolves with its exit code and output. */
export function runFacegateCommand(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', WATCHDOG, GATEWAY_BIN, ...args], {
      cwd: GATEWAY_DIR,
      env: childEnv({ LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`facegate ${args[0]} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A service API key with read access, created by the real CLI against the gateway's database. */
export async function createServiceKey(env: Record<string, string>): Promise<string> {
  const result = await runFacegateCommand(
    ['keys', 'create', '--name', 'chaos-readback', '--scopes', 'verifications:read'],
    env,
  );
  const key = /fgk_\S+/.exec(result.stdout)?.[0];
  if (result.code !== 0 || key === undefined) {
    throw new Error(`facegate keys create failed (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return key;
}
