import {
  DEFAULT_ALTERNATIVE_LABEL,
  MINORS_POLICIES,
  type MinorsPolicy,
  parseAlternative,
  type VerificationAlternative,
} from '@facegate/domain';
import type { AddressClass } from '../infrastructure/network/ip-address-class';
import { classifyHost } from '../infrastructure/network/ip-address-class';
import { DEFAULT_PRODUCTION_WEBHOOK_PORTS } from '../infrastructure/webhooks/webhook-url-policy';
import { type ConfiguredApp, loadAppsFile } from './apps-file';
import { resolveDataDir } from './data-dir';
import {
  ConfigError,
  type Env,
  read,
  readBoolean,
  readBounded,
  readNonNegativeInt,
  readPort,
  readPortList,
  readPositiveInt,
  readProduction,
} from './env';
import { readSecret, readSecretFallbacks } from './secret-strength';

export type FaceProtocol = 'LEGACY' | 'V2';

/** The gateway's settings, read once from the environment (see the table in the README). */
export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Both WeChat credentials unset: the bundled sandbox is started in-process and used. */
  readonly sandboxMode: boolean;
  readonly sandboxPort: number;
  /**
   * Where the in-process sandbox listens: loopback whatever HOST is, since its device routes hand out
   * login codes for any openid. SANDBOX_HOST
   */
  readonly sandboxHost: string;
  /**
   * WeChat's API, and the `default` app's credentials (WECHAT_APP_ID / WECHAT_APP_SECRET; null when only the
   * apps file defines apps). Null in sandbox mode.
   */
  readonly wechat: {
    readonly appId: string | null;
    readonly appSecret: string | null;
    readonly apiBaseUrl: string;
  } | null;
  /** Enabled flows, in order of preference: the first is the default. */
  readonly faceProtocols: readonly FaceProtocol[];
  /**
   * FACEGATE_APPS_FILE's apps. The `default` app comes from `wechat` (or the sandbox), and apps added with
   * `facegate apps add` live in the database and join them at run time (application/apps/app-catalog.ts).
   */
  readonly apps: readonly ConfiguredApp[];
  /** FACEGATE_APPS_FILE, when given. */
  readonly appsFile: string | null;
  /** How often each instance re-reads the apps kept in the database. FACEGATE_APPS_REFRESH_MS */
  readonly appsRefreshMs: number;
  /** 'postgres://...', 'memory:' or null (embedded PGlite in dataDir). */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Null only in sandbox mode, where one is generated into dataDir at start-up. */
  readonly secret: string | null;
  /** FACEGATE_SECRET_FALLBACKS: the secrets FACEGATE_SECRET replaces, still accepted while a rotation runs. */
  readonly secretFallbacks: readonly string[];
  /** NODE_ENV=production; NODE_ENV may otherwise only be development, test or unset. */
  readonly production: boolean;
  /**
   * FACEGATE_UNSAFE_LOOPBACK_WECHAT=true: production lets WECHAT_API_BASE_URL point at this machine or a
   * private network (load tests against a stand-in). Logged as a warning and shown on the console's System page.
   */
  readonly unsafeLoopbackWeChat: boolean;
  /**
   * The ports a webhook URL may name; null = any. FACEGATE_WEBHOOK_ALLOWED_PORTS (production default 443, 8443;
   * unrestricted outside production unless set)
   */
  readonly webhookAllowedPorts: readonly number[] | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Log lines buffered and written to stdout asynchronously, flushed when the process exits, a fatal error
   * included (LOG_ASYNC=true). By default each line is one synchronous write: the A/B of the third performance
   * pass did not show the buffered writes cheaper (docs/performance.md).
   */
  readonly logAsync?: boolean;
  readonly sweepIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly limits: RequestLimits;
  /**
   * Connections the WeChat client may keep open. Each confirmation holds one for the whole upstream call,
   * so this caps throughput at connections / upstream latency. WECHAT_MAX_CONNECTIONS
   */
  readonly upstreamConnections: number;
  /** PostgreSQL connections per instance (not used by the embedded database). DATABASE_POOL_SIZE */
  readonly databasePoolSize: number;
  /** How often each instance reads new outbox events (subscriptions, webhooks). FACEGATE_OUTBOX_POLL_MS */
  readonly outboxPollMs: number;
  /** Delivered webhooks and dispatched outbox events are pruned after this. FACEGATE_WEBHOOK_RETENTION_DAYS */
  readonly webhookRetentionMs: number;
  readonly console: ConsoleSettings;
  readonly privacy: PrivacySettings;
  /** PostgreSQL: a statement running longer is cancelled. DATABASE_STATEMENT_TIMEOUT_MS */
  readonly databaseStatementTimeoutMs: number;
  /** PostgreSQL: opening a connection, or waiting for a free one in the pool. DATABASE_CONNECT_TIMEOUT_MS */
  readonly databaseConnectTimeoutMs: number;
  /**
   * The embedded database runs in a worker thread of its own, off the event loop that serves requests;
   * false (the default) runs it on that event loop. PGLITE_WORKER
   */
  readonly pgliteWorker: boolean;
  /**
   * Where /metrics is served. null: on the API port (development only). In production it is never on the
   * API port: METRICS_PORT (default 9464) on METRICS_HOST (default 127.0.0.1).
   */
  readonly metrics: { readonly port: number; readonly host: string } | null;
  readonly http: HttpSettings;
  readonly subscriptions: SubscriptionLimits;
  /** Origins allowed to call the API from a browser; empty = no CORS headers at all. FACEGATE_CORS_ORIGINS */
  readonly corsOrigins: readonly string[];
  readonly audit: AuditSettings;
  /** The names of the settings given in the environment (never their values): recorded at start-up. */
  readonly settingsGiven: readonly string[];
}

/** The audit trail (application/audit). */
export interface AuditSettings {
  /** Whole segments older than this are removed (and the removal recorded). FACEGATE_AUDIT_RETENTION_DAYS (3 years) */
  readonly retentionMs: number;
  /** A checkpoint signs the chain's head this often (when anything is new). FACEGATE_AUDIT_CHECKPOINT_MINUTES */
  readonly checkpointEveryMs: number;
  /** Recorded events wait in memory at most this long before they are appended. FACEGATE_AUDIT_FLUSH_MS */
  readonly flushMs: number;
}

/** The operator console at /console (gateway/src/console). */
export interface ConsoleSettings {
  /** FACEGATE_CONSOLE: true (default) or false. */
  readonly enabled: boolean;
  /**
   * Failed API-key attempts a client address may make per minute before every key it presents is refused
   * for the rest of the minute. FACEGATE_RATE_LIMIT_IP_KEY_FAILURES_PER_MINUTE
   */
  readonly keyFailuresPerMinute: number;
  /**
   * Console requests reading the database at once, per instance (each API key: one at a time; others wait
   * briefly, then RATE_LIMITED); on PostgreSQL also the size of the console's own pool, apart from
   * DATABASE_POOL_SIZE. FACEGATE_CONSOLE_MAX_QUERIES
   */
  readonly maxQueries: number;
}

/** Socket-level limits of the API server (Node's defaults are 60 s / 300 s / unlimited). */
export interface HttpSettings {
  /** Time to receive the request headers. HTTP_HEADERS_TIMEOUT_MS */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request (not the answer: subscriptions stay open). HTTP_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs: number;
  /** Open connections per instance; more are refused at accept. HTTP_MAX_CONNECTIONS */
  readonly maxConnections: number;
}

/** Open verificationUpdated subscriptions; each costs a database read per change. */
export interface SubscriptionLimits {
  /** FACEGATE_MAX_SUBSCRIPTIONS */
  readonly perInstance: number;
  /** Per user (openid) or API key. FACEGATE_MAX_SUBSCRIPTIONS_PER_CALLER */
  readonly perCaller: number;
}

/**
 * Abuse limits, counted in fixed windows shared by every instance on the database. Production defaults
 * follow Tencent FaceID's own (15 a minute and 30 a day per ID number, 20 a day per user); outside
 * production every default is 100 times larger, so load tests and demos are not throttled.
 */
export interface RateLimitSettings {
  /**
   * Validated startVerification per ID number and openid (keyed by HMACs), so strangers cannot use up a
   * user's allowance for their own number. FACEGATE_RATE_LIMIT_ID_NUMBER_PER_MINUTE
   */
  readonly idNumberPerMinute: number;
  /** FACEGATE_RATE_LIMIT_ID_NUMBER_PER_DAY */
  readonly idNumberPerDay: number;
  /**
   * Face or identity mismatches WeChat judged per ID number a day, all users together; past it the openids
   * and addresses that produced them are refused for that number (never the number itself, see
   * StartAdmission). FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY
   */
  readonly idNumberMismatchesPerDay: number;
  /** startVerification per openid (the user being verified). FACEGATE_RATE_LIMIT_OPENID_PER_DAY */
  readonly openidPerDay: number;
  /** startVerification per client address. FACEGATE_RATE_LIMIT_IP_START_PER_MINUTE */
  readonly ipStartPerMinute: number;
  /** signIn per client address (many users may share a NAT). FACEGATE_RATE_LIMIT_IP_SIGN_IN_PER_MINUTE */
  readonly ipSignInPerMinute: number;
  /** confirmVerification per client address. FACEGATE_RATE_LIMIT_IP_CONFIRM_PER_MINUTE */
  readonly ipConfirmPerMinute: number;
}

export interface RequestLimits {
  /** Larger bodies are refused with 413 before parsing. FACEGATE_MAX_BODY_BYTES */
  readonly maxBodyBytes: number;
  /**
   * Users and anonymous callers may only run the mini program's operations (persisted-operations.json);
   * services with a valid API key may still send any document. FACEGATE_PERSISTED_OPERATIONS_ONLY
   */
  readonly persistedOperationsOnly: boolean;
  /**
   * How many reverse proxies in front of the gateway append to X-Forwarded-For; 0 = use the socket's
   * address and ignore the header (it is client-controlled). FACEGATE_TRUSTED_PROXY_HOPS
   */
  readonly trustedProxyHops: number;
  readonly rate: RateLimitSettings;
}

/** Production defaults; outside production each is multiplied by DEVELOPMENT_RATE_FACTOR. */
export const PRODUCTION_RATE_LIMITS: RateLimitSettings = {
  idNumberPerMinute: 15,
  idNumberPerDay: 30,
  idNumberMismatchesPerDay: 10,
  openidPerDay: 20,
  ipStartPerMinute: 60,
  ipSignInPerMinute: 600,
  ipConfirmPerMinute: 120,
};
export const DEVELOPMENT_RATE_FACTOR = 100;

const RATE_LIMIT_VARIABLES: Record<keyof RateLimitSettings, string> = {
  idNumberPerMinute: 'FACEGATE_RATE_LIMIT_ID_NUMBER_PER_MINUTE',
  idNumberPerDay: 'FACEGATE_RATE_LIMIT_ID_NUMBER_PER_DAY',
  idNumberMismatchesPerDay: 'FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY',
  openidPerDay: 'FACEGATE_RATE_LIMIT_OPENID_PER_DAY',
  ipStartPerMinute: 'FACEGATE_RATE_LIMIT_IP_START_PER_MINUTE',
  ipSignInPerMinute: 'FACEGATE_RATE_LIMIT_IP_SIGN_IN_PER_MINUTE',
  ipConfirmPerMinute: 'FACEGATE_RATE_LIMIT_IP_CONFIRM_PER_MINUTE',
};
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Rate-limit settings that no longer exist, and why: set, they stop start-up rather than be ignored. */
const REMOVED_RATE_LIMIT_VARIABLES: Record<string, string> = {
  FACEGATE_RATE_LIMIT_ID_NUMBER_GLOBAL_PER_DAY:
    'was removed: it capped bare starts per ID number, which let strangers lock the owner out; the number is now guarded by FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY (face or identity mismatches a day, default 10), so unset it',
};

function readLimits(env: Env, production: boolean): RequestLimits {
  for (const [variable, why] of Object.entries(REMOVED_RATE_LIMIT_VARIABLES)) {
    if (read(env, variable) !== undefined) throw new ConfigError(variable, why);
  }
  const factor = production ? 1 : DEVELOPMENT_RATE_FACTOR;
  const rate = Object.fromEntries(
    (Object.keys(RATE_LIMIT_VARIABLES) as (keyof RateLimitSettings)[]).map((k) => [
      k,
      readPositiveInt(env, RATE_LIMIT_VARIABLES[k], PRODUCTION_RATE_LIMITS[k] * factor),
    ]),
  ) as unknown as RateLimitSettings;
  const maxBodyBytes = readPositiveInt(env, 'FACEGATE_MAX_BODY_BYTES', 64 * 1024);
  if (maxBodyBytes < 1024 || maxBodyBytes > 10 * 1024 * 1024) {
    throw new ConfigError('FACEGATE_MAX_BODY_BYTES', 'must be between 1024 and 10485760 bytes');
  }
  return {
    maxBodyBytes,
    persistedOperationsOnly: readBoolean(env, 'FACEGATE_PERSISTED_OPERATIONS_ONLY'),
    trustedProxyHops: readNonNegativeInt(env, 'FACEGATE_TRUSTED_PROXY_HOPS', 0, 10),
    rate,
  };
}

function readCorsOrigins(env: Env): string[] {
  const raw = read(env, 'FACEGATE_CORS_ORIGINS');
  if (raw === undefined) return [];
  const origins: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    let url: URL | null = null;
    try {
      url = new URL(part);
    } catch {
      url = null;
    }
    // an origin exactly: scheme, host and port, nothing else ("*" is not accepted: it would let any page in)
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== part) {
      throw new ConfigError(
        'FACEGATE_CORS_ORIGINS',
        `must be a comma-separated list of origins such as https://admin.example.com, got "${part}"`,
      );
    }
    origins.push(url.origin);
  }
  return origins;
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

export function describeAddress(found: AddressClass): string {
  return `${found.address} (${found.range})`;
}

export function refuseWeChatUrl(why: string): never {
  throw new ConfigError(
    'WECHAT_API_BASE_URL',
    `${why}, which is not WeChat; NODE_ENV=production needs the real API (unset it for https://api.weixin.qq.com; FACEGATE_UNSAFE_LOOPBACK_WECHAT=true is for load tests against a stand-in only)`,
  );
}

/** Where the data is, for banners and CLI output: never a user name or password. */
export function describeDatabase(config: Pick<GatewayConfig, 'databaseUrl' | 'dataDir'>): string {
  if (config.databaseUrl === null) return `embedded (PGlite) in ${config.dataDir}`;
  if (config.databaseUrl === 'memory:') return 'in memory (gone when the process exits)';
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.host}${url.pathname}`;
}

/** Reads and checks every setting; throws ConfigError for the first bad one. */
/** Consent, minors, the alternative to the face, retention (docs/compliance.md). */
export interface PrivacySettings {
  /** Under 14: refused, or allowed with a guardian's consent to a guardian text. FACEGATE_MINORS */
  readonly minors: MinorsPolicy;
  /** The other way to verify, offered beside the face. FACEGATE_ALTERNATIVE (+ FACEGATE_ALTERNATIVE_LABEL) */
  readonly alternative: VerificationAlternative | null;
  /** Whom to contact when no alternative is configured. FACEGATE_ALTERNATIVE_CONTACT */
  readonly contact: string | null;
  /** Ended sessions are redacted after this many days. FACEGATE_RETENTION_DAYS (1-3650, default 30) */
  readonly retentionDays: number;
  /** Consent receipts are kept this many days, after redaction too. FACEGATE_CONSENT_RETENTION_DAYS (default 1095) */
  readonly consentRetentionDays: number;
}

function readPrivacy(env: Env): PrivacySettings {
  const minors = read(env, 'FACEGATE_MINORS') ?? 'refuse';
  if (!(MINORS_POLICIES as readonly string[]).includes(minors)) {
    throw new ConfigError(
      'FACEGATE_MINORS',
      `must be refuse or guardian, got ${JSON.stringify(minors.slice(0, 32))}`,
    );
  }
  const target = read(env, 'FACEGATE_ALTERNATIVE');
  const label = read(env, 'FACEGATE_ALTERNATIVE_LABEL') ?? DEFAULT_ALTERNATIVE_LABEL;
  let alternative: VerificationAlternative | null = null;
  if (target !== undefined) {
    const parsed = parseAlternative(target, label);
    if (!parsed.ok) {
      throw new ConfigError(
        'FACEGATE_ALTERNATIVE',
        `${parsed.error}; give a mini program page path such as /pages/counter/index or an https URL`,
      );
    }
    alternative = parsed.value;
  } else if (read(env, 'FACEGATE_ALTERNATIVE_LABEL') !== undefined) {
    throw new ConfigError('FACEGATE_ALTERNATIVE_LABEL', 'is set without FACEGATE_ALTERNATIVE');
  }
  const contact = read(env, 'FACEGATE_ALTERNATIVE_CONTACT') ?? null;
  if (contact !== null && contact.length > 200) {
    throw new ConfigError('FACEGATE_ALTERNATIVE_CONTACT', 'must be at most 200 characters');
  }
  return {
    minors: minors as MinorsPolicy,
    alternative,
    contact,
    retentionDays: readBounded(env, 'FACEGATE_RETENTION_DAYS', 30, 1, 3650),
    consentRetentionDays: readBounded(env, 'FACEGATE_CONSENT_RETENTION_DAYS', 3 * 365, 1, 36500),
  };
}

export function loadConfig(env: Env = process.env, dataDirBase?: string): GatewayConfig {
  const port = readPort(env, 'PORT', 4000);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const sandboxPort = readPort(env, 'SANDBOX_PORT', 4001);

  const appId = read(env, 'WECHAT_APP_ID');
  const appSecret = read(env, 'WECHAT_APP_SECRET');
  const production = readProduction(env);
  // Production never runs the sandbox: its device routes hand out login codes for any openid and pass
  // every face check, so a missing credential must stop start-up rather than fall back to it.
  const appsFile = read(env, 'FACEGATE_APPS_FILE') ?? null;
  // Production never runs the sandbox: its device routes hand out login codes for any openid and pass
  // every face check, so a missing credential must stop start-up rather than fall back to it.
  if (production && appId === undefined && appsFile === null) {
    throw new ConfigError(
      'WECHAT_APP_ID',
      'is required when NODE_ENV=production, unless FACEGATE_APPS_FILE defines the apps (the bundled sandbox is for development only)',
    );
  }
  if (production && appId !== undefined && appSecret === undefined) {
    throw new ConfigError(
      'WECHAT_APP_SECRET',
      'is required when NODE_ENV=production (the bundled sandbox is for development only)',
    );
  }
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
  // sandbox mode: no WeChat credentials at all, outside production (the apps file's apps then run in the sandbox)
  const sandboxMode = appId === undefined && !production;
  const faceProtocols = readProtocols(env);
  const apps = appsFile === null ? [] : loadAppsFile(appsFile, env, sandboxMode, new Date());
  for (const app of apps) {
    if ((appId !== undefined || sandboxMode) && app.id === 'default')
      throw new ConfigError('FACEGATE_APPS_FILE', `${appsFile}: the app id "default" is WECHAT_APP_ID's`);
    if (app.appId === appId)
      throw new ConfigError('FACEGATE_APPS_FILE', `${appsFile}: "${app.id}" has WECHAT_APP_ID's appid`);
  }
  const apiBaseUrl = readBaseUrl(env);
  // A load test of the production build needs a stand-in WeChat on this machine; only an explicit,
  // unmistakable opt-in allows it (sandbox mode itself, with no credentials, stays refused above).
  const unsafeLoopbackWeChat = readBoolean(env, 'FACEGATE_UNSAFE_LOOPBACK_WECHAT');
  if (production && !unsafeLoopbackWeChat) {
    const url = new URL(apiBaseUrl);
    const urlPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    if (urlPort === sandboxPort) refuseWeChatUrl(`uses SANDBOX_PORT (${sandboxPort})`);
    // decided on the parsed address: [::ffff:7f00:1], 127.1 and localhost. are all this machine. A host
    // name is resolved at start-up by checkWeChatHost.
    const known = classifyHost(url.hostname);
    if (known !== null && !known.public) refuseWeChatUrl(`points at ${describeAddress(known)}`);
  }

  const secret = readSecret(env, !sandboxMode || production);
  const secretFallbacks = readSecretFallbacks(env, secret);

  const dataDir = resolveDataDir(env, dataDirBase);

  const logLevelRaw = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelRaw}"`);
  }

  const metricsPortRaw = read(env, 'METRICS_PORT');
  const metrics =
    production || metricsPortRaw !== undefined
      ? { port: readPort(env, 'METRICS_PORT', 9464), host: read(env, 'METRICS_HOST') ?? '127.0.0.1' }
      : null;
  if (metrics !== null && metrics.port === port && metrics.port !== 0) {
    throw new ConfigError(
      'METRICS_PORT',
      'must differ from PORT (/metrics is for operators, not the API port)',
    );
  }

  return {
    port,
    host,
    sandboxMode,
    sandboxPort,
    sandboxHost: read(env, 'SANDBOX_HOST') ?? '127.0.0.1',
    wechat: sandboxMode ? null : { appId: appId ?? null, appSecret: appSecret ?? null, apiBaseUrl },
    faceProtocols,
    apps,
    appsFile,
    appsRefreshMs: readBounded(env, 'FACEGATE_APPS_REFRESH_MS', 10_000, 1_000, 3_600_000),
    databaseUrl: readDatabaseUrl(env),
    dataDir,
    secret,
    secretFallbacks,
    production,
    unsafeLoopbackWeChat,
    webhookAllowedPorts:
      readPortList(env, 'FACEGATE_WEBHOOK_ALLOWED_PORTS') ??
      (production ? [...DEFAULT_PRODUCTION_WEBHOOK_PORTS] : null),
    limits: readLimits(env, production),
    logLevel: logLevelRaw as GatewayConfig['logLevel'],
    logAsync: readBoolean(env, 'LOG_ASYNC'),
    sweepIntervalMs: readPositiveInt(env, 'SWEEP_INTERVAL_MS', 60_000),
    shutdownTimeoutMs: readPositiveInt(env, 'SHUTDOWN_TIMEOUT_MS', 10_000),
    upstreamConnections: readBounded(env, 'WECHAT_MAX_CONNECTIONS', 512, 1, 10_000),
    databasePoolSize: readBounded(env, 'DATABASE_POOL_SIZE', 10, 1, 1_000),
    outboxPollMs: readBounded(env, 'FACEGATE_OUTBOX_POLL_MS', 200, 20, 1_000),
    webhookRetentionMs: readBounded(env, 'FACEGATE_WEBHOOK_RETENTION_DAYS', 7, 1, 3650) * 24 * 3600_000,
    console: {
      enabled: read(env, 'FACEGATE_CONSOLE') === undefined ? true : readBoolean(env, 'FACEGATE_CONSOLE'),
      keyFailuresPerMinute: readPositiveInt(
        env,
        'FACEGATE_RATE_LIMIT_IP_KEY_FAILURES_PER_MINUTE',
        production ? 10 : 10 * DEVELOPMENT_RATE_FACTOR,
      ),
      maxQueries: readBounded(env, 'FACEGATE_CONSOLE_MAX_QUERIES', 2, 1, 32),
    },
    privacy: readPrivacy(env),
    databaseStatementTimeoutMs: readBounded(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    databaseConnectTimeoutMs: readBounded(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    pgliteWorker: readBoolean(env, 'PGLITE_WORKER'),
    metrics,
    http: {
      headersTimeoutMs: readBounded(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1_000, 600_000),
      requestTimeoutMs: readBounded(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 1_000, 3_600_000),
      maxConnections: readBounded(env, 'HTTP_MAX_CONNECTIONS', 2_000, 1, 1_000_000),
    },
    subscriptions: {
      perInstance: readBounded(env, 'FACEGATE_MAX_SUBSCRIPTIONS', 1_000, 1, 1_000_000),
      perCaller: readBounded(env, 'FACEGATE_MAX_SUBSCRIPTIONS_PER_CALLER', 10, 1, 10_000),
    },
    corsOrigins: readCorsOrigins(env),
    audit: {
      retentionMs: readBounded(env, 'FACEGATE_AUDIT_RETENTION_DAYS', 3 * 365, 1, 36_500) * 24 * 3600_000,
      checkpointEveryMs: readBounded(env, 'FACEGATE_AUDIT_CHECKPOINT_MINUTES', 5, 1, 1_440) * 60_000,
      flushMs: readBounded(env, 'FACEGATE_AUDIT_FLUSH_MS', 1_000, 10, 60_000),
    },
    settingsGiven: settingsGiven(env),
  };
}

/** Prefixes of the variables loadConfig reads (PORT, HOST and NODE_ENV besides). */
const SETTING_PREFIXES = ['FACEGATE_', 'WECHAT_', 'DATABASE_', 'HTTP_', 'METRICS_', 'SANDBOX_'];
const SETTING_NAMES = [
  'PORT',
  'HOST',
  'NODE_ENV',
  'DATA_DIR',
  'LOG_LEVEL',
  'SWEEP_INTERVAL_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'PGLITE_WORKER',
];

/**
 * The names (never the values) of the settings given in the environment, i.e. differing from their defaults:
 * what start-up records in the audit trail.
 */
export function settingsGiven(env: Env): string[] {
  return Object.keys(env)
    .filter(
      (name) =>
        read(env, name) !== undefined &&
        (SETTING_NAMES.includes(name) || SETTING_PREFIXES.some((prefix) => name.startsWith(prefix))),
    )
    .sort();
}
