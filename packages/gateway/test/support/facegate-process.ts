import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real CLI, as a user runs it. */
export const FACEGATE_BIN = fileURLToPath(new URL('../../bin/facegate.mjs', import.meta.url));
/** packages/gateway: where `npm start` runs the server. */
export const GATEWAY_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** Only what a shell would pass on: no test runner variables, no DATABASE_URL or DATA_DIR from outside. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion with a clean environment; stdin is closed. */
export function runProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // stdin not a socket: bash would take itself for a remote shell and read the system bashrc
    const child = spawn(command, args, {
      cwd: options.cwd ?? GATEWAY_DIR,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `facegate ARGS` to completion. */
export function runFacegate(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [FACEGATE_BIN, ...args], options);
}

export interface ServingGateway {
  readonly process: ChildProcess;
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly graphqlUrl: string;
  /** Sandbox mode only, else null. */
  readonly sandboxUrl: string | null;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `facegate serve` as a real process, on ports of its own choosing; resolves once its banner is printed. */
export async function startServing(
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ServingGateway> {
  const child = spawn(process.execPath, [FACEGATE_BIN, 'serve'], {
    cwd: options.cwd ?? GATEWAY_DIR,
    env: cleanEnv({ PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'warn', ...options.env }),
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // the banner ends with an empty line: after the sandbox's test identities in sandbox mode
  const sandboxMode = options.env?.WECHAT_APP_ID === undefined;
  const banner = sandboxMode
    ? /GraphQL: +(http:\/\/\S+)\/graphql[\s\S]*Test identities[\s\S]*\n\n/
    : /GraphQL: +(http:\/\/\S+)\/graphql[\s\S]*\n\n/;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!banner.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`facegate serve did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = banner.exec(output)![1]!;
  const sandboxUrl = /bundled sandbox at (http:\/\/\S+)/.exec(output)?.[1] ?? null;
  return {
    process: child,
    url,
    graphqlUrl: `${url}/graphql`,
    sandboxUrl,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
