import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve, TOKENS } from '../src/composition/tokens';
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

  /** Starts the gateway on `env`, stops it, and returns its log (the warnings are written before it resolves). */
  const startUpLog = async (
    env: Record<string, string>,
    before?: (running: Awaited<ReturnType<typeof startGateway>>) => Promise<void>,
  ): Promise<string> => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const running = await startGateway(loadConfig(env), {
      logger: createLogger({ level: 'info', destination }),
      sandbox,
    });
    try {
      await before?.(running);
    } finally {
      await running.close();
    }
    return lines.join('');
  };
  const warnings = (log: string) =>
    log
      .split('\n')
      .filter((line) => line.includes('"startupWarning":true'))
      .map((line) => JSON.parse(line) as { level: string; msg: string; kinds?: string[] });
  /** Production with the real WeChat, on a database that outlives one start (own consent texts stay). */
  const realWeChat = (dataDir: string, extra: Record<string, string> = {}) => {
    const { DATABASE_URL: _memory, ...env } = production('https://api.weixin.qq.com');
    return { ...env, DATA_DIR: dataDir, ...extra };
  };
  const ALTERNATIVE = { FACEGATE_ALTERNATIVE: '/pages/counter/index' };

  it("production warns while FaceGate's default consent text is current and while FACEGATE_ALTERNATIVE is unset, and stops once each is fixed", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'facegate-startup-'));
    try {
      // a new deployment: the defaults are published and current, no alternative
      const first = warnings(await startUpLog(realWeChat(dataDir)));
      expect(first.map((w) => w.level)).toEqual(['warn', 'warn']);
      expect(first[0]!.msg).toMatch(/default consent text is current.*facegate consent publish/);
      expect(first[0]!.kinds).toEqual(['STANDARD', 'GUARDIAN']);
      expect(first[1]!.msg).toMatch(/^FACEGATE_ALTERNATIVE is not set/);
      // the alternative set: only the consent warning is left
      const withAlternative = warnings(
        await startUpLog(realWeChat(dataDir, ALTERNATIVE), async (running) => {
          // the operator publishes their own texts (the next start finds them current)
          const publish = resolve(running.container, TOKENS.PublishConsentText);
          for (const kind of ['STANDARD', 'GUARDIAN'] as const) {
            const published = await publish.execute({
              version: `acme-${kind.toLowerCase()}-1`,
              kind,
              purpose: '开户身份核验 (account opening)',
              textZh: '为开立账户，示例公司将通过微信人脸核身核验您的身份。您可以拒绝并选择到柜台办理。',
            });
            expect(published.ok).toBe(true);
          }
        }),
      );
      expect(withAlternative).toHaveLength(1);
      expect(withAlternative[0]!.msg).toMatch(/default consent text is current/);
      // own texts current, no alternative: only the alternative warning is left
      const withoutAlternative = warnings(await startUpLog(realWeChat(dataDir)));
      expect(withoutAlternative).toHaveLength(1);
      expect(withoutAlternative[0]!.msg).toMatch(/^FACEGATE_ALTERNATIVE is not set/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('nothing to warn about: sandbox mode in development, or production with the real WeChat, its own consent texts and an alternative', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'facegate-startup-'));
    try {
      // the operator has published their own texts for both kinds before this start
      await startUpLog(realWeChat(dataDir, ALTERNATIVE), async (running) => {
        const publish = resolve(running.container, TOKENS.PublishConsentText);
        for (const kind of ['STANDARD', 'GUARDIAN'] as const) {
          const published = await publish.execute({
            version: `own-${kind.toLowerCase()}-1`,
            kind,
            purpose: '身份核验 (identity verification)',
            textZh: '为核验您的身份，示例公司将通过微信人脸核身比对您的姓名、身份证号码和人脸信息。',
          });
          expect(published.ok).toBe(true);
        }
      });
      for (const env of [
        { PORT: '0', SANDBOX_PORT: '0', DATABASE_URL: 'memory:', FACEGATE_SECRET },
        realWeChat(dataDir, ALTERNATIVE),
      ]) {
        expect(await startUpLog(env)).not.toContain('"startupWarning":true');
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
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
