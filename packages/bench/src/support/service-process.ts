import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A server the bench started as a child process, with its output in a log file. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** The first capture group of the ready pattern (e.g. the URL it listens on). */
  readonly url: string;
  /** Every capture group of the ready pattern, the first (url) included. */
  readonly announced: readonly string[];
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Whether it is still running. */
  readonly running: boolean;
}

export interface ServiceSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logFile: string;
  /** Matched against the log; its first group is the service's URL (more groups: see `announced`). */
  readonly readyPattern: RegExp;
  readonly timeoutMs?: number;
  /** Pin to these CPUs with taskset (Linux), when available. */
  readonly cpus?: string | null;
}

const every = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a child whose stdout/stderr go straight to a file (so a chatty server never costs the load
 * generator any CPU) and waits until the file shows the ready line.
 */
export async function startService(spec: ServiceSpec): Promise<ServiceProcess> {
  const fd = openSync(spec.logFile, 'a');
  const [command, args] =
    spec.cpus != null
      ? ['taskset', ['-c', spec.cpus, spec.command, ...spec.args]]
      : [spec.command, spec.args];
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const deadline = Date.now() + (spec.timeoutMs ?? 60_000);
  let ready: RegExpExecArray | null = null;
  while (ready === null) {
    const log = readFileSync(spec.logFile, 'utf8');
    ready = spec.readyPattern.exec(log);
    if (ready !== null) break;
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGKILL');
      const tail = log.split('\n').slice(-15).join('\n');
      throw new Error(`${spec.name} did not start (${exited ? 'it exited' : 'timed out'}); log:\n${tail}`);
    }
    await every(50);
  }
  const pid = child.pid!;
  const [, url = '', ...more] = ready;
  return {
    name: spec.name,
    pid,
    url,
    announced: [url, ...more],
    logFile: spec.logFile,
    get running() {
      return !exited;
    },
    async stop(graceMs = 15_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Whether `taskset` can pin processes here (Linux with util-linux). */
export function canPin(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
}
