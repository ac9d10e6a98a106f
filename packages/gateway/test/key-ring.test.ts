import { createHmac } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore, Result } from '@facegate/domain';
import { describe, expect, it } from 'vitest';
import { ApiKeyService } from '../src/application/auth/api-key.service';
import { UserTokenService } from '../src/application/auth/user-token';
import { ConfigError } from '../src/config/env';
import { readSecretFallbacks } from '../src/config/secret-strength';
import { KEY_ID_PATTERN, KeyRing } from '../src/infrastructure/crypto/key-ring';
import { NodeIdentityDigests } from '../src/infrastructure/crypto/node-identity-digests';

const OLD = 'old-secret-4f8Qz2LmX9vB7nK1pR6tY3wC0dH5jE8a';
const NEW = 'new-secret-Jq7Vb2Xn9Lm4Pz8Rt1Wk6Yc3Hd5Fg0Sa';
const before = new KeyRing(OLD);
const during = new KeyRing(NEW, [OLD]);
const after = new KeyRing(NEW);
const now = new Date('2026-03-01T08:00:00Z');

describe('KeyRing', () => {
  it('derives the same keys from the same secret, current first, each with a short id', () => {
    expect(during.size).toBe(2);
    expect(during.current('api-key-hash')).toEqual(after.current('api-key-hash'));
    expect(during.fallbacks('api-key-hash')).toEqual([{ ...before.current('api-key-hash'), generation: 1 }]);
    expect(during.all('api-key-hash').map((k) => k.generation)).toEqual([0, 1]);
    for (const key of during.all('field-encryption')) expect(key.id).toMatch(KEY_ID_PATTERN);
    // the single-secret interface answers the current key, as before rotation existed
    expect(during.key('user-token-signing').equals(after.key('user-token-signing'))).toBe(true);
  });

  it('gives every secret and every purpose its own key and key id, and finds a key by its id', () => {
    const ids = new Set(
      (['field-encryption', 'api-key-hash', 'hmac:evidence', 'user-token-signing'] as const).flatMap((p) =>
        during.all(p).map((k) => k.id),
      ),
    );
    expect(ids.size).toBe(8);
    const old = before.current('hmac:evidence');
    expect(during.byId('hmac:evidence', old.id)?.key.equals(old.key)).toBe(true);
    expect(after.byId('hmac:evidence', old.id)).toBeUndefined();
  });

  it('a key id reveals nothing usable: it is not a prefix of the key or of an HMAC made with it', () => {
    const key = during.current('hmac:evidence');
    expect(key.key.toString('hex').startsWith(key.id)).toBe(false);
    expect(createHmac('sha256', key.key).update('').digest('hex').startsWith(key.id)).toBe(false);
  });
});

describe('NodeIdentityDigests across a rotation', () => {
  it('hashes with the current key and offers each fallback key’s hash for look-ups', () => {
    const old = new NodeIdentityDigests(before);
    const rotating = new NodeIdentityDigests(during);
    const idNumber = '11010519491231002X';
    expect(rotating.previousHmacHex('id-number', idNumber)).toEqual([old.hmacHex('id-number', idNumber)]);
    expect(new NodeIdentityDigests(after).previousHmacHex('id-number', idNumber)).toEqual([]);
    expect(rotating.hmacHex('id-number', idNumber)).not.toBe(old.hmacHex('id-number', idNumber));
  });

  it('names the key in an evidence hash, and finds evidence hashed by a fallback or before key ids', () => {
    const old = new NodeIdentityDigests(before);
    const rotating = new NodeIdentityDigests(during);
    const hash = rotating.hmacHex('evidence', 'legacy:abc');
    expect(hash.startsWith(`${during.current('hmac:evidence').id}:`)).toBe(true);
    const previous = rotating.previousHmacHex('evidence', 'legacy:abc');
    expect(previous).toContain(old.hmacHex('evidence', 'legacy:abc'));
    // written before key ids: plain hex under the secret of the time
    expect(previous).toContain(old.hmacHex('evidence', 'legacy:abc').split(':')[1]);
    expect(previous).not.toContain(hash);
  });
});

describe('UserTokenService across a rotation', () => {
  const issuer = new UserTokenService(before.all('user-token-signing'));
  const rotating = new UserTokenService(during.all('user-token-signing'));
  const rotated = new UserTokenService(after.all('user-token-signing'));

  it('names the signing key in the header and signs new tokens with the current key', () => {
    const { token } = rotating.issue('o_user_1', now);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: during.current('user-token-signing').id });
    expect(rotated.verify(token, now)?.openid).toBe('o_user_1');
  });

  it('accepts a token signed before the rotation while its key is a fallback, until it expires', () => {
    const { token, expiresAt } = issuer.issue('o_user_1', now);
    expect(rotating.verify(token, now)?.openid).toBe('o_user_1');
    expect(rotating.verify(token, expiresAt)).toBeNull();
    // once the old secret is no fallback: refused, which is why the fallback stays until such tokens expire
    expect(rotated.verify(token, now)).toBeNull();
  });

  it('accepts a token from before key ids (no kid) under any live key, and refuses a kid it does not hold', () => {
    const legacy = new UserTokenService(before.key('user-token-signing'));
    const { token } = legacy.issue('o_user_2', now);
    const [, payload] = token.split('.');
    const legacyHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const signature = createHmac('sha256', before.key('user-token-signing'))
      .update(`${legacyHeader}.${payload}`)
      .digest('base64url');
    expect(rotating.verify(`${legacyHeader}.${payload}.${signature}`, now)?.openid).toBe('o_user_2');
    expect(rotated.verify(`${legacyHeader}.${payload}.${signature}`, now)).toBeNull();
    const unknownKid = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'ffffffff' })).toString(
      'base64url',
    );
    expect(rotating.verify(`${unknownKid}.${payload}.${signature}`, now)).toBeNull();
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
    const row = this.rows.find((r) => r.prefix === prefix && r.revokedAt === null);
    return row === undefined ? null : { ...row };
  }
  async list() {
    return this.rows;
  }
  async revoke() {
    return false;
  }
  async rekey(id: string, expected: string, secretHash: string) {
    const row = this.rows.find((r) => r.id === id && r.secretHash === expected);
    if (row) row.secretHash = secretHash;
    return row !== undefined;
  }
}

function created<T>(result: Result<T, unknown>): T {
  if (!result.ok) throw new Error('expected ok');
  return result.value;
}

describe('ApiKeyService across a rotation', () => {
  it('stores `<key id>:<hash>`, re-keys a key made before on its first use, and then needs no fallback', async () => {
    const store = new MemoryKeyStore();
    const { key } = created(
      await new ApiKeyService(store, before.all('api-key-hash')).create('billing', ['verifications:read']),
    );
    const oldId = before.current('api-key-hash').id;
    expect(store.rows[0]!.secretHash).toMatch(new RegExp(`^${oldId}:[0-9a-f]{64}$`));
    // not used during the rotation: it still needs the fallback
    expect(await new ApiKeyService(store, after.all('api-key-hash')).authenticate(key)).toBeNull();

    expect(await new ApiKeyService(store, during.all('api-key-hash')).authenticate(key)).toMatchObject({
      name: 'billing',
    });
    await new Promise((r) => setImmediate(r)); // the re-key is written in the background
    expect(store.rows[0]!.secretHash.startsWith(`${during.current('api-key-hash').id}:`)).toBe(true);
    expect(await new ApiKeyService(store, after.all('api-key-hash')).authenticate(key)).toMatchObject({
      name: 'billing',
    });
  });

  it('checks a hash stored before key ids (plain hex) with each live key, and re-keys it', async () => {
    const store = new MemoryKeyStore();
    const { key } = created(
      await new ApiKeyService(store, before.all('api-key-hash')).create('legacy', ['verifications:read']),
    );
    store.rows[0]!.secretHash = store.rows[0]!.secretHash.split(':')[1]!;
    expect(await new ApiKeyService(store, during.all('api-key-hash')).authenticate(key)).not.toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(store.rows[0]!.secretHash.startsWith(`${during.current('api-key-hash').id}:`)).toBe(true);
  });

  it('never checks a hash named for one key with another key', async () => {
    const store = new MemoryKeyStore();
    const { key } = created(
      await new ApiKeyService(store, before.all('api-key-hash')).create('x', ['verifications:read']),
    );
    // the old key's hash, relabelled as the new key's: refused, not tried with every key
    store.rows[0]!.secretHash =
      `${during.current('api-key-hash').id}:${store.rows[0]!.secretHash.split(':')[1]}`;
    expect(await new ApiKeyService(store, during.all('api-key-hash')).authenticate(key)).toBeNull();
  });
});

describe('FACEGATE_SECRET_FALLBACKS', () => {
  const refusal = (raw: string, secret: string | null = NEW) => {
    try {
      readSecretFallbacks({ FACEGATE_SECRET_FALLBACKS: raw }, secret);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('reads older secrets, comma-separated, in order', () => {
    const third = 'third-secret-Zx8Cv5Bn2Mq7Wr4Ty1Ui9Op6As3D';
    expect(readSecretFallbacks({ FACEGATE_SECRET_FALLBACKS: ` ${OLD} , ${third}` }, NEW)).toEqual([
      OLD,
      third,
    ]);
    expect(readSecretFallbacks({}, NEW)).toEqual([]);
  });

  it('holds each entry to FACEGATE_SECRET’s strength check, naming it by position, never echoing it', () => {
    const short = 'too-short';
    expect(refusal(`${OLD},${short}`)).toBe(
      'FACEGATE_SECRET_FALLBACKS: entry 2 of 2 must be at least 32 characters long',
    );
    const predictable = 'ab'.repeat(30);
    const message = refusal(predictable);
    expect(message).toMatch(/^FACEGATE_SECRET_FALLBACKS: entry 1 of 1 is too predictable/);
    expect(message).not.toContain(predictable);
    expect(refusal(`${OLD},`)).toBe('FACEGATE_SECRET_FALLBACKS: entry 2 of 2 is empty');
  });

  it('refuses the current secret or a repeated one as a fallback, and fallbacks without FACEGATE_SECRET', () => {
    expect(refusal(NEW)).toBe(
      'FACEGATE_SECRET_FALLBACKS: entry 1 of 1 repeats FACEGATE_SECRET or an earlier entry',
    );
    expect(refusal(`${OLD},${OLD}`)).toMatch(/entry 2 of 2 repeats/);
    expect(refusal(OLD, null)).toMatch(/^FACEGATE_SECRET_FALLBACKS: needs FACEGATE_SECRET/);
  });
});
