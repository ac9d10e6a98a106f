import type { AbuseKeyDigests, AbuseKeyKind } from '../abuse/abuse-key-digests.port.js';
import { hmacSha256Hex } from './hash-functions.js';

/**
 * Real HMAC-SHA256 (pure JS) of `${kind}:${value}`, keyed with `${secret}/rate-limit`: deterministic for a
 * given secret (the production adapter derives its key differently; never compare across the two).
 */
export class FakeAbuseKeyDigests implements AbuseKeyDigests {
  constructor(private readonly secret = 'facegate-test-secret') {}

  hmacHex(kind: AbuseKeyKind, value: string): string {
    return hmacSha256Hex(`${this.secret}/rate-limit`, `${kind}:${value}`);
  }
}
