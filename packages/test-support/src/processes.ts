import { type ChildProcess, spawn } from 'node:child_process';

/** Only what a shell would pass on: no test runner variables, no DATABASE_URL or DATA_DIR from outside. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

export interface ProcessOptions {
  /** Added to cleanEnv(): the child never inherits this process's environment. */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
}

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process started by startProcess(), with everything it printed so far. */
export interface StartedProcess {
  readonly child: ChildProcess;
  /** -1 when it could not be started (then `exited` rejects). */
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr, in the order the chunks arrived. */
  output(): string;
  /** Settles once the process has exited and its output is read to the end. */
  readonly exited: Promise<ProcessResult>;
  /**
   * Resolves with the match once `pattern` (not global) appears in the output; rejects if the process ends
   * first, or after `timeoutMs` (default 60 s). Driven by the output itself, not by polling.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM), then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Every child started here and not yet exited: SIGKILLed when the test process exits, whatever happened. */
const live = new Set<ChildProcess>();
let exitHook = false;

function track(child: ChildProcess): void {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const running of live) running.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Spawns `command` with a clean environment (stdin closed) and collects its output as it comes. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions = {},
): StartedProcess {
  // stdin not a socket: bash would take itself for a remote shell and read the system bashrc
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    output += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    output += chunk;
  });
  let ended = false;
  // 'close' comes once the streams are read to the end ('exit' may come before the last chunk)
  const exited = new Promise<ProcessResult>((resolve, reject) => {
    child.once('error', (error) => {
      ended = true;
      reject(error);
    });
    child.once('close', (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
  exited.catch(() => {});

  const waitForOutput = (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> => {
    const once = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        child.stdout.off('data', look);
        child.stderr.off('data', look);
        settle();
      };
      // added after the collecting listeners, so `output` already holds the chunk
      const look = (): boolean => {
        const match = output.match(once);
        if (match) finish(() => resolve(match));
        return match !== null;
      };
      const gone = (why: string) => {
        if (!look()) finish(() => reject(new Error(`${why} before printing ${pattern}; output:\n${output}`)));
      };
      if (look()) return;
      if (ended) return gone('the process had ended');
      timer = setTimeout(
        () => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`))),
        timeoutMs,
      );
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      exited.then(
        (result) => gone(`the process exited (code ${result.code}, signal ${result.signal})`),
        (error: Error) => gone(`the process could not start (${error.message})`),
      );
    });
  };

  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    exited,
    waitForOutput,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (!ended && child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        timer.unref();
        await exited.catch(() => undefined);
        clearTimeout(timer);
      }
      return (await exited.catch(() => null))?.code ?? null;
    },
  };
}

/** Runs a program to completion with a clean environment; rejects (and kills it) after `timeoutMs`. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions & { readonly timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const started = startProcess(command, args, options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      started.child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms:\n${started.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([started.exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
