import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ProcessResult, runProcess, startProcess } from '@facegate/test-support';

/** The real CLI, as a user runs it. */
export const FACEGATE_BIN = fileURLToPath(new URL('../../bin/facegate.mjs', import.meta.url));
/** packages/gateway: where `npm start` runs the server. */
export const GATEWAY_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** Runs `facegate ARGS` to completion, from packages/gateway unless `cwd` says otherwise. */
export function runFacegate(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return runProcess(process.execPath, [FACEGATE_BIN, ...args], { cwd: GATEWAY_DIR, ...options });
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
  const serving = startProcess(process.execPath, [FACEGATE_BIN, 'serve'], {
    cwd: options.cwd ?? GATEWAY_DIR,
    env: { PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'warn', ...options.env },
  });
  // the banner ends with an empty line: after the sandbox's test identities in sandbox mode
  const sandboxMode = options.env?.WECHAT_APP_ID === undefined;
  const banner = sandboxMode
    ? /GraphQL: +(http:\/\/\S+)\/graphql[\s\S]*Test identities[\s\S]*\n\n/
    : /GraphQL: +(http:\/\/\S+)\/graphql[\s\S]*\n\n/;
  let url: string;
  try {
    url = (await serving.waitForOutput(banner, options.timeoutMs ?? 90_000))[1]!;
  } catch (error) {
    await serving.stop('SIGKILL');
    throw new Error(`facegate serve did not start: ${(error as Error).message}`);
  }
  const sandboxUrl = /bundled sandbox at (http:\/\/\S+)/.exec(serving.output())?.[1] ?? null;
  return {
    process: serving.child,
    url,
    graphqlUrl: `${url}/graphql`,
    sandboxUrl,
    output: serving.output,
    stop: () => serving.stop(),
  };
}
