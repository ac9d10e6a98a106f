/** A service API key as stored and listed: never its secret. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Public, unique part of the key, used to find the row. */
  prefix: string;
  scopes: string[];
  /** The apps the key may see and act in; null = every app (keys made before apps). */
  apps: string[] | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface CreateApiKeyInput {
  name: string;
  /** Public, unique part of the key, used to find the row. */
  prefix: string;
  /** The gateway's keyed hash of the key's secret; the secret itself never reaches the store. */
  secretHash: string;
  scopes: string[];
  /** Null or omitted: every app. */
  apps?: string[] | null;
}

/** Service API keys, kept as prefix + secret hash. */
export interface ApiKeyStore {
  create(input: CreateApiKeyInput): Promise<ApiKeyRecord>;
  /** The key with this prefix, unless revoked; with its secret hash for the caller to compare. */
  findActiveByPrefix(prefix: string): Promise<(ApiKeyRecord & { secretHash: string }) | null>;
  /** Every key, revoked ones included, oldest first. Never the secret hash. */
  list(): Promise<ApiKeyRecord[]>;
  /** True when an active key with this id or prefix was revoked now; false when none (or already revoked). */
  revoke(idOrPrefix: string): Promise<boolean>;
  /**
   * Replaces a key's secret hash with one made under the current secret (after a rotation), only while the
   * stored hash is still `expected`; true when it was replaced.
   */
  rekey?(id: string, expected: string, secretHash: string): Promise<boolean>;
  /** Records a successful use (the store may throttle its writes). */
  markUsed?(id: string, at: Date): Promise<void>;
}
