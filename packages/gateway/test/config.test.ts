import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findProjectRoot, resolveDataDir } from '../src/config/data-dir';
import { ConfigError } from '../src/config/env';
import { describeDatabase, loadConfig } from '../src/config/load-config';
import { checkWeChatHost, type HostLookup } from '../src/config/startup-checks';

/** Random (base64url of 36 bytes): a low-entropy secret is refused. */
const SECRET = '_6F7gg1UGL-gbN83XFohDS26rmozEnGlg4WXAOhdPN0NnNfu';
/** The least a production deployment needs. */
const PRODUCTION = {
  NODE_ENV: 'production',
  WECHAT_APP_ID: 'wx123',
  WECHAT_APP_SECRET: 'abc',
  FACEGATE_SECRET: SECRET,
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to sandbox mode on 127.0.0.1:4000 with PGlite in .facegate/', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      sandboxMode: true,
      sandboxPort: 4001,
      wechat: null,
      faceProtocols: ['V2', 'LEGACY'],
      databaseUrl: null,
      dataDir: '/srv/app/.facegate',
      secret: null,
      production: false,
    });
  });

  it('uses real WeChat when both credentials are set, and then requires FACEGATE_SECRET', () => {
    expect(errorOf({ WECHAT_APP_ID: 'wx123', WECHAT_APP_SECRET: 'abc' }).variable).toBe('FACEGATE_SECRET');
    const config = loadConfig(
      {
        WECHAT_APP_ID: 'wx123',
        WECHAT_APP_SECRET: 'abc',
        FACEGATE_SECRET: SECRET,
        WECHAT_API_BASE_URL: 'http://127.0.0.1:9/',
      },
      '/srv/app',
    );
    expect(config.sandboxMode).toBe(false);
    expect(config.wechat).toEqual({ appId: 'wx123', appSecret: 'abc', apiBaseUrl: 'http://127.0.0.1:9' });
  });

  it('refuses one WeChat credential without the other, naming the missing one', () => {
    expect(errorOf({ WECHAT_APP_ID: 'wx123' }).variable).toBe('WECHAT_APP_SECRET');
    expect(errorOf({ WECHAT_APP_SECRET: 'abc' }).variable).toBe('WECHAT_APP_ID');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SANDBOX_PORT: '-1' }, 'SANDBOX_PORT'],
    [{ WECHAT_FACE_PROTOCOLS: 'v3' }, 'WECHAT_FACE_PROTOCOLS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ FACEGATE_SECRET: 'short' }, 'FACEGATE_SECRET'],
    [{ WECHAT_API_BASE_URL: 'ftp://x' }, 'WECHAT_API_BASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('rejects %o naming %s in one line', (env, variable) => {
    const error = errorOf(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('never echoes a DATABASE_URL, which may hold a password', () => {
    expect(errorOf({ DATABASE_URL: 'mysql://user:hunter2@db/x' }).message).not.toContain('hunter2');
  });

  it('reads protocol order, memory databases and production mode', () => {
    const config = loadConfig(
      {
        WECHAT_FACE_PROTOCOLS: 'legacy',
        DATABASE_URL: 'memory:',
        ...PRODUCTION,
        DATA_DIR: '/tmp/fg',
      },
      '/srv/app',
    );
    expect(config.faceProtocols).toEqual(['LEGACY']);
    expect(config.databaseUrl).toBe('memory:');
    expect(config.production).toBe(true);
    expect(config.dataDir).toBe('/tmp/fg');
  });

  it('sizes the upstream and database connection pools, within bounds', () => {
    expect(loadConfig({}, '/srv/app')).toMatchObject({ upstreamConnections: 512, databasePoolSize: 10 });
    expect(
      loadConfig({ WECHAT_MAX_CONNECTIONS: '2000', DATABASE_POOL_SIZE: '32' }, '/srv/app'),
    ).toMatchObject({ upstreamConnections: 2000, databasePoolSize: 32 });
    expect(errorOf({ WECHAT_MAX_CONNECTIONS: '0' }).variable).toBe('WECHAT_MAX_CONNECTIONS');
    expect(errorOf({ WECHAT_MAX_CONNECTIONS: '10001' }).message).toMatch(/between 1 and 10000/);
    expect(errorOf({ DATABASE_POOL_SIZE: 'many' }).variable).toBe('DATABASE_POOL_SIZE');
  });

  it('reads the outbox poll interval and the webhook retention, within bounds', () => {
    expect(loadConfig({}, '/srv/app')).toMatchObject({
      outboxPollMs: 200,
      webhookRetentionMs: 7 * 24 * 3600_000,
    });
    expect(
      loadConfig({ FACEGATE_OUTBOX_POLL_MS: '50', FACEGATE_WEBHOOK_RETENTION_DAYS: '30' }, '/srv/app'),
    ).toMatchObject({ outboxPollMs: 50, webhookRetentionMs: 30 * 24 * 3600_000 });
    // slower than a second would break the subscription latency promise
    expect(errorOf({ FACEGATE_OUTBOX_POLL_MS: '5000' }).variable).toBe('FACEGATE_OUTBOX_POLL_MS');
    expect(errorOf({ FACEGATE_OUTBOX_POLL_MS: '5' }).message).toMatch(/between 20 and 1000/);
    expect(errorOf({ FACEGATE_WEBHOOK_RETENTION_DAYS: '0' }).variable).toBe(
      'FACEGATE_WEBHOOK_RETENTION_DAYS',
    );
    expect(errorOf({ FACEGATE_WEBHOOK_RETENTION_DAYS: 'forever' }).variable).toBe(
      'FACEGATE_WEBHOOK_RETENTION_DAYS',
    );
  });
});

describe('DATA_DIR: one place whichever folder a command runs from', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

  it('finds the project root from the gateway code itself, not from the current folder', () => {
    expect(findProjectRoot()).toBe(root);
    expect(existsSync(join(root, 'pnpm-workspace.yaml'))).toBe(true);
    expect(findProjectRoot(tmpdir())).toBeNull();
  });

  it('defaults to <root>/.facegate and resolves a relative DATA_DIR against the root, from any folder', () => {
    const before = process.cwd();
    try {
      for (const folder of [root, join(root, 'packages/gateway'), tmpdir()]) {
        process.chdir(folder);
        expect(loadConfig({}).dataDir).toBe(join(root, '.facegate'));
        expect(loadConfig({ DATA_DIR: 'var/fg' }).dataDir).toBe(join(root, 'var/fg'));
        expect(loadConfig({ DATA_DIR: '/srv/fg' }).dataDir).toBe('/srv/fg');
      }
    } finally {
      process.chdir(before);
    }
  });

  it('outside a checkout: the per-user data folder by default', () => {
    expect(resolveDataDir({ XDG_DATA_HOME: '/home/op/.data' }, null)).toBe('/home/op/.data/facegate');
    expect(resolveDataDir({}, null)).toBe(join(homedir(), '.local/share/facegate'));
    expect(resolveDataDir({ DATA_DIR: '/srv/fg' }, null)).toBe('/srv/fg');
  });

  it('describes the database without credentials', () => {
    expect(describeDatabase({ databaseUrl: null, dataDir: '/srv/fg' })).toBe('embedded (PGlite) in /srv/fg');
    const pg = describeDatabase({
      databaseUrl: 'postgres://app:hunter2@db.internal:5432/facegate',
      dataDir: '/x',
    });
    expect(pg).toBe('PostgreSQL at db.internal:5432/facegate');
    expect(describeDatabase({ databaseUrl: 'memory:', dataDir: '/x' })).toMatch(/^in memory/);
  });
});

describe('loadConfig in production (NODE_ENV=production never runs the sandbox)', () => {
  const without = (name: keyof typeof PRODUCTION): Record<string, string> => {
    const { [name]: _dropped, ...rest } = PRODUCTION;
    return rest;
  };

  it('accepts the real WeChat API with both credentials and a secret', () => {
    const config = loadConfig(PRODUCTION, '/srv/app');
    expect(config.sandboxMode).toBe(false);
    expect(config.wechat?.apiBaseUrl).toBe('https://api.weixin.qq.com');
  });

  it.each([
    ['WECHAT_APP_ID', without('WECHAT_APP_ID')],
    ['WECHAT_APP_SECRET', without('WECHAT_APP_SECRET')],
    ['WECHAT_APP_ID', { NODE_ENV: 'production', FACEGATE_SECRET: SECRET }],
    ['FACEGATE_SECRET', without('FACEGATE_SECRET')],
    ['WECHAT_API_BASE_URL', { ...PRODUCTION, WECHAT_API_BASE_URL: 'http://127.0.0.1:4001' }],
    ['WECHAT_API_BASE_URL', { ...PRODUCTION, WECHAT_API_BASE_URL: 'http://localhost:9000' }],
    ['WECHAT_API_BASE_URL', { ...PRODUCTION, WECHAT_API_BASE_URL: 'http://[::1]:9000' }],
    ['WECHAT_API_BASE_URL', { ...PRODUCTION, WECHAT_API_BASE_URL: 'http://wechat-proxy.internal:4001' }],
    [
      'WECHAT_API_BASE_URL',
      { ...PRODUCTION, SANDBOX_PORT: '8443', WECHAT_API_BASE_URL: 'http://10.0.0.5:8443' },
    ],
  ])('refuses to start without %s being real: %o', (variable, env) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/production/);
  });

  it('still allows a WeChat proxy by name: its addresses are checked at start-up (checkWeChatHost, below)', async () => {
    const config = loadConfig(
      { ...PRODUCTION, WECHAT_API_BASE_URL: 'https://wx-egress.example.com' },
      '/srv/app',
    );
    expect(config.wechat?.apiBaseUrl).toBe('https://wx-egress.example.com');
    await expect(checkWeChatHost(config, async () => [{ address: '101.91.22.57' }])).resolves.toBeUndefined();
  });

  it('lets a load test point production at a stand-in WeChat on this machine only by explicit opt-in', () => {
    const loopback = { ...PRODUCTION, WECHAT_API_BASE_URL: 'http://127.0.0.1:4001' };
    expect(errorOf(loopback).variable).toBe('WECHAT_API_BASE_URL');
    expect(errorOf({ ...loopback, FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'false' }).variable).toBe(
      'WECHAT_API_BASE_URL',
    );
    const config = loadConfig({ ...loopback, FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true' }, '/srv/app');
    expect(config.wechat?.apiBaseUrl).toBe('http://127.0.0.1:4001');
    // the opt-in never brings back sandbox mode: credentials are still required
    const { WECHAT_APP_ID: _id, WECHAT_APP_SECRET: _secret, ...noCredentials } = loopback;
    expect(errorOf({ ...noCredentials, FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true' }).variable).toBe(
      'WECHAT_APP_ID',
    );
  });

  it('serves /metrics apart from the API: loopback:9464 by default, never PORT', () => {
    expect(loadConfig(PRODUCTION, '/srv/app').metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({}, '/srv/app').metrics).toBeNull();
    expect(loadConfig({ METRICS_PORT: '9100' }, '/srv/app').metrics).toEqual({
      port: 9100,
      host: '127.0.0.1',
    });
    expect(errorOf({ ...PRODUCTION, PORT: '9464' }).variable).toBe('METRICS_PORT');
  });
});

describe('loadConfig: connection and abuse settings', () => {
  it('has safe defaults for sockets, subscriptions, the database and the sandbox address', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }, '/srv/app')).toMatchObject({
      sandboxHost: '127.0.0.1',
      databaseStatementTimeoutMs: 5000,
      databaseConnectTimeoutMs: 5000,
      pgliteWorker: false,
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 2000 },
      subscriptions: { perInstance: 1000, perCaller: 10 },
      corsOrigins: [],
      audit: { retentionMs: 3 * 365 * 24 * 3600_000, checkpointEveryMs: 5 * 60_000, flushMs: 1000 },
      settingsGiven: ['HOST'],
    });
  });

  it('names the settings given (never their values) for the start-up audit row', () => {
    expect(
      loadConfig(
        {
          FACEGATE_AUDIT_RETENTION_DAYS: '30',
          DATABASE_URL: 'postgres://u:pw@db/x',
          PATH: '/bin',
          LOG_LEVEL: ' ',
        },
        '/srv/app',
      ).settingsGiven,
    ).toEqual(['DATABASE_URL', 'FACEGATE_AUDIT_RETENTION_DAYS']);
    expect(errorOf({ FACEGATE_AUDIT_RETENTION_DAYS: '0' }).variable).toBe('FACEGATE_AUDIT_RETENTION_DAYS');
    expect(errorOf({ FACEGATE_AUDIT_CHECKPOINT_MINUTES: 'often' }).variable).toBe(
      'FACEGATE_AUDIT_CHECKPOINT_MINUTES',
    );
  });

  it('runs the embedded database in a worker thread only with PGLITE_WORKER=true', () => {
    expect(loadConfig({}, '/srv/app').pgliteWorker).toBe(false);
    expect(loadConfig({ PGLITE_WORKER: 'true' }, '/srv/app').pgliteWorker).toBe(true);
    expect(loadConfig({ PGLITE_WORKER: 'true' }, '/srv/app').settingsGiven).toEqual(['PGLITE_WORKER']);
    expect(errorOf({ PGLITE_WORKER: 'no' }).variable).toBe('PGLITE_WORKER');
  });

  it('reads a CORS allow-list of exact origins and refuses anything else', () => {
    expect(
      loadConfig({ FACEGATE_CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }, '/srv/app')
        .corsOrigins,
    ).toEqual(['https://a.example.com', 'http://localhost:5173']);
    for (const bad of ['*', 'https://a.example.com/path', 'a.example.com', 'ftp://x']) {
      expect(errorOf({ FACEGATE_CORS_ORIGINS: bad }).variable).toBe('FACEGATE_CORS_ORIGINS');
    }
  });

  it.each([
    'DATABASE_STATEMENT_TIMEOUT_MS',
    'DATABASE_CONNECT_TIMEOUT_MS',
    'HTTP_HEADERS_TIMEOUT_MS',
    'HTTP_REQUEST_TIMEOUT_MS',
    'HTTP_MAX_CONNECTIONS',
    'FACEGATE_MAX_SUBSCRIPTIONS',
    'FACEGATE_MAX_SUBSCRIPTIONS_PER_CALLER',
  ])('refuses a bad %s naming it', (variable) => {
    expect(errorOf({ [variable]: '0' }).variable).toBe(variable);
    expect(errorOf({ [variable]: 'soon' }).variable).toBe(variable);
  });
});

/** One line, starting with the variable: what the CLI prints after "configuration error: ". */
function expectOneLine(error: ConfigError, variable: string): void {
  expect(error.variable).toBe(variable);
  expect(error.message.startsWith(`${variable}: `)).toBe(true);
  expect(error.message).not.toContain('\n');
}

describe('NODE_ENV: production, development, test or unset (a misspelling ran development mode)', () => {
  it.each(['Production', 'prod', 'PRODUCTION', 'production-eu', 'staging', 'dev', 'true'])(
    'refuses NODE_ENV=%s with one line naming NODE_ENV, even with every production setting in place',
    (value) => {
      const error = errorOf({ ...PRODUCTION, NODE_ENV: value });
      expectOneLine(error, 'NODE_ENV');
      expect(error.message).toContain(`"${value}"`);
      expect(error.message).toMatch(/production, development or test/);
    },
  );

  it('keeps a hostile value on one line', () => {
    expectOneLine(errorOf({ NODE_ENV: 'prod\nuction' }), 'NODE_ENV');
  });

  it('accepts production, development, test and unset (blank counts as unset)', () => {
    expect(loadConfig(PRODUCTION, '/srv/app').production).toBe(true);
    for (const value of ['development', 'test', '', undefined]) {
      expect(loadConfig({ NODE_ENV: value } as Record<string, string>, '/srv/app').production).toBe(false);
    }
  });
});

describe('production WECHAT_API_BASE_URL: loopback and private addresses however they are spelled', () => {
  // the attack: a stand-in WeChat on this machine, named so that a string match misses it (URL turns
  // [::ffff:127.0.0.1] into [::ffff:7f00:1], 127.1 and 0x7f.1 into 127.0.0.1, ...)
  it.each([
    ['http://[::ffff:127.0.0.1]:4701', '127.0.0.1 (loopback)'],
    ['http://[::ffff:7f00:1]:4701', '127.0.0.1 (loopback)'],
    ['http://[::1]:4701', '::1 (loopback)'],
    ['http://[0:0:0:0:0:0:0:1]:4701', '::1 (loopback)'],
    ['http://localhost.:4701', 'loopback'],
    ['http://foo.localhost:4701', 'loopback'],
    ['http://LOCALHOST:4701', 'loopback'],
    ['http://127.1:4701', '127.0.0.1 (loopback)'],
    ['http://0x7f.1:4701', '127.0.0.1 (loopback)'],
    ['http://2130706433:4701', '127.0.0.1 (loopback)'],
    ['http://127.0.0.1.:4701', '127.0.0.1 (loopback)'],
    ['http://0.0.0.0:4701', 'unspecified'],
    ['http://[::]:4701', 'unspecified'],
    ['http://[::127.0.0.1]:4701', 'ipv4Compatible'],
    ['https://10.0.0.5', '10.0.0.5 (private)'],
    ['https://192.168.1.10', 'private'],
    ['https://[::ffff:172.16.0.1]', '172.16.0.1 (private)'],
    ['http://169.254.169.254', 'linkLocal'],
    ['https://[fd00::1]', 'uniqueLocal'],
    ['https://100.64.0.1', 'carrierGradeNat'],
  ])('refuses %s naming what it is (%s)', (url, what) => {
    const error = errorOf({ ...PRODUCTION, WECHAT_API_BASE_URL: url });
    expectOneLine(error, 'WECHAT_API_BASE_URL');
    expect(error.message).toContain(what);
    expect(error.message).toMatch(/production/);
  });

  it('allows them only with FACEGATE_UNSAFE_LOOPBACK_WECHAT=true, which the config then reports', () => {
    const env = { ...PRODUCTION, WECHAT_API_BASE_URL: 'http://[::ffff:127.0.0.1]:4701' };
    expect(errorOf({ ...env, FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'false' }).variable).toBe(
      'WECHAT_API_BASE_URL',
    );
    const config = loadConfig({ ...env, FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true' }, '/srv/app');
    expect(config.unsafeLoopbackWeChat).toBe(true);
    expect(loadConfig(PRODUCTION, '/srv/app').unsafeLoopbackWeChat).toBe(false);
  });

  it('outside production a stand-in on this machine is normal', () => {
    const { NODE_ENV: _production, ...development } = PRODUCTION;
    const config = loadConfig(
      { ...development, WECHAT_API_BASE_URL: 'http://[::ffff:127.0.0.1]:4701' },
      '/srv/app',
    );
    expect(config.wechat?.apiBaseUrl).toBe('http://[::ffff:127.0.0.1]:4701');
  });
});

describe('production WECHAT_API_BASE_URL host names: resolved at start-up (checkWeChatHost)', () => {
  const production = (url: string, extra: Record<string, string> = {}) =>
    loadConfig({ ...PRODUCTION, WECHAT_API_BASE_URL: url, ...extra }, '/srv/app');
  const answering =
    (...addresses: string[]): HostLookup =>
    async () =>
      addresses.map((address) => ({ address }));
  const never: HostLookup = async (host) => {
    throw new Error(`looked up ${host}`);
  };
  async function refusal(url: string, lookup: HostLookup): Promise<ConfigError> {
    const error = await checkWeChatHost(production(url), lookup).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it.each([
    [['127.0.0.1'], '127.0.0.1 (loopback)'],
    [['::1'], '::1 (loopback)'],
    [['::ffff:7f00:1'], '127.0.0.1 (loopback)'],
    [['10.20.30.40'], '10.20.30.40 (private)'],
    [['101.91.22.57', '192.168.0.7'], '192.168.0.7 (private)'],
    [['fe80::1'], 'fe80::1 (linkLocal)'],
    [['2002:7f00:1::1'], '2002:7f00:1::1 (6to4)'],
  ])('refuses a name answering %o (%s)', async (addresses, what) => {
    const error = await refusal('https://wechat.example.com', answering(...addresses));
    expectOneLine(error, 'WECHAT_API_BASE_URL');
    expect(error.message).toContain(`resolves to ${what}`);
    expect(error.message).toMatch(/production/);
  });

  it('refuses a name that does not resolve at start-up (it cannot be shown not to be this machine)', async () => {
    const failing: HostLookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    for (const lookup of [failing, answering()]) {
      const error = await refusal('https://wechat.example.com', lookup);
      expectOneLine(error, 'WECHAT_API_BASE_URL');
      expect(error.message).toContain('wechat.example.com does not resolve');
    }
    // through the system resolver: .invalid never resolves (RFC 6761)
    expectOneLine(await refusal('https://wechat.invalid', undefined as never), 'WECHAT_API_BASE_URL');
  });

  it('accepts a name answering public addresses only', async () => {
    await expect(
      checkWeChatHost(production('https://wechat.example.com'), answering('101.91.22.57', '2402:4e00::1')),
    ).resolves.toBeUndefined();
  });

  it("trusts WeChat's own API hosts by name (no DNS at start-up for them)", async () => {
    for (const url of [
      'https://api.weixin.qq.com',
      'https://sh.api.weixin.qq.com',
      'https://api2.weixin.qq.com',
    ]) {
      await expect(checkWeChatHost(production(url), never)).resolves.toBeUndefined();
    }
  });

  it('resolves nothing outside production or with the unsafe opt-in', async () => {
    const { NODE_ENV: _production, ...development } = PRODUCTION;
    const dev = loadConfig({ ...development, WECHAT_API_BASE_URL: 'http://wechat.example.com' }, '/srv/app');
    await expect(checkWeChatHost(dev, never)).resolves.toBeUndefined();
    const optedIn = production('http://wechat.example.com', { FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true' });
    await expect(checkWeChatHost(optedIn, never)).resolves.toBeUndefined();
  });
});

describe('FACEGATE_SECRET: long enough is not enough, it must look random', () => {
  it.each([
    ['32 a', 'a'.repeat(32)],
    ['40 s', 's'.repeat(40)],
    ['two characters alternating', 'ab'.repeat(100)],
    ['a word repeated', 'changeme-changeme-changeme-changeme'],
    ['another word repeated', 'password-password-password-password'],
    ['digits repeated', '0123456789'.repeat(4)],
    ['a phrase repeated, the last one cut short', `${'correct-horse-battery-'.repeat(5)}corr`],
    ['one character off', `${'a'.repeat(31)}b`],
  ])('refuses %s with one line that says the rule and never the secret', (_name, secret) => {
    const error = errorOf({ ...PRODUCTION, FACEGATE_SECRET: secret });
    expectOneLine(error, 'FACEGATE_SECRET');
    expect(error.message).toMatch(/too predictable: about \d+ bits by estimate, at least 120 needed/);
    expect(error.message).toContain('openssl rand -base64 48');
    expect(error.message).not.toContain(secret.slice(0, 12));
  });

  it('accepts random secrets: base64 of 24 bytes and more, hex of 32 bytes, openssl rand -base64 48', () => {
    const accepted = (secret: string) =>
      loadConfig({ ...PRODUCTION, FACEGATE_SECRET: secret }, '/srv/app').secret;
    for (let i = 0; i < 500; i++) {
      for (const secret of [
        randomBytes(24).toString('base64'),
        randomBytes(24).toString('base64url'),
        randomBytes(25).toString('base64'),
        randomBytes(32).toString('base64'),
        randomBytes(32).toString('hex'),
        randomBytes(48).toString('base64'),
      ]) {
        expect(accepted(secret)).toBe(secret);
      }
    }
    const openssl = execFileSync('openssl', ['rand', '-base64', '48'], { encoding: 'utf8' }).trim();
    expect(accepted(openssl)).toBe(openssl);
  });

  it('still refuses short secrets first, by length', () => {
    expect(errorOf({ FACEGATE_SECRET: randomBytes(12).toString('base64') }).message).toMatch(
      /at least 32 characters/,
    );
  });
});

describe('FACEGATE_WEBHOOK_ALLOWED_PORTS', () => {
  it('defaults to 443 and 8443 in production and to any port elsewhere', () => {
    expect(loadConfig(PRODUCTION, '/srv/app').webhookAllowedPorts).toEqual([443, 8443]);
    expect(loadConfig({}, '/srv/app').webhookAllowedPorts).toBeNull();
  });

  it('reads a comma-separated list in any mode', () => {
    expect(
      loadConfig({ ...PRODUCTION, FACEGATE_WEBHOOK_ALLOWED_PORTS: '443, 9443,443' }, '/srv/app')
        .webhookAllowedPorts,
    ).toEqual([443, 9443]);
    expect(loadConfig({ FACEGATE_WEBHOOK_ALLOWED_PORTS: '8443' }, '/srv/app').webhookAllowedPorts).toEqual([
      8443,
    ]);
  });

  it.each(['https', '0', '70000', '443;8443', '443,', '-443', '44 3'])(
    'refuses %s naming the variable',
    (value) => {
      expectOneLine(errorOf({ FACEGATE_WEBHOOK_ALLOWED_PORTS: value }), 'FACEGATE_WEBHOOK_ALLOWED_PORTS');
    },
  );
});
