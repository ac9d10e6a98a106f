import type { IdentityDigests } from '../ports/identity-digests.port.js';
import { hmacSha256Hex, md5Hex, sha256Hex } from './hash-functions.js';

/**
 * Real MD5 and SHA-256 (pure JS, identical to node:crypto's hex), so tests compare with the shared vectors.
 * hmacHex is real HMAC-SHA256 keyed with `${secret}/${purpose}`: deterministic for a given secret, different
 * per purpose (the production adapter derives its keys differently; never compare across the two).
 */
export class FakeIdentityDigests implements IdentityDigests {
  constructor(private readonly secret = 'facegate-test-secret') {}

  md5Hex(text: string): string {
    return md5Hex(text);
  }

  sha256Hex(text: string): string {
    return sha256Hex(text);
  }

  hmacHex(purpose: Parameters<IdentityDigests['hmacHex']>[0], text: string): string {
    return hmacSha256Hex(`${this.secret}/${purpose}`, text);
  }
}
