import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { occupiedPort } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';

const run = (args: string[], env: Record<string, string>) => runFacegate(args, { env });

describe('facegate CLI: configuration errors', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ WECHAT_APP_ID: 'wx123' }, 'WECHAT_APP_SECRET'],
    [{ WECHAT_APP_ID: 'wx123', WECHAT_APP_SECRET: 'x' }, 'FACEGATE_SECRET'],
    [{ DATABASE_URL: 'mysql://u:pw@h/db' }, 'DATABASE_URL'],
  ])('%o stops start-up with one line naming %s, exit code 2', async (env, variable) => {
    const result = await run(['serve'], env as Record<string, string>);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('pw@');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const result = await run(['frobnicate'], {});
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('facegate CLI: NODE_ENV=production never starts the sandbox', () => {
  const SECRET = 'OMaAqbywaDLg7fPT9NIqglHnmaH8YM3xFcu6kz0L9xe8hLIA';
  it.each([
    ['WECHAT_APP_ID', {}],
    ['WECHAT_APP_ID', { FACEGATE_SECRET: SECRET }],
    ['WECHAT_APP_SECRET', { WECHAT_APP_ID: 'wx0123456789abcdef', FACEGATE_SECRET: SECRET }],
    ['FACEGATE_SECRET', { WECHAT_APP_ID: 'wx0123456789abcdef', WECHAT_APP_SECRET: 'real-secret' }],
    [
      'WECHAT_API_BASE_URL',
      {
        WECHAT_APP_ID: 'wx0123456789abcdef',
        WECHAT_APP_SECRET: 'real-secret',
        FACEGATE_SECRET: SECRET,
        WECHAT_API_BASE_URL: 'http://127.0.0.1:4001',
      },
    ],
  ])('refuses to start without a real %s: exit 2, one line, never listens', async (variable, extra) => {
    // Both ports are held here: a process that tried to listen on either would fail with EADDRINUSE instead
    // of the configuration error, so the one-line error below also shows it never got as far as listening.
    const [api, sandbox] = [await occupiedPort(), await occupiedPort()];
    try {
      const result = await run(['serve'], {
        NODE_ENV: 'production',
        PORT: String(api.port),
        SANDBOX_PORT: String(sandbox.port),
        DATABASE_URL: 'memory:',
        ...extra,
      } as Record<string, string>);
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^facegate: configuration error: ${variable}: .*production`));
      expect(result.stdout).toBe('');
    } finally {
      await api.release();
      await sandbox.release();
    }
  });
});

describe('facegate CLI: keys', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-keys-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a key (printed once), lists and revokes it', async () => {
    const env = { DATA_DIR: dataDir };
    const created = await run(['keys', 'create', '--name', 'billing', '--scopes', 'verifications:read'], env);
    expect(created.code).toBe(0);
    const key = created.stdout.match(/fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/)?.[0];
    expect(key).toBeDefined();
    const prefix = key!.slice(4, 16);
    const listed = await run(['keys', 'list'], env);
    expect(listed.stdout).toContain(prefix);
    expect(listed.stdout).toContain('billing');
    expect(listed.stdout).not.toContain(key!);
    const revoked = await run(['keys', 'revoke', prefix], env);
    expect(revoked.code).toBe(0);
    expect((await run(['keys', 'list'], env)).stdout).toMatch(/revoked/);
    const bad = await run(['keys', 'create', '--name', 'x', '--scopes', 'admin'], env);
    expect(bad.code).toBe(2);
  }, 150_000);
});

describe('facegate CLI: webhooks', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-webhooks-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('adds (secret printed once), lists, rotates, lists deliveries, disables; bad input is exit 2', async () => {
    const env = { DATA_DIR: dataDir };
    const added = await run(
      ['webhooks', 'add', '--url', 'http://127.0.0.1:9/hooks', '--events', 'verification.verified'],
      env,
    );
    expect(added.code).toBe(0);
    const id = added.stdout.match(/we_[A-Za-z0-9_-]{16}/)?.[0];
    const secret = added.stdout.match(/whsec_[A-Za-z0-9+/=]+/)?.[0];
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    const listed = await run(['webhooks', 'list'], env);
    expect(listed.stdout).toContain(`${id}  http://127.0.0.1:9/hooks  verification.verified  enabled`);
    expect(listed.stdout).not.toContain(secret!);
    const rotated = await run(['webhooks', 'rotate', id!], env);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.match(/whsec_[A-Za-z0-9+/=]+/)?.[0]).not.toBe(secret);
    expect((await run(['webhooks', 'deliveries', id!], env)).stdout).toContain('No deliveries.');
    const disabled = await run(['webhooks', 'disable', id!], env);
    expect(disabled).toMatchObject({ code: 0, stdout: `Disabled ${id}.\n` });
    const bad = await run(['webhooks', 'add', '--url', 'http://hooks.example.com/x', '--events', 'x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 240_000);
});

describe('facegate CLI: serve + demo as real processes', () => {
  let dataDir: string;
  let server: ServingGateway;
  let output = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-serve-'));
    server = await startServing({ env: { DATA_DIR: dataDir } });
    output = server.output();
  }, 90_000);

  afterAll(async () => {
    if (server && server.process.exitCode === null) server.process.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the addresses, the demo command and the test identities; demo ends VERIFIED for both protocols; SIGTERM stops it', async () => {
    expect(output).toMatch(/GraphQL: +http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(output).toContain('Sandbox mode');
    expect(output).toContain('face_mismatch');
    expect(output).toContain(`data:     embedded (PGlite) in ${dataDir}`);
    const [, url, sandboxUrl] = output.match(/npm run demo -- --url (\S+) --sandbox-url (\S+)/)!;

    const demo = await run(['demo', '--url', url!, '--sandbox-url', sandboxUrl!], {});
    expect(demo.stdout).toContain('LEGACY: VERIFIED');
    expect(demo.stdout).toContain('V2: VERIFIED');
    expect(demo.code).toBe(0);
    // masked identity only
    expect(demo.stdout).toMatch(/\*{10}/);
    expect(demo.stdout).not.toMatch(/\d{17}[\dX]/);

    const health = await fetch(url!.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);

    const stoppedAt = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  }, 120_000);

  it('demo against nothing running says to start the gateway first, and exits 1', async () => {
    const demo = await run(
      ['demo', '--url', 'http://127.0.0.1:9/graphql', '--sandbox-url', 'http://127.0.0.1:9'],
      {},
    );
    expect(demo.code).toBe(1);
    expect(demo.stdout).toContain('start the gateway first: npm start');
    // one clear line, not a failure per protocol
    expect(demo.stdout).not.toContain('LEGACY: ERROR');
  });
});
