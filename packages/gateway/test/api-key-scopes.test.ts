import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyService } from '../src/application/auth/api-key.service';
import { TOKENS } from '../src/composition/tokens';
import { runFacegate } from './support/facegate-process';
import {
  DATABASE_KINDS,
  errorCode,
  type Json,
  startTestGateway,
  TEST_SECRET,
  type TestGateway,
} from './support/test-gateway';

const CREATE =
  'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id prefix scopes } } }';
const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }';
const LIST = '{ apiKeys { id revokedAt } }';

/**
 * Security review, finding 5: a console operator meant to see masked data only (console:admin) created a
 * key with verifications:read/write and webhooks:write. A key now grants at most the scopes it holds; only
 * keys:admin (root) grants any; the CLI, run as the server's own user, is not limited.
 */
for (const database of DATABASE_KINDS) {
  describe(`API keys grant at most their own scopes (${database})`, () => {
    let t: TestGateway;
    let keys: ApiKeyService;
    let consoleAdmin: string;
    let root: string;

    const activeKeys = async () => (await keys.list()).filter((k) => k.revokedAt === null).length;
    const prefixOf = (key: string) => key.split('_')[1]!;

    beforeAll(async () => {
      t = await startTestGateway({ database });
      keys = t.container.resolve(TOKENS.ApiKeys);
      consoleAdmin = await t.createApiKey(['console:admin']);
      root = await t.createApiKey(['keys:admin']);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('refuses a console:admin key minting verification and webhook scopes: FORBIDDEN naming them, no key made', async () => {
      const before = await activeKeys();
      const r = await t.gql(
        CREATE,
        {
          input: {
            name: 'escalation',
            scopes: ['VERIFICATIONS_READ', 'VERIFICATIONS_WRITE', 'WEBHOOKS_WRITE', 'CONSOLE_ADMIN'],
          },
        },
        consoleAdmin,
      );
      expect(r.status).toBeLessThan(500);
      expect(r.body.data ?? null).toBeNull();
      const error = r.body.errors![0]!;
      expect(error.extensions).toMatchObject({
        code: 'FORBIDDEN',
        scopes: ['verifications:read', 'verifications:write', 'webhooks:write'],
      });
      expect(error.message).toContain('verifications:read, verifications:write, webhooks:write');
      expect(await activeKeys()).toBe(before);
    });

    it('refuses a console:admin key minting keys:admin (root) for itself', async () => {
      const r = await t.gql(CREATE, { input: { name: 'climb', scopes: ['KEYS_ADMIN'] } }, consoleAdmin);
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', scopes: ['keys:admin'] });
    });

    it('lets a console:admin key mint console:read and console:admin keys (scopes it holds)', async () => {
      const r = await t.gql<Json>(
        CREATE,
        { input: { name: 'night shift', scopes: ['CONSOLE_READ', 'CONSOLE_ADMIN'] } },
        consoleAdmin,
      );
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!.createApiKey.apiKey.scopes).toEqual(['CONSOLE_READ', 'CONSOLE_ADMIN']);
      expect(await keys.authenticate(r.body.data!.createApiKey.key)).toMatchObject({
        scopes: ['console:read', 'console:admin'],
      });
    });

    it('lets a keys:admin key mint any scope, keys:admin included', async () => {
      const all = [
        'VERIFICATIONS_READ',
        'VERIFICATIONS_WRITE',
        'WEBHOOKS_WRITE',
        'CONSOLE_READ',
        'CONSOLE_ADMIN',
        'KEYS_ADMIN',
      ];
      const r = await t.gql<Json>(CREATE, { input: { name: 'everything', scopes: all } }, root);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data!.createApiKey.apiKey.scopes).toEqual(all);
    });

    it('refuses a console:admin key revoking a key with scopes it lacks; the key keeps working', async () => {
      const service = await t.createApiKey(['verifications:read', 'verifications:write']);
      const r = await t.gql(REVOKE, { id: prefixOf(service) }, consoleAdmin);
      expect(r.body.errors![0]!.extensions).toMatchObject({
        code: 'FORBIDDEN',
        scopes: ['verifications:read', 'verifications:write'],
      });
      expect(await keys.authenticate(service)).not.toBeNull();
      const rootKey = await t.createApiKey(['keys:admin']);
      const onRoot = await t.gql(REVOKE, { id: prefixOf(rootKey) }, consoleAdmin);
      expect(onRoot.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', scopes: ['keys:admin'] });
      expect(await keys.authenticate(rootKey)).not.toBeNull();
    });

    it('lets a console:admin key revoke console keys, and keys:admin revoke any key', async () => {
      const reader = await t.createApiKey(['console:read']);
      const own = await t.gql<Json>(REVOKE, { id: prefixOf(reader) }, consoleAdmin);
      expect(own.body.data!.revokeApiKey.revokedAt).not.toBeNull();
      expect(await keys.authenticate(reader)).toBeNull();
      const service = await t.createApiKey(['verifications:write', 'webhooks:write']);
      const byRoot = await t.gql<Json>(REVOKE, { id: prefixOf(service) }, root);
      expect(byRoot.body.data!.revokeApiKey.revokedAt).not.toBeNull();
      expect(await keys.authenticate(service)).toBeNull();
      // unknown and already revoked: NOT_FOUND, not FORBIDDEN
      expect(errorCode(await t.gql(REVOKE, { id: prefixOf(service) }, consoleAdmin))).toBe('NOT_FOUND');
    });

    it('keys:admin alone manages keys but reads no console data and no sessions', async () => {
      const listed = await t.gql<Json>(LIST, {}, root);
      expect(listed.body.data!.apiKeys.length).toBeGreaterThan(0);
      expect(
        errorCode(
          await t.gql(
            '{ consoleOverview(from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z") { from } }',
            {},
            root,
          ),
        ),
      ).toBe('FORBIDDEN');
      expect(errorCode(await t.gql('{ verifications { edges { cursor } } }', {}, root))).toBe('FORBIDDEN');
      // keys without a key scope cannot manage keys at all
      const writer = await t.createApiKey(['verifications:write']);
      expect(
        errorCode(await t.gql(CREATE, { input: { name: 'x', scopes: ['VERIFICATIONS_WRITE'] } }, writer)),
      ).toBe('FORBIDDEN');
    });
  });
}

describe('the CLI (the server’s own user) grants any scope', () => {
  let pg: TestPostgresDatabase;
  let t: TestGateway;
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    t = await startTestGateway({ database: 'postgres', postgresUrl: pg.url });
  });
  afterAll(async () => {
    await t?.close();
    await pg?.drop();
  });

  it('creates a keys:admin key, whose key then mints a verification key through GraphQL', async () => {
    const result = await runFacegate(
      ['keys', 'create', '--name', 'root', '--scopes', 'keys:admin,verifications:read'],
      { env: { DATABASE_URL: pg.url, FACEGATE_SECRET: TEST_SECRET } },
    );
    expect(result.code, result.stderr).toBe(0);
    const key = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(result.stdout)?.[0];
    expect(result.stdout).toContain('scopes keys:admin,verifications:read');
    const minted = await t.gql<Json>(
      CREATE,
      { input: { name: 'billing', scopes: ['VERIFICATIONS_WRITE', 'WEBHOOKS_WRITE'] } },
      key,
    );
    expect(minted.body.errors).toBeUndefined();
    expect(minted.body.data!.createApiKey.apiKey.scopes).toEqual(['VERIFICATIONS_WRITE', 'WEBHOOKS_WRITE']);
  });

  it('lists every scope with what it allows in --help, keys:admin as root', async () => {
    const help = await runFacegate(['--help'], { env: {} });
    expect(help.code).toBe(0);
    for (const scope of [
      'verifications:read',
      'verifications:write',
      'webhooks:write',
      'console:read',
      'console:admin',
      'keys:admin',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${scope}\\s+\\S`, 'm'));
    }
    expect(help.stdout).toMatch(/keys:admin\s+root:/);
  });
});
