import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations, openDatabase } from '@facegate/adapters-postgres';
import {
  createTestPostgresDatabase,
  TEST_POSTGRES_ADMIN_URL,
  type TestPostgresDatabase,
} from '@facegate/adapters-postgres/testing';
import { runProcess, startProcess } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_SCOPE_MEANINGS, API_KEY_SCOPES } from '../src/application/auth/viewer';
import { databaseErrorLine } from '../src/cli/database-errors';
import { graphiqlWelcome } from '../src/http/graphiql-welcome';
import { REPO_ROOT, runFacegate } from './support/facegate-process';
import { type Json, startTestGateway, TEST_SECRET, type TestGateway } from './support/test-gateway';

/* What an operator reads: start-up lines for the database, migrate's report, npm's scripts, --help, GraphiQL. */

const WECHAT = { WECHAT_APP_ID: 'wx0123456789abcdef', WECHAT_APP_SECRET: 'operator-test-app-secret' };

/** `facegate serve` against this database URL: exit code 2 and one stderr line, which is returned. */
async function startUpLine(databaseUrl: string): Promise<string> {
  const result = await runFacegate(['serve'], {
    env: { ...WECHAT, FACEGATE_SECRET: TEST_SECRET, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn' },
  });
  const lines = result.stderr.trim().split('\n');
  expect(result.code, result.stderr).toBe(2);
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

describe('start-up on a PostgreSQL it cannot use: one plain line per cause (real PostgreSQL)', () => {
  const admin = new URL(TEST_POSTGRES_ADMIN_URL);
  const at = (user: string, database: string, port = admin.port || '5432') =>
    `postgres://${user}:never-shown-pw@${admin.hostname}:${port}/${database}`;
  const role = `facegate_nolimit_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const db = await openDatabase({ url: TEST_POSTGRES_ADMIN_URL, poolMax: 1 });
    try {
      // a role that may hold no connection: PostgreSQL answers it 53300, as when max_connections is reached
      await db.exec(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    const db = await openDatabase({ url: TEST_POSTGRES_ADMIN_URL, poolMax: 1 });
    await db.exec(`DROP ROLE IF EXISTS ${role}`).finally(() => db.close());
  });

  it('3D000: the database does not exist, and how to create it', async () => {
    const name = `facegate_missing_${randomBytes(4).toString('hex')}`;
    const line = await startUpLine(at(admin.username || 'postgres', name));
    expect(line).toContain(`DATABASE_URL: database "${name}" does not exist`);
    expect(line).toContain(`CREATE DATABASE ${name}`);
    expect(line).toMatch(/\(3D000\)$/);
    expect(line).not.toContain('never-shown-pw');
  }, 60_000);

  it('28000: the role does not exist (or pg_hba.conf refuses it)', async () => {
    const line = await startUpLine(at('facegate_no_such_role', 'postgres'));
    expect(line).toContain('does not let user "facegate_no_such_role" in: the role does not exist');
    expect(line).toMatch(/\(28000\)$/);
    expect(line).not.toContain('never-shown-pw');
  }, 60_000);

  it('53300: no connection left', async () => {
    const line = await startUpLine(at(role, 'postgres'));
    expect(line).toContain(`has no connection left for user "${role}"`);
    expect(line).toContain('DATABASE_POOL_SIZE');
    expect(line).toMatch(/\(53300\)$/);
  }, 60_000);

  it('ECONNREFUSED: nothing listens there', async () => {
    const line = await startUpLine(at('postgres', 'facegate', '1'));
    expect(line).toBe(
      `facegate: configuration error: DATABASE_URL: nothing accepts connections at ${admin.hostname}:1; is PostgreSQL running there, on that port? (ECONNREFUSED)`,
    );
  }, 60_000);

  it('28P01 and 57P03 (not reproducible on a trust-auth test server) read as plainly, without the password', () => {
    const url = 'postgres://app:s3cret@db.internal:5433/facegate';
    expect(databaseErrorLine('28P01', url)).toBe(
      'DATABASE_URL: PostgreSQL at db.internal:5433 refused the password of user "app"; check the password in DATABASE_URL (28P01)',
    );
    expect(databaseErrorLine('57P03', url)).toBe(
      'DATABASE_URL: PostgreSQL at db.internal:5433 is starting up, shutting down or recovering; start FaceGate again once it accepts connections (57P03)',
    );
    for (const code of ['3D000', '28P01', '28000', '57P03', '53300', 'ECONNREFUSED']) {
      expect(databaseErrorLine(code, url), code).not.toContain('s3cret');
    }
    expect(databaseErrorLine('42P01', url)).toBeNull();
  });
});

describe('facegate migrate says what it applied', () => {
  let pg: TestPostgresDatabase;
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
  });
  afterAll(async () => {
    await pg?.drop();
  });

  it('lists every migration on an empty database, and says "up to date" only when there is none left', async () => {
    const env = { DATABASE_URL: pg.url, LOG_LEVEL: 'warn' };
    const first = await runFacegate(['migrate'], { env });
    expect(first.code, first.stderr).toBe(0);
    const versions = (await loadMigrations()).map((m) => m.version).sort();
    expect(versions.length).toBeGreaterThan(1);
    expect(first.stdout).toContain(`Applied ${versions.length} migrations:`);
    for (const version of versions) expect(first.stdout).toContain(`  ${version}\n`);
    expect(first.stdout).not.toContain('up to date');

    const second = await runFacegate(['migrate'], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Database is up to date: no migration to apply.');
    expect(second.stdout).not.toContain('Applied');
  }, 120_000);
});

describe('npm scripts end with FaceGate’s own line', () => {
  const scripts = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;

  it('npm run demo with nothing running: the last line is FaceGate’s, no package manager error after it', async () => {
    // port 9 (discard): nothing answers there, whatever else runs on this machine
    const result = await runProcess(
      'npm',
      ['run', 'demo', '--', '--url', 'http://127.0.0.1:9/graphql', '--sandbox-url', 'http://127.0.0.1:9'],
      { cwd: REPO_ROOT, timeoutMs: 60_000 },
    );
    expect(result.code).toBe(1);
    const all = `${result.stdout}\n${result.stderr}`;
    expect(all).not.toMatch(/ERR_PNPM|npm error|npm ERR!/);
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^Nothing answers at http:\/\/127\.0\.0\.1:9\/graphql: start the gateway first/,
    );
    expect(result.stderr.trim()).toBe('');
  }, 90_000);

  it('npm start ends by running the CLI itself; Ctrl-C ends with "FaceGate gateway stopped." and exit 0', async () => {
    // install and build run first (not here: the suite's setup built it, and a build would replace every
    // dist/ folder under the other tests); the command that serves is the CLI itself, no package manager
    const serve = scripts.start!.split('&&').at(-1)!.trim();
    expect(serve).toBe('node packages/gateway/bin/facegate.mjs serve');
    expect(scripts.demo).toBe('node packages/gateway/bin/facegate.mjs demo');
    // as npm runs it (sh -c, from the root); SIGINT is what Ctrl-C sends the CLI
    const shell = startProcess('sh', ['-c', `exec ${serve}`], {
      cwd: REPO_ROOT,
      env: { DATABASE_URL: 'memory:', PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'warn' },
    });
    await shell.waitForOutput(/Test identities[\s\S]*\n\n/, 90_000);
    process.kill(shell.pid, 'SIGINT');
    const result = await shell.exited;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('FaceGate gateway stopped.');
    expect(result.stderr).not.toMatch(/ERR_PNPM|npm error/);
  }, 120_000);
});

describe('facegate --help', () => {
  it('lists every API key scope with its meaning (from the scope list itself)', async () => {
    const help = await runFacegate(['--help'], {});
    expect(help.code).toBe(0);
    expect(API_KEY_SCOPES).toContain('console:read');
    for (const scope of API_KEY_SCOPES) {
      expect(help.stdout).toMatch(
        new RegExp(
          `^ +${scope} +${API_KEY_SCOPE_MEANINGS[scope].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
          'm',
        ),
      );
    }
  });
});

describe('GraphiQL opens on what FaceGate is for, and the sign-in walkthrough', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the page carries FaceGate’s welcome (not the stock one) with the sandbox address filled in', async () => {
    const html = await (
      await t.gateway.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } })
    ).text();
    const welcome = graphiqlWelcome(t.sandbox.url);
    expect(html).toContain(JSON.stringify(welcome.defaultQuery).replaceAll('<', '\\u003c'));
    expect(html).not.toContain('GraphiQL is an in-browser tool');
    expect(welcome.defaultQuery).toMatch(/^# FaceGate: WeChat face verification/);
    expect(welcome.defaultQuery).toContain(`curl -sS ${t.sandbox.url}/sandbox/device/login`);
    expect(welcome.defaultTabs[0]!.query).toBe(welcome.defaultQuery);
  });

  it("the three tabs' operations, run as the walkthrough says, end VERIFIED", async () => {
    const [signIn, start, confirm] = graphiqlWelcome(t.sandbox.url).defaultTabs as [
      { query: string; variables: string },
      { query: string; variables: string },
      { query: string; variables: string },
    ];
    const openid = 'o_graphiql';
    const signedIn = await t.gql(signIn.query, { code: t.sandbox.device.login(openid) });
    const token = signedIn.body.data?.signIn.token as string;
    expect(token).toBeTruthy();
    const started = await t.gql(start.query, JSON.parse(start.variables), token);
    const session = started.body.data?.startVerification as Json;
    expect(session.status).toBe('PENDING');
    t.sandbox.device.runV2Check({ openid, verifyId: session.clientParams.verifyId });
    const confirmed = await t.gql(confirm.query, { id: session.id }, token);
    expect(confirmed.body.data?.confirmVerification).toMatchObject({ status: 'VERIFIED', lastError: null });
  });
});
