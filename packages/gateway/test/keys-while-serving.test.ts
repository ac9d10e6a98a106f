import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { waitFor } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_FILE, type AdminFile } from '../src/http/admin-endpoint';
import {
  GATEWAY_DIR,
  REPO_ROOT,
  runFacegate,
  type ServingGateway,
  startServing,
} from './support/facegate-process';
import { DATABASE_KINDS } from './support/test-gateway';

const KEY = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;
const STATUS = JSON.stringify({ query: '{ identityStatus(openid: "o_keys_while_serving") { verified } }' });

/** A real request to the serving gateway with this API key: the GraphQL answer. */
async function askWith(server: ServingGateway, key: string) {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: STATUS,
  });
  return (await response.json()) as {
    data?: { identityStatus: { verified: boolean } } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

/**
 * `npm start` serves from packages/gateway while the operator runs `facegate keys` from the repository root
 * or anywhere else: with the same (here relative) DATA_DIR, every command must reach the same database,
 * also while the server holds the embedded one.
 */
for (const database of DATABASE_KINDS) {
  describe(`facegate keys while \`facegate serve\` runs (${database})`, () => {
    // relative on purpose: it must mean <repository root>/<dir> from every folder
    const relativeDataDir = `.facegate-test-${randomBytes(6).toString('hex')}`;
    const dataDir = join(REPO_ROOT, relativeDataDir);
    let pg: TestPostgresDatabase | null = null;
    let env: Record<string, string>;
    let server: ServingGateway;

    beforeAll(async () => {
      env = { DATA_DIR: relativeDataDir };
      if (database === 'postgres') {
        pg = await createTestPostgresDatabase();
        env.DATABASE_URL = pg.url;
      }
      server = await startServing({ cwd: GATEWAY_DIR, env });
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('create from another folder gives a key the server accepts; list and revoke from a third', async () => {
      const where =
        database === 'pglite' ? `embedded (PGlite) in ${dataDir}` : `PostgreSQL at ${new URL(pg!.url).host}`;
      expect(server.output()).toContain(`data:     ${where}`);

      const created = await runFacegate(
        ['keys', 'create', '--name', 'crm', '--scopes', 'verifications:read'],
        {
          cwd: REPO_ROOT,
          env,
        },
      );
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect(created.stdout).toContain(`Database: ${where}`);
      // the embedded database is held by the server: the command went through it
      if (database === 'pglite') expect(created.stdout).toContain('through the running gateway');
      const key = KEY.exec(created.stdout)![0];
      const prefix = key.slice(4, 16);

      const accepted = await askWith(server, key);
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data?.identityStatus.verified).toBe(false);

      const listed = await runFacegate(['keys', 'list'], { cwd: tmpdir(), env });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`Database: ${where}`);
      expect(listed.stdout).toMatch(
        new RegExp(`${prefix}  crm  verifications:read  apps all  created \\S+  active`),
      );
      expect(listed.stdout).not.toContain(key);

      const revoked = await runFacegate(['keys', 'revoke', prefix], { cwd: tmpdir(), env });
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(`Revoked ${prefix}.`);

      // through the server (embedded) the revocation is immediate; on PostgreSQL within the 10 s key cache
      const refused =
        database === 'pglite'
          ? await askWith(server, key)
          : await waitFor(
              'the revocation to reach the server',
              async () => {
                const answer = await askWith(server, key);
                return answer.errors !== undefined && answer;
              },
              { timeoutMs: 30_000, intervalMs: 250 },
            );
      expect(refused.errors?.[0]).toMatchObject({
        message: 'unknown or revoked API key',
        extensions: { code: 'UNAUTHENTICATED' },
      });

      const again = await runFacegate(['keys', 'list'], { cwd: REPO_ROOT, env });
      expect(again.stdout).toMatch(new RegExp(`${prefix}  crm  .*  revoked \\S+`));
    }, 240_000);

    // the admin endpoint exists only where the server holds the database
    if (database === 'pglite')
      it('the admin endpoint: loopback only, its file readable by the owner only, any other token refused, gone when the server stops', async () => {
        const file = join(dataDir, ADMIN_FILE);
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
        const admin = JSON.parse(await readFile(file, 'utf8')) as AdminFile;
        expect(admin.pid).toBe(server.process.pid);
        expect(new URL(admin.url).hostname).toBe('127.0.0.1');
        expect(admin.token.length).toBeGreaterThanOrEqual(43);

        for (const authorization of [undefined, 'Bearer wrong', `Bearer ${admin.token}x`, admin.token]) {
          const response = await fetch(`${admin.url}/keys`, {
            headers: authorization === undefined ? {} : { authorization },
          });
          expect(response.status, String(authorization)).toBe(401);
        }
        const ok = await fetch(`${admin.url}/keys`, { headers: { authorization: `Bearer ${admin.token}` } });
        expect(ok.status).toBe(200);
        const bad = await fetch(`${admin.url}/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'x', scopes: 'everything' }),
        });
        expect(bad.status).toBe(400);
        expect(await bad.json()).toMatchObject({ field: 'scopes' });
        const authorized = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
        const garbage = await fetch(`${admin.url}/keys`, {
          method: 'POST',
          headers: authorized,
          body: '{"name":',
        });
        expect(garbage.status).toBe(400);
        const huge = await fetch(`${admin.url}/keys`, {
          method: 'POST',
          headers: authorized,
          body: JSON.stringify({ name: 'x'.repeat(20_000), scopes: 'verifications:read' }),
        });
        expect(huge.status).toBe(413);
        expect((await fetch(`${admin.url}/graphql`, { headers: authorized })).status).toBe(404);

        expect(await server.stop()).toBe(0);
        expect(existsSync(file)).toBe(false);
        // with the server gone, the command opens the database itself
        const listed = await runFacegate(['keys', 'list'], { cwd: tmpdir(), env });
        expect(listed.code).toBe(0);
        expect(listed.stdout).toContain(`Database: embedded (PGlite) in ${dataDir}\n`);
        expect(listed.stdout).toMatch(/crm .* revoked/);
      }, 120_000);
  });
}
