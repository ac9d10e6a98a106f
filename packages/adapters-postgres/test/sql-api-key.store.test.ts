import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyPrefixTakenError, type Database, SqlApiKeyStore } from '../src/index';
import { allHarnesses, openMigrated } from './support/drivers';
import { uniqueId } from './support/session-mother';

const harnesses = await allHarnesses({ disk: false });

for (const harness of harnesses) {
  describe(`SqlApiKeyStore on ${harness.name}`, () => {
    let db: Database;
    let store: SqlApiKeyStore;

    beforeAll(async () => {
      db = await openMigrated(harness);
      store = new SqlApiKeyStore(db);
    });

    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    it('creates a key and finds it by prefix with its secret hash', async () => {
      const prefix = uniqueId('fg');
      const created = await store.create({
        name: 'billing',
        prefix,
        secretHash: 'h'.repeat(64),
        scopes: ['verify', 'read'],
      });
      expect(created).toEqual({
        id: expect.any(String),
        name: 'billing',
        prefix,
        scopes: ['verify', 'read'],
        apps: null,
        createdAt: expect.any(Date),
        revokedAt: null,
        lastUsedAt: null,
      });
      expect(created).not.toHaveProperty('secretHash');
      expect(await store.findActiveByPrefix(prefix)).toEqual({ ...created, secretHash: 'h'.repeat(64) });
      expect(await store.findActiveByPrefix(uniqueId('none'))).toBeNull();
    });

    it('keeps the apps a key is limited to (null: every app)', async () => {
      const limited = await store.create({
        name: 'retail only',
        prefix: uniqueId('fg'),
        secretHash: 'h',
        scopes: ['read'],
        apps: ['retail', 'card'],
      });
      expect(limited.apps).toEqual(['retail', 'card']);
      expect((await store.findActiveByPrefix(limited.prefix))?.apps).toEqual(['retail', 'card']);
      const every = await store.create({
        name: 'all',
        prefix: uniqueId('fg'),
        secretHash: 'h',
        scopes: [],
        apps: null,
      });
      expect((await store.list()).find((k) => k.id === every.id)?.apps).toBeNull();
    });

    it('refuses a second key with the same prefix', async () => {
      const prefix = uniqueId('fg');
      await store.create({ name: 'a', prefix, secretHash: 'x', scopes: [] });
      await expect(store.create({ name: 'b', prefix, secretHash: 'y', scopes: [] })).rejects.toThrow(
        ApiKeyPrefixTakenError,
      );
    });

    it('lists every key oldest first, revoked ones too, never with the secret hash', async () => {
      const a = await store.create({
        name: 'list-a',
        prefix: uniqueId('fg'),
        secretHash: 'secret-hash-a',
        scopes: [],
      });
      const b = await store.create({
        name: 'list-b',
        prefix: uniqueId('fg'),
        secretHash: 'secret-hash-b',
        scopes: ['x'],
      });
      await store.revoke(a.id);
      const listed = await store.list();
      const times = listed.map((k) => k.createdAt.getTime());
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect(listed.map((k) => k.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(listed.find((k) => k.id === a.id)?.revokedAt).toBeInstanceOf(Date);
      expect(listed.find((k) => k.id === b.id)).toEqual(b);
      expect(JSON.stringify(listed)).not.toContain('secret-hash');
    });

    it('revokes by id or by prefix, once; a revoked key is no longer found', async () => {
      const byId = await store.create({ name: 'r1', prefix: uniqueId('fg'), secretHash: 'x', scopes: [] });
      const byPrefix = await store.create({
        name: 'r2',
        prefix: uniqueId('fg'),
        secretHash: 'x',
        scopes: [],
      });
      expect(await store.revoke(byId.id)).toBe(true);
      expect(await store.revoke(byPrefix.prefix)).toBe(true);
      expect(await store.revoke(byId.id)).toBe(false);
      expect(await store.revoke(byPrefix.prefix)).toBe(false);
      expect(await store.revoke('no-such-key')).toBe(false);
      expect(await store.findActiveByPrefix(byId.prefix)).toBeNull();
      expect(await store.findActiveByPrefix(byPrefix.prefix)).toBeNull();
    });

    it('records the last use, at most once a minute', async () => {
      const key = await store.create({ name: 'used', prefix: uniqueId('fg'), secretHash: 'x', scopes: [] });
      const t1 = new Date('2030-01-01T00:00:00.000Z');
      await store.markUsed(key.id, t1);
      expect((await store.findActiveByPrefix(key.prefix))?.lastUsedAt).toEqual(t1);
      await store.markUsed(key.id, new Date(t1.getTime() + 30_000));
      expect((await store.findActiveByPrefix(key.prefix))?.lastUsedAt).toEqual(t1);
      const t2 = new Date(t1.getTime() + 61_000);
      await store.markUsed(key.id, t2);
      expect((await store.findActiveByPrefix(key.prefix))?.lastUsedAt).toEqual(t2);
    });
  });
}
