import { isAbsolute, resolve } from 'node:path';

export type FaceProtocol = 'LEGACY' | 'V2';

/** The gateway's settings, read once from the environment (see the table in the README). */
export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Both WeChat credentials unset: the bundled sandbox is started in-process and used. */
  readonly sandboxMode: boolean;
  readonly sandboxPort: number;
  readonly wechat: { readonly appId: string; readonly appSecret: string; readonly apiBaseUrl: string } | null;
  /** Enabled flows, in order of preference: the first is the default. */
  readonly faceProtocols: readonly FaceProtocol[];
  /** 'postgres://...', 'memory:' or null (embedded PGlite in dataDir). */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Null only in sandbox mode, where one is generated into dataDir at start-up. */
  readonly secret: string | null;
  readonly production: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly sweepIntervalMs: number;
  readonly shutdownTimeoutMs: number;
}

/** A bad or missing setting. The message is one line, names the variable and never echoes a secret. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const MIN_SECRET_LENGTH = 32;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Empty strings count as unset, so `FOO= facegate` behaves like no FOO at all. */
function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new ConfigError(name, `must be a port number 0-65535, got "${raw}"`);
  }
  return Number(raw);
}

function readPositiveInt(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new ConfigError(name, `must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}

function readProtocols(env: Env): FaceProtocol[] {
  const raw = read(env, 'WECHAT_FACE_PROTOCOLS') ?? 'v2,legacy';
  const protocols: FaceProtocol[] = [];
  for (const part of raw.split(',').map((p) => p.trim().toLowerCase())) {
    const protocol = part === 'v2' ? 'V2' : part === 'legacy' ? 'LEGACY' : null;
    if (protocol === null) {
      throw new ConfigError('WECHAT_FACE_PROTOCOLS', `must be "v2", "legacy" or "v2,legacy", got "${raw}"`);
    }
    if (!protocols.includes(protocol)) protocols.push(protocol);
  }
  return protocols;
}

function readBaseUrl(env: Env): string {
  const raw = read(env, 'WECHAT_API_BASE_URL') ?? 'https://api.weixin.qq.com';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('WECHAT_API_BASE_URL', `must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('WECHAT_API_BASE_URL', `must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

function readDatabaseUrl(env: Env): string | null {
  const raw = read(env, 'DATABASE_URL');
  if (raw === undefined) return null;
  if (raw === 'memory:') return raw;
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
      return raw;
    } catch {
      // fall through to the error below; the URL may hold a password, so it is not echoed
    }
  }
  throw new ConfigError(
    'DATABASE_URL',
    'must be a postgres:// URL or "memory:" (leave it unset for the embedded database in DATA_DIR)',
  );
}

/** Reads and checks every setting; throws ConfigError for the first bad one. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): GatewayConfig {
  const port = readPort(env, 'PORT', 4000);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const sandboxPort = readPort(env, 'SANDBOX_PORT', 4001);

  const appId = read(env, 'WECHAT_APP_ID');
  const appSecret = read(env, 'WECHAT_APP_SECRET');
  if (appId !== undefined && appSecret === undefined) {
    throw new ConfigError(
      'WECHAT_APP_SECRET',
      'is required when WECHAT_APP_ID is set (unset both for sandbox mode)',
    );
  }
  if (appSecret !== undefined && appId === undefined) {
    throw new ConfigError(
      'WECHAT_APP_ID',
      'is required when WECHAT_APP_SECRET is set (unset both for sandbox mode)',
    );
  }
  if (appId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(appId)) {
    throw new ConfigError('WECHAT_APP_ID', 'must be a mini program AppID such as wx0123456789abcdef');
  }
  const sandboxMode = appId === undefined;
  const apiBaseUrl = readBaseUrl(env);

  const secret = read(env, 'FACEGATE_SECRET') ?? null;
  if (secret === null && !sandboxMode) {
    throw new ConfigError(
      'FACEGATE_SECRET',
      `is required outside sandbox mode (at least ${MIN_SECRET_LENGTH} characters, e.g. from \`openssl rand -base64 48\`)`,
    );
  }
  if (secret !== null && secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('FACEGATE_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters long`);
  }

  const dataDirRaw = read(env, 'DATA_DIR') ?? '.facegate';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);

  const logLevelRaw = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelRaw}"`);
  }
  const nodeEnv = read(env, 'NODE_ENV');

  return {
    port,
    host,
    sandboxMode,
    sandboxPort,
    wechat: sandboxMode ? null : { appId: appId!, appSecret: appSecret!, apiBaseUrl },
    faceProtocols: readProtocols(env),
    databaseUrl: readDatabaseUrl(env),
    dataDir,
    secret,
    production: nodeEnv === 'production',
    logLevel: logLevelRaw as GatewayConfig['logLevel'],
    sweepIntervalMs: readPositiveInt(env, 'SWEEP_INTERVAL_MS', 60_000),
    shutdownTimeoutMs: readPositiveInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
  };
}
