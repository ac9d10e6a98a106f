import { createHmac, hash as digest, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  type Err,
  err,
  isAppSlug,
  ok,
  type Result,
} from '@facegate/domain';
import { LRUCache } from 'lru-cache';
import { API_KEY_SCOPES, type ApiKeyScope, type Viewer } from './viewer';

export interface ApiKeyServiceOptions {
  /**
   * How long a verified key is trusted without asking the store again (default 10,000 ms): a revocation on
   * another instance takes effect here within this time; on this instance it takes effect at once.
   */
  readonly cacheTtlMs?: number;
  /** Milliseconds clock for the cache (default Date.now). */
  readonly now?: () => number;
  /** Called when recording a use fails (it never fails the request). */
  readonly onMarkUsedError?: (error: unknown) => void;
  /** Whether an app id names an app served here (a key limited to an unknown app is refused); default: any. */
  readonly knownApp?: (id: string) => boolean;
}

type ServiceViewer = Extract<Viewer, { kind: 'service' }>;

/** A new key: `key` is shown once and never stored. */
export interface CreatedApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/**
 * Bad input to create a key: which field, and why (`reason`). The `message` says it without naming how it was
 * given (GraphQL shows it as is); the CLI says it in its own words (with its --flags).
 */
export interface ApiKeyInputFailure {
  readonly code: 'INVALID_INPUT';
  readonly field: 'name' | 'scopes' | 'apps';
  readonly rule: 'API_KEY_INPUT';
  readonly reason: 'NAME_LENGTH' | 'SCOPES_REQUIRED' | 'SCOPE_UNKNOWN' | 'APPS_INVALID' | 'APPS_BEYOND';
  /** For SCOPE_UNKNOWN: the scope given. */
  readonly scope?: string;
  readonly message: string;
}

/** A key asked to create or revoke a key holding scopes beyond its own (see scopesBeyond). */
export interface ApiKeyGrantFailure {
  readonly code: 'API_KEY_GRANT';
  readonly action: 'create' | 'revoke';
  readonly scopes: readonly string[];
  readonly message: string;
}

/** What the key service refuses, as a value with a literal `code`. */
export type ApiKeyError = ApiKeyInputFailure | ApiKeyGrantFailure;

const NAME_MAX_LENGTH = 100;

const keyInput = (
  field: ApiKeyInputFailure['field'],
  reason: ApiKeyInputFailure['reason'],
  message: string,
  scope?: string,
): Err<ApiKeyInputFailure> =>
  err({
    code: 'INVALID_INPUT',
    field,
    rule: 'API_KEY_INPUT',
    reason,
    message,
    ...(scope !== undefined ? { scope } : {}),
  });

/** Scopes that include others: console:admin may do all console:read may. */
const INCLUDED: Partial<Record<ApiKeyScope, readonly ApiKeyScope[]>> = { 'console:admin': ['console:read'] };

/**
 * The scopes among `scopes` a key holding `holder` may not give to another key (nor take away, by revoking
 * one that holds them): a key hands out at most what it holds itself, unless it holds keys:admin, the root
 * scope. The server's operator (the CLI, the admin endpoint) is not a key and is not limited.
 */
export function scopesBeyond(holder: readonly ApiKeyScope[], scopes: readonly string[]): string[] {
  if (holder.includes('keys:admin')) return [];
  const held = new Set<string>(holder.flatMap((scope) => [scope, ...(INCLUDED[scope] ?? [])]));
  return [...new Set(scopes)].filter((scope) => !held.has(scope));
}

function grantRefused(action: 'create' | 'revoke', scopes: readonly string[]): Err<ApiKeyGrantFailure> {
  const named = scopes.join(', ');
  return err({
    code: 'API_KEY_GRANT',
    action,
    scopes,
    message:
      action === 'create'
        ? `this API key may not grant ${named}: a key grants only scopes it holds (keys:admin grants any)`
        : `this API key may not revoke a key holding ${named}: a key revokes only keys whose scopes it holds (keys:admin revokes any)`,
  });
}

const KEY_SHAPE = /^fgk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * Service API keys: `fgk_<prefix>_<secret>`. The prefix finds the row; only an HMAC of the secret is stored
 * (keyed, so a database dump alone cannot be used to check guesses).
 */
export class ApiKeyService {
  /** Verified keys by a SHA-256 of the whole key (never the key itself), each with when to ask again. */
  private readonly verified = new LRUCache<string, { viewer: ServiceViewer; until: number }>({ max: 1_000 });
  private readonly cacheTtlMs: number;
  private readonly now: () => number;

  private readonly hashKeys: readonly ApiKeyHashKey[];

  /**
   * `hashKeys`: one key, or the key ring's API key hashing keys with the current one first. A hash is stored
   * as `<key id>:<hex>`; one made with a fallback key (or before key ids) is checked with that key and, on a
   * successful use, re-made with the current key, so a key in use stops depending on the old secret.
   */
  constructor(
    private readonly store: ApiKeyStore,
    hashKeys: Uint8Array | readonly ApiKeyHashKey[],
    private readonly options: ApiKeyServiceOptions = {},
  ) {
    this.hashKeys = hashKeys instanceof Uint8Array ? [{ id: '00000000', key: hashKeys }] : hashKeys;
    this.cacheTtlMs = options.cacheTtlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Scopes written as the CLI takes them: comma-separated. */
  static parseScopes(raw: string): Result<ApiKeyScope[], ApiKeyInputFailure> {
    const scopes = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (scopes.length === 0) return keyInput('scopes', 'SCOPES_REQUIRED', 'give at least one scope');
    for (const scope of scopes) {
      if (!(API_KEY_SCOPES as readonly string[]).includes(scope)) {
        return keyInput(
          'scopes',
          'SCOPE_UNKNOWN',
          `unknown scope "${scope}"; known: ${API_KEY_SCOPES.join(', ')}`,
          scope,
        );
      }
    }
    return ok([...new Set(scopes)] as ApiKeyScope[]);
  }

  /**
   * Creates a key for the server's operator (CLI, admin endpoint): any scope. The returned `key` is shown
   * once and never stored. Requests made with an API key go through createForKey.
   */
  async create(
    name: string,
    scopes: readonly ApiKeyScope[],
    apps: readonly string[] | null = null,
  ): Promise<Result<CreatedApiKey, ApiKeyInputFailure>> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > NAME_MAX_LENGTH) {
      return keyInput('name', 'NAME_LENGTH', `the key needs a name of 1-${NAME_MAX_LENGTH} characters`);
    }
    if (scopes.length === 0) return keyInput('scopes', 'SCOPES_REQUIRED', 'give at least one scope');
    if (apps !== null && (apps.length === 0 || !apps.every(isAppSlug))) {
      return keyInput('apps', 'APPS_INVALID', 'apps: one or more app ids (omit for every app)');
    }
    const unknown = apps?.find((app) => !(this.options.knownApp?.(app) ?? true));
    if (unknown !== undefined) return keyInput('apps', 'APPS_INVALID', `no app "${unknown}" is served here`);
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record = await this.store.create({
      name: trimmed,
      prefix,
      secretHash: storedHash(this.hashKeys[0]!, secret),
      scopes: [...scopes],
      apps: apps === null ? null : [...new Set(apps)],
    });
    return ok({ key: `fgk_${prefix}_${secret}`, record });
  }

  /** Creates a key on behalf of a key holding `holder`: only scopes it holds (API_KEY_GRANT otherwise). */
  async createForKey(
    holder: readonly ApiKeyScope[],
    name: string,
    scopes: readonly ApiKeyScope[],
    apps: readonly string[] | null = null,
    holderApps: readonly string[] | null = null,
  ): Promise<Result<CreatedApiKey, ApiKeyError>> {
    const beyond = scopesBeyond(holder, scopes);
    if (beyond.length > 0) return grantRefused('create', beyond);
    // a key limited to some apps grants only within them (and an unlimited key only to a key it limits)
    if (holderApps !== null && (apps === null || apps.some((app) => !holderApps.includes(app)))) {
      return keyInput(
        'apps',
        'APPS_BEYOND',
        'a key limited to some apps may only create keys limited to those',
      );
    }
    return this.create(name, scopes, apps);
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  async revoke(idOrPrefix: string): Promise<boolean> {
    const revoked = await this.store.revoke(idOrPrefix);
    // Rare: forget every verified key rather than track which entry the id or prefix names.
    this.verified.clear();
    return revoked;
  }

  /**
   * Revokes, on behalf of a key holding `holder`, an active key it could have created itself (a console
   * operator must not switch off a production service's key); API_KEY_GRANT otherwise. The revoked key,
   * or null when no active key has this id or prefix.
   */
  async revokeForKey(
    holder: readonly ApiKeyScope[],
    idOrPrefix: string,
  ): Promise<Result<ApiKeyRecord | null, ApiKeyGrantFailure>> {
    const target = (await this.store.list()).find(
      (k) => k.revokedAt === null && (k.id === idOrPrefix || k.prefix === idOrPrefix),
    );
    if (target === undefined) return ok(null);
    const beyond = scopesBeyond(holder, target.scopes);
    if (beyond.length > 0) return grantRefused('revoke', beyond);
    if (!(await this.revoke(target.id))) return ok(null);
    return ok((await this.store.list()).find((k) => k.id === target.id) ?? null);
  }

  /** The service viewer for a valid, unrevoked key; null otherwise. */
  async authenticate(key: string): Promise<ServiceViewer | null> {
    const match = KEY_SHAPE.exec(key);
    if (match === null) return null;
    const [, prefix, secret] = match as unknown as [string, string, string];
    // a plain digest of the whole key finds a verified one without the keyed HMAC (1 µs instead of 4)
    const cacheKey = digest('sha256', key, 'base64');
    const now = this.now();
    const cached = this.verified.get(cacheKey);
    if (cached !== undefined && cached.until > now) return cached.viewer;
    const found = await this.store.findActiveByPrefix(prefix);
    if (found === null || found.revokedAt !== null) {
      this.verified.delete(cacheKey);
      return null;
    }
    const matched = this.matchingKey(found.secretHash, secret);
    if (matched === null) return null;
    const current = this.hashKeys[0]!;
    if (matched !== current) {
      // made with a fallback key or before key ids: re-made with the current key, only if still unchanged
      this.store
        .rekey?.(found.id, found.secretHash, storedHash(current, secret))
        .catch((error: unknown) => this.options.onMarkUsedError?.(error));
    }
    const scopes = found.scopes.filter((s): s is ApiKeyScope =>
      (API_KEY_SCOPES as readonly string[]).includes(s),
    );
    const viewer: ServiceViewer = {
      kind: 'service',
      keyId: found.id,
      name: found.name,
      scopes,
      apps: found.apps ?? null,
    };
    this.verified.set(cacheKey, { viewer, until: now + this.cacheTtlMs });
    // Once per cache fill, so at most one write per key per TTL (the store throttles further).
    this.store
      .markUsed?.(found.id, new Date(now))
      .catch((error: unknown) => this.options.onMarkUsedError?.(error));
    return viewer;
  }

  static looksLikeApiKey(credential: string): boolean {
    return credential.startsWith('fgk_');
  }

  /** The live key whose hash of `secret` is the stored one; null when none is. */
  private matchingKey(stored: string, secret: string): ApiKeyHashKey | null {
    const separator = stored.indexOf(':');
    const keyId = separator === -1 ? null : stored.slice(0, separator);
    const expected = Buffer.from(separator === -1 ? stored : stored.slice(separator + 1), 'hex');
    // a hash that names its key is checked with that key only; one from before key ids with each live key
    const candidates = keyId === null ? this.hashKeys : this.hashKeys.filter((k) => k.id === keyId);
    for (const candidate of candidates) {
      const given = Buffer.from(hmacHex(candidate.key, secret), 'hex');
      if (expected.length === given.length && timingSafeEqual(expected, given)) return candidate;
    }
    return null;
  }
}

/** A key of the ring API key hashes are made with, and its id. */
export interface ApiKeyHashKey {
  readonly id: string;
  readonly key: Uint8Array;
}

function hmacHex(key: Uint8Array, secret: string): string {
  return createHmac('sha256', key).update(secret).digest('hex');
}

/** How a hash is stored: `<key id>:<hex>`, so a rotation can tell which secret each row still needs. */
function storedHash(key: ApiKeyHashKey, secret: string): string {
  return `${key.id}:${hmacHex(key.key, secret)}`;
}
