import type { ApiKeyRecord, ApiKeyStore, Result } from '@facegate/domain';
import { describe, expect, it, vi } from 'vitest';
import { ApiKeyService } from '../src/application/auth/api-key.service';
import { UserTokenService } from '../src/application/auth/user-token';
import { KeyRing } from '../src/infrastructure/crypto/key-ring';
import { NodeIdentityDigests } from '../src/infrastructure/crypto/node-identity-digests';

const ring = new KeyRing('a-master-secret-that-is-long-enough-000');
const now = new Date('2025-03-01T08:00:00Z');

describe('UserTokenService', () => {
  const tokens = new UserTokenService(ring.key('user-token-signing'));

  it('round-trips the openid until expiry, 2 hours by default', () => {
    const { token, expiresAt } = tokens.issue('o_user_1', now);
    expect(expiresAt.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    expect(tokens.verify(token, now)?.openid).toBe('o_user_1');
    expect(tokens.verify(token, new Date('2025-03-01T10:00:00Z'))).toBeNull();
  });

  it('rejects a tampered payload, a foreign key and garbage', () => {
    const { token } = tokens.issue('o_user_1', now);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'o_other', iat: 0, exp: 9e9, typ: 'user' })).toString(
      'base64url',
    );
    expect(tokens.verify(`${h}.${forged}.${s}`, now)).toBeNull();
    const other = new UserTokenService(
      new KeyRing('another-master-secret-long-enough-0000').key('user-token-signing'),
    );
    expect(other.verify(token, now)).toBeNull();
    expect(tokens.verify('not-a-token', now)).toBeNull();
    expect(tokens.verify('a.b.c', now)).toBeNull();
  });
});

describe('KeyRing / NodeIdentityDigests', () => {
  it('derives different keys per purpose and matches known digests', () => {
    expect(ring.key('hmac:evidence').equals(ring.key('hmac:id-number'))).toBe(false);
    const digests = new NodeIdentityDigests(ring);
    expect(digests.md5Hex('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(digests.sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digests.hmacHex('evidence', 'x')).not.toBe(digests.hmacHex('id-number', 'x'));
    expect(digests.hmacHex('evidence', 'x')).toMatch(/^[0-9a-f]{8}:[0-9a-f]{64}$/);
  });
});

class MemoryKeyStore implements ApiKeyStore {
  rows: (ApiKeyRecord & { secretHash: string })[] = [];
  async create(input: {
    name: string;
    prefix: string;
    secretHash: string;
    scopes: string[];
    apps?: string[] | null;
  }) {
    const row = {
      apps: null,
      id: `k${this.rows.length + 1}`,
      createdAt: now,
      revokedAt: null,
      lastUsedAt: null,
      ...input,
    };
    this.rows.push(row);
    return row;
  }
  async findActiveByPrefix(prefix: string) {
    return this.rows.find((r) => r.prefix === prefix && r.revokedAt === null) ?? null;
  }
  async list() {
    return this.rows;
  }
  async revoke(idOrPrefix: string) {
    const row = this.rows.find((r) => r.id === idOrPrefix || r.prefix === idOrPrefix);
    if (!row) return false;
    row.revokedAt = now;
    return true;
  }
  used: string[] = [];
  async markUsed(id: string) {
    this.used.push(id);
  }
}

describe('ApiKeyService', () => {
  it('stores only a hash, authenticates the key with its scopes, and stops after revocation', async () => {
    const store = new MemoryKeyStore();
    const keys = new ApiKeyService(store, ring.key('api-key-hash'));
    const { key, record } = created(await keys.create('billing', ['verifications:read']));
    expect(key).toMatch(/^fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(store.rows)).not.toContain(key.slice(17));
    expect(await keys.authenticate(key)).toEqual({
      kind: 'service',
      keyId: record.id,
      name: 'billing',
      scopes: ['verifications:read'],
      apps: null,
    });
    // Alter a character in the middle of the secret (the last one may already be the replacement).
    const at = key.length - 10;
    const altered = `${key.slice(0, at)}${key[at] === 'A' ? 'B' : 'A'}${key.slice(at + 1)}`;
    expect(await keys.authenticate(altered)).toBeNull();
    await keys.revoke(record.prefix);
    expect(await keys.authenticate(key)).toBeNull();
  });

  describe('verified-key cache', () => {
    async function setup() {
      const store = new MemoryKeyStore();
      let clock = 0;
      const options = { cacheTtlMs: 10_000, now: () => clock };
      const keys = new ApiKeyService(store, ring.key('api-key-hash'), options);
      const { key, record } = created(await keys.create('billing', ['verifications:read']));
      const lookups = vi.spyOn(store, 'findActiveByPrefix');
      const advance = (ms: number) => {
        clock += ms;
      };
      return { store, keys, key, record, lookups, advance, options };
    }

    it('asks the store once per TTL for a busy key, and records its use once per lookup', async () => {
      const { store, keys, key, record, lookups, advance } = await setup();
      for (let i = 0; i < 5; i++) expect(await keys.authenticate(key)).toMatchObject({ keyId: record.id });
      expect(lookups).toHaveBeenCalledTimes(1);
      expect(store.used).toEqual([record.id]);
      advance(10_000);
      expect(await keys.authenticate(key)).toMatchObject({ keyId: record.id });
      expect(lookups).toHaveBeenCalledTimes(2);
      expect(store.used).toEqual([record.id, record.id]);
    });

    it('never answers a wrong secret from the cache', async () => {
      const { keys, key } = await setup();
      expect(await keys.authenticate(key)).not.toBeNull();
      const at = key.length - 10;
      const altered = `${key.slice(0, at)}${key[at] === 'A' ? 'B' : 'A'}${key.slice(at + 1)}`;
      expect(await keys.authenticate(altered)).toBeNull();
    });

    it('a revocation here takes effect at once; one by another instance within the TTL', async () => {
      const { store, keys, key, record, advance, options } = await setup();
      expect(await keys.authenticate(key)).not.toBeNull();
      const elsewhere = new ApiKeyService(store, ring.key('api-key-hash'), options);
      await elsewhere.revoke(record.prefix);
      expect(await keys.authenticate(key)).not.toBeNull();
      advance(10_000);
      expect(await keys.authenticate(key)).toBeNull();

      const second = created(await keys.create('reports', ['verifications:read']));
      expect(await keys.authenticate(second.key)).not.toBeNull();
      await keys.revoke(second.record.prefix);
      expect(await keys.authenticate(second.key)).toBeNull();
    });
  });

  it('validates scopes', () => {
    expect(ApiKeyService.parseScopes('verifications:read, verifications:write')).toEqual({
      ok: true,
      value: ['verifications:read', 'verifications:write'],
    });
    expect(ApiKeyService.parseScopes('admin')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'scopes', reason: 'SCOPE_UNKNOWN', scope: 'admin' },
    });
    expect(ApiKeyService.parseScopes(' , ')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'scopes', reason: 'SCOPES_REQUIRED' },
    });
  });

  it('refuses a name that is blank or too long, with a message naming no CLI flag', async () => {
    const keys = new ApiKeyService(new MemoryKeyStore(), ring.key('api-key-hash'));
    for (const name of ['  ', 'n'.repeat(101)]) {
      const refused = await keys.create(name, ['verifications:read']);
      expect(refused).toEqual({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          field: 'name',
          rule: 'API_KEY_INPUT',
          reason: 'NAME_LENGTH',
          message: 'the key needs a name of 1-100 characters',
        },
      });
    }
  });
});

function created<T>(result: Result<T, { message: string }>): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
