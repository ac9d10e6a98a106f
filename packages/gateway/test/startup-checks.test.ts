import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config';
import { startGateway } from '../src/http/server';
import { createLogger } from '../src/infrastructure/observability/logger';
import { runFacegate, startServing } from './support/facegate-process';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const FACEGATE_SECRET = 'OMaAqbywaDLg7fPT9NIqglHnmaH8YM3xFcu6kz0L9xe8hLIA';
const APP_SECRET = 'app-secret-that-must-not-be-logged';
/** Everything production needs, with WeChat pointed at `url`. */
const production = (url: string): Record<string, string> => ({
  NODE_ENV: 'production',
  WECHAT_APP_ID: 'wx0123456789abcdef',
  WECHAT_APP_SECRET: APP_SECRET,
  FACEGATE_SECRET,
  WECHAT_API_BASE_URL: url,
  PORT: '0',
  METRICS_PORT: '0',
  DATABASE_URL: 'memory:',
});

/** A stand-in WeChat on loopback that counts what reaches it. */
async function fakeWeChat(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"errcode":0,"access_token":"fake","expires_in":7200,"openid":"o_fake","session_key":"k"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('facegate serve (the real CLI): production refuses a WeChat on this machine however it is spelled', () => {
  let wechat: Awaited<ReturnType<typeof fakeWeChat>>;
  beforeAll(async () => {
    wechat = await fakeWeChat();
  });
  afterAll(async () => {
    await wechat?.close();
  });

  it.each([
    ['[::ffff:127.0.0.1]', '127.0.0.1 (loopback)'],
    ['localhost.', 'localhost. (loopback)'],
    ['0x7f.1', '127.0.0.1 (loopback)'],
  ])(
    'http://%s:PORT stops start-up with one line naming WECHAT_API_BASE_URL, exit code 2',
    async (host, what) => {
      const result = await runFacegate(['serve'], { env: production(`http://${host}:${wechat.port}`) });
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^facegate: configuration error: WECHAT_API_BASE_URL: points at /);
      expect(lines[0]).toContain(what);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe('');
      expect(wechat.requests).toEqual([]);
    },
  );

  it.each([
    ['NODE_ENV', { NODE_ENV: 'Production' }],
    ['NODE_ENV', { NODE_ENV: 'prod' }],
    ['FACEGATE_SECRET', { FACEGATE_SECRET: 'a'.repeat(32) }],
    ['FACEGATE_WEBHOOK_ALLOWED_PORTS', { FACEGATE_WEBHOOK_ALLOWED_PORTS: 'https' }],
  ])('a bad %s stops start-up with one line, exit code 2: %o', async (variable, bad) => {
    const result = await runFacegate(['serve'], {
      env: { ...production('https://api.weixin.qq.com'), ...bad },
    });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^facegate: configuration error: ${variable}: `));
    expect(result.stderr).not.toContain('a'.repeat(12));
    expect(result.stdout).toBe('');
  });
});

describe('start-up warnings: logged at warn level, never with a secret', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('facegate serve in production with FACEGATE_UNSAFE_LOOPBACK_WECHAT=true says so in its log and banner', async () => {
    const serving = await startServing({
      env: {
        ...production(sandbox.url),
        WECHAT_APP_ID: sandbox.appId,
        WECHAT_APP_SECRET: sandbox.appSecret,
        FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true',
      },
    });
    try {
      const warnings = serving
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.startupWarning === true);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 'warn' });
      expect(String(warnings[0]!.msg)).toMatch(
        /^FACEGATE_UNSAFE_LOOPBACK_WECHAT=true: production does not check/,
      );
      expect(serving.output()).toMatch(/WARNING: +FACEGATE_UNSAFE_LOOPBACK_WECHAT=true/);
      expect(serving.output()).not.toContain(sandbox.appSecret);
      expect(serving.output()).not.toContain(FACEGATE_SECRET);
    } finally {
      expect(await serving.stop()).toBe(0);
    }
  });

  it('WeChat credentials outside production: a warning line naming the risk, no secret in it', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    const { NODE_ENV: _production, ...development } = production(sandbox.url);
    const running = await startGateway(loadConfig(development), {
      logger: createLogger({ level: 'info', destination }),
    });
    await running.close();
    const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.startupWarning === true);
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(
          /^WECHAT_APP_ID and WECHAT_APP_SECRET are set but NODE_ENV is not production/,
        ),
      }),
    ]);
    const all = lines.join('\n');
    expect(all).not.toContain(APP_SECRET);
    expect(all).not.toContain(FACEGATE_SECRET);
  });

  it('nothing to warn about: sandbox mode in development, or production with the real WeChat', async () => {
    for (const env of [
      { PORT: '0', SANDBOX_PORT: '0', DATABASE_URL: 'memory:', FACEGATE_SECRET },
      production('https://api.weixin.qq.com'),
    ]) {
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk, _encoding, callback) {
          lines.push(String(chunk));
          callback();
        },
      });
      // the warnings are written before startGateway resolves
      const running = await startGateway(loadConfig(env), {
        logger: createLogger({ level: 'info', destination }),
        sandbox,
      });
      await running.close();
      expect(lines.join('')).not.toContain('"startupWarning":true');
    }
  });
});

describe("the console's System page lists the start-up warnings", () => {
  const QUERY = '{ systemStatus { production warnings } }';
  let unsafe: TestGateway;
  let plain: TestGateway;
  beforeAll(async () => {
    unsafe = await startTestGateway({
      database: 'pglite',
      env: {
        NODE_ENV: 'production',
        WECHAT_API_BASE_URL: 'http://[::ffff:127.0.0.1]:9',
        FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true',
      },
    });
    plain = await startTestGateway({ database: 'pglite', env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await unsafe?.close();
    await plain?.close();
  });

  it('systemStatus.warnings names FACEGATE_UNSAFE_LOOPBACK_WECHAT when production runs with it', async () => {
    const key = await unsafe.createApiKey(['console:read']);
    const response = await unsafe.gql(QUERY, {}, key);
    expect(response.body.errors).toBeUndefined();
    const status = response.body.data!.systemStatus as { production: boolean; warnings: string[] };
    expect(status.production).toBe(true);
    expect(status.warnings).toHaveLength(1);
    expect(status.warnings[0]).toMatch(/^FACEGATE_UNSAFE_LOOPBACK_WECHAT=true/);
  });

  it('is empty otherwise', async () => {
    const key = await plain.createApiKey(['console:read']);
    const response = await plain.gql(QUERY, {}, key);
    expect(response.body.data?.systemStatus).toEqual({ production: true, warnings: [] });
  });
});
