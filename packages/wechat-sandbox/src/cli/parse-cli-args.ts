import { parseArgs } from 'node:util';
import type { FaultSettings, SandboxApp, SandboxOptions } from '../sandbox.types';
import { SETTING_BOUNDS } from '../wechat-errors';

/** A mistake on the command line: printed as one line, exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export const USAGE = `Usage: facegate-sandbox [options]

A local stand-in for api.weixin.qq.com plus the WeChat client's side (FaceGate's sandbox).

  --port N                       listen port (default 4001; 0 = random)
  --host H                       listen address (default 127.0.0.1)
  --app-id ID                    the sandbox mini program's appid (default wx_sandbox_app)
  --app-secret S                 its secret (default sandbox-secret)
  --app APPID:SECRET             another mini program beside the main one (repeatable;
                                 the appid starts with wx, the secret is not empty)
  --extra-app ID:SECRET          the same, without the wx check (older spelling)
  --token-ttl-seconds N          access token lifetime (default 7200)
  --latency-ms N                 added to every WeChat call
  --jitter-ms N                  plus a random 0..N ms
  --busy-rate R                  share of calls answered {"errcode":-1} (0..1)
  --http5xx-rate R               share answered HTTP 503
  --reset-rate R                 share whose connection is dropped unanswered
  --truncated-json-rate R        share whose JSON answer is cut short
  --seed N                       seed of the fault dice (repeatable runs)
  --max-entries N                entries kept per store (default 50000)
  --logins-per-user-per-minute N jscode2session limit per openid (default 100; 0 = none)
  --help                         this text

Environment:
  SANDBOX_APPS=APPID:SECRET,...  more mini programs, as --app (listed before the --app ones)`;

const NUMBER_FLAGS = {
  port: { min: 0, max: 65535, integer: true },
  'token-ttl-seconds': { min: 1, max: SETTING_BOUNDS.maxTokenTtlSeconds, integer: true },
  'latency-ms': { min: 0, max: SETTING_BOUNDS.maxDelayMs, integer: false },
  'jitter-ms': { min: 0, max: SETTING_BOUNDS.maxDelayMs, integer: false },
  'busy-rate': { min: 0, max: 1, integer: false },
  'http5xx-rate': { min: 0, max: 1, integer: false },
  'reset-rate': { min: 0, max: 1, integer: false },
  'truncated-json-rate': { min: 0, max: 1, integer: false },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  'max-entries': { min: 1, max: 10_000_000, integer: true },
  'logins-per-user-per-minute': { min: 0, max: 1_000_000, integer: true },
} as const;

type NumberFlag = keyof typeof NUMBER_FLAGS;

const FAULT_FLAGS: Record<string, keyof FaultSettings> = {
  'latency-ms': 'latencyMs',
  'jitter-ms': 'jitterMs',
  'busy-rate': 'busyRate',
  'http5xx-rate': 'http5xxRate',
  'reset-rate': 'resetRate',
  'truncated-json-rate': 'truncatedJsonRate',
};

function numberOf(flag: NumberFlag, text: string): number {
  const { min, max, integer } = NUMBER_FLAGS[flag];
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new CliUsageError(
      `--${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not '${text}'`,
    );
  }
  return value;
}

/** An app's appid as --app and SANDBOX_APPS take it (WeChat's appids start with wx). */
const CLI_APP_ID = /^wx[0-9A-Za-z_-]{1,62}$/;

/** One APPID:SECRET (the secret may hold ':'). Errors name where it came from and the appid, never the secret. */
function appOf(pair: string, where: string): SandboxApp {
  const colon = pair.indexOf(':');
  if (colon < 0) throw new CliUsageError(`${where} must be APPID:SECRET (no ':' found)`);
  const appId = pair.slice(0, colon).trim();
  const appSecret = pair.slice(colon + 1);
  if (!CLI_APP_ID.test(appId)) {
    throw new CliUsageError(
      `${where}: appid '${appId}' must start with wx and be 3-64 characters of 0-9 A-Z a-z _ -`,
    );
  }
  if (appSecret.trim() === '') throw new CliUsageError(`${where}: the secret of ${appId} is empty`);
  return { appId, appSecret };
}

/** SANDBOX_APPS: "appid:secret,appid:secret" (blank = none). */
function appsOfEnv(text: string | undefined): SandboxApp[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((entry, i) => {
    if (entry.trim() === '') throw new CliUsageError(`SANDBOX_APPS entry ${i + 1} is empty`);
    return appOf(entry.trim(), `SANDBOX_APPS entry ${i + 1}`);
  });
}

export type CliCommand = { kind: 'help' } | { kind: 'serve'; options: SandboxOptions };

/**
 * Turns argv (without node and the script) and the environment (SANDBOX_APPS) into sandbox options;
 * throws CliUsageError on any mistake.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliCommand {
  const stringFlags = Object.fromEntries(
    Object.keys(NUMBER_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...stringFlags,
        host: { type: 'string' },
        'app-id': { type: 'string' },
        'app-secret': { type: 'string' },
        'extra-app': { type: 'string', multiple: true },
        app: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new CliUsageError(`unknown option ${unknown[1]} (see --help)`);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (positional) throw new CliUsageError(`unexpected argument '${positional[1]}' (see --help)`);
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw new CliUsageError(`${missing[1]} needs a value`);
    throw new CliUsageError(message.split('\n')[0]!);
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return { kind: 'help' };

  const options: SandboxOptions = { port: 4001 };
  const faults: Partial<FaultSettings> = {};
  for (const flag of Object.keys(NUMBER_FLAGS) as NumberFlag[]) {
    const text = values[flag];
    if (typeof text !== 'string') continue;
    const value = numberOf(flag, text);
    const fault = FAULT_FLAGS[flag];
    if (fault) faults[fault] = value;
    else if (flag === 'port') options.port = value;
    else if (flag === 'token-ttl-seconds') options.tokenTtlSeconds = value;
    else if (flag === 'seed') options.seed = value;
    else if (flag === 'max-entries') options.limits = { ...options.limits, maxEntries: value };
    else options.limits = { ...options.limits, loginsPerUserPerMinute: value };
  }
  if (Object.keys(faults).length > 0) options.faults = faults;
  if (typeof values.host === 'string') options.host = values.host;
  if (typeof values['app-id'] === 'string') options.appId = values['app-id'];
  if (typeof values['app-secret'] === 'string') options.appSecret = values['app-secret'];
  const extraApps: SandboxApp[] = appsOfEnv(env.SANDBOX_APPS);
  for (const pair of (values.app as string[] | undefined) ?? []) extraApps.push(appOf(pair, '--app'));
  for (const pair of (values['extra-app'] as string[] | undefined) ?? []) {
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1) {
      throw new CliUsageError(`--extra-app must be APPID:SECRET, not '${pair}'`);
    }
    extraApps.push({ appId: pair.slice(0, colon), appSecret: pair.slice(colon + 1) });
  }
  const seen = new Set([options.appId ?? 'wx_sandbox_app']);
  for (const app of extraApps) {
    if (seen.has(app.appId)) throw new CliUsageError(`appid ${app.appId} is given twice`);
    seen.add(app.appId);
  }
  if (extraApps.length > 0) options.extraApps = extraApps;
  return { kind: 'serve', options };
}
