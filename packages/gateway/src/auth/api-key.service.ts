import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_SCOPES, type ApiKeyScope, type Viewer } from './viewer';

/** What the gateway needs from the key store (SqlApiKeyStore of @facegate/adapters-postgres fits it). */
export interface ApiKeyStore {
  create(input: {
    name: string;
    prefix: string;
    secretHash: string;
    scopes: string[];
  }): Promise<ApiKeyListing>;
  findActiveByPrefix(prefix: string): Promise<(ApiKeyListing & { secretHash: string }) | null>;
  list(): Promise<ApiKeyListing[]>;
  revoke(idOrPrefix: string): Promise<boolean>;
}

export interface ApiKeyListing {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export class ApiKeyInputError extends Error {
  constructor(
    readonly field: 'name' | 'scopes',
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyInputError';
  }
}

const KEY_SHAPE = /^fgk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * Service API keys: `fgk_<prefix>_<secret>`. The prefix finds the row; only an HMAC of the secret is stored
 * (keyed, so a database dump alone cannot be used to check guesses).
 */
export class ApiKeyService {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly hashKey: Uint8Array,
  ) {}

  static parseScopes(raw: string): ApiKeyScope[] {
    const scopes = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (scopes.length === 0) {
      throw new ApiKeyInputError('scopes', `give at least one scope: ${API_KEY_SCOPES.join(', ')}`);
    }
    for (const scope of scopes) {
      if (!(API_KEY_SCOPES as readonly string[]).includes(scope)) {
        throw new ApiKeyInputError('scopes', `unknown scope "${scope}"; known: ${API_KEY_SCOPES.join(', ')}`);
      }
    }
    return [...new Set(scopes)] as ApiKeyScope[];
  }

  /** Creates a key; the returned `key` is shown once and never stored. */
  async create(
    name: string,
    scopes: readonly ApiKeyScope[],
  ): Promise<{ key: string; record: ApiKeyListing }> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 100) {
      throw new ApiKeyInputError('name', 'the key needs a name of 1-100 characters (--name)');
    }
    if (scopes.length === 0) throw new ApiKeyInputError('scopes', 'give at least one scope (--scopes)');
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record = await this.store.create({
      name: trimmed,
      prefix,
      secretHash: this.hash(secret),
      scopes: [...scopes],
    });
    return { key: `fgk_${prefix}_${secret}`, record };
  }

  list(): Promise<ApiKeyListing[]> {
    return this.store.list();
  }

  revoke(idOrPrefix: string): Promise<boolean> {
    return this.store.revoke(idOrPrefix);
  }

  /** The service viewer for a valid, unrevoked key; null otherwise. */
  async authenticate(key: string): Promise<Extract<Viewer, { kind: 'service' }> | null> {
    const match = KEY_SHAPE.exec(key);
    if (match === null) return null;
    const [, prefix, secret] = match as unknown as [string, string, string];
    const found = await this.store.findActiveByPrefix(prefix);
    if (found === null || found.revokedAt !== null) return null;
    const expected = Buffer.from(found.secretHash, 'hex');
    const given = Buffer.from(this.hash(secret), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const scopes = found.scopes.filter((s): s is ApiKeyScope =>
      (API_KEY_SCOPES as readonly string[]).includes(s),
    );
    return { kind: 'service', keyId: found.id, name: found.name, scopes };
  }

  static looksLikeApiKey(credential: string): boolean {
    return credential.startsWith('fgk_');
  }

  private hash(secret: string): string {
    return createHmac('sha256', this.hashKey).update(secret).digest('hex');
  }
}
