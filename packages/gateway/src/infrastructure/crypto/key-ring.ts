import { hkdfSync } from 'node:crypto';

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

const SALT = 'facegate/v1';

/** Derives 32-byte keys from FACEGATE_SECRET with HKDF-SHA256 (RFC 5869), one per purpose. */
export class KeyRing {
  private readonly cache = new Map<KeyPurpose, Buffer>();

  constructor(private readonly masterSecret: string) {}

  key(purpose: KeyPurpose): Buffer {
    let key = this.cache.get(purpose);
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', this.masterSecret, SALT, purpose, 32));
      this.cache.set(purpose, key);
    }
    return key;
  }
}
