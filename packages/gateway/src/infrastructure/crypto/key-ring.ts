import { createHash, hkdfSync } from 'node:crypto';

/** Every key FaceGate uses, each derived for one purpose so a leak of one never exposes another. */
export type KeyPurpose =
  | 'user-token-signing'
  | 'field-encryption'
  | 'api-key-hash'
  | 'hmac:id-number'
  | 'hmac:evidence'
  | 'hmac:openid'
  | 'rate-limit-key'
  | 'webhook-secret-encryption'
  | 'audit-checkpoint-signing'
  | 'hmac:audit-client-address';

/** A derived key and its id: a short fingerprint of the key, stored beside what the key made. */
export interface DerivedKey {
  /** 8 lowercase hex characters; says which secret made a value without revealing anything of the key. */
  readonly id: string;
  readonly key: Buffer;
  /** 0 for FACEGATE_SECRET, n for the n-th entry of FACEGATE_SECRET_FALLBACKS. */
  readonly generation: number;
}

const SALT = 'facegate/v1';
/** Key ids are 8 hex characters: a prefix like `1a2b3c4d:` or `v2.1a2b3c4d.` never clashes with plain hex. */
export const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;

/** The key id of a derived key: a hash of the key itself, so two secrets never share one by accident. */
export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256').update('facegate/key-id\u0000').update(key).digest('hex').slice(0, 8);
}

/**
 * Derives 32-byte keys with HKDF-SHA256 (RFC 5869), one per purpose, from the current FACEGATE_SECRET and
 * from each of FACEGATE_SECRET_FALLBACKS (older secrets kept during a rotation). New values are made with the
 * current secret's keys; values made before are checked or opened with whichever live key made them.
 */
export class KeyRing {
  private readonly cache = new Map<KeyPurpose, readonly DerivedKey[]>();
  private readonly secrets: readonly string[];

  constructor(current: string, fallbacks: readonly string[] = []) {
    this.secrets = [current, ...fallbacks];
  }

  /** How many secrets are live: 1 + the fallbacks. */
  get size(): number {
    return this.secrets.length;
  }

  /** The current secret's key for `purpose` (compatible with the single-secret ring). */
  key(purpose: KeyPurpose): Buffer {
    return this.current(purpose).key;
  }

  current(purpose: KeyPurpose): DerivedKey {
    return this.all(purpose)[0]!;
  }

  /** The fallbacks' keys for `purpose`, in FACEGATE_SECRET_FALLBACKS order. */
  fallbacks(purpose: KeyPurpose): readonly DerivedKey[] {
    return this.all(purpose).slice(1);
  }

  /** Every live key for `purpose`: the current one first, then each fallback in order. */
  all(purpose: KeyPurpose): readonly DerivedKey[] {
    let keys = this.cache.get(purpose);
    if (keys === undefined) {
      keys = this.secrets.map((secret, generation) => {
        const key = Buffer.from(hkdfSync('sha256', secret, SALT, purpose, 32));
        return { id: keyIdOf(key), key, generation };
      });
      this.cache.set(purpose, keys);
    }
    return keys;
  }

  /** The live key for `purpose` with this id, if any. */
  byId(purpose: KeyPurpose, id: string): DerivedKey | undefined {
    return this.all(purpose).find((k) => k.id === id);
  }
}
