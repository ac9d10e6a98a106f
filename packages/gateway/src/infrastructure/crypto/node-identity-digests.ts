import { createHash, createHmac } from 'node:crypto';
import type { IdentityDigests } from '@facegate/domain';
import type { KeyPurpose, KeyRing } from './key-ring';

type HmacPurpose = 'id-number' | 'evidence' | 'openid';

/**
 * The domain's IdentityDigests on node:crypto; HMAC keys come from the key ring, one per purpose.
 *
 * Evidence hashes are stored as `<key id>:<hex>` (the replay guard's rows say which secret made them, so a
 * rotation can count what still needs a fallback). ID-number and openid HMACs stay plain hex: they are inputs
 * to comparisons and to the rate-limit keys, and their rows are never re-keyed (the ID number is not kept).
 */
export class NodeIdentityDigests implements IdentityDigests {
  constructor(private readonly keys: KeyRing) {}

  md5Hex(text: string): string {
    return createHash('md5').update(text, 'utf8').digest('hex');
  }

  sha256Hex(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex');
  }

  hmacHex(purpose: HmacPurpose, text: string): string {
    const key = this.keys.current(keyPurpose(purpose));
    const hex = hmac(key.key, text);
    return purpose === 'evidence' ? `${key.id}:${hex}` : hex;
  }

  /**
   * The same value's HMACs under each fallback secret, in FACEGATE_SECRET_FALLBACKS order; for evidence also
   * the plain hex under every live key (rows written before key ids). Empty when no fallback is configured
   * and, for ID numbers and openids, identical in form to hmacHex.
   */
  previousHmacHex(purpose: HmacPurpose, text: string): string[] {
    const fallbacks = this.keys.fallbacks(keyPurpose(purpose));
    if (purpose !== 'evidence') return fallbacks.map((k) => hmac(k.key, text));
    return [
      ...fallbacks.map((k) => `${k.id}:${hmac(k.key, text)}`),
      ...this.keys.all('hmac:evidence').map((k) => hmac(k.key, text)),
    ];
  }
}

const keyPurpose = (purpose: HmacPurpose): KeyPurpose => `hmac:${purpose}`;

function hmac(key: Uint8Array, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}
