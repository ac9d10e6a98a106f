/**
 * Hashing lives outside the domain (node:crypto on the server); the domain only says what is hashed.
 * All results are lowercase hex.
 */
export interface IdentityDigests {
  md5Hex(text: string): string;
  sha256Hex(text: string): string;
  /**
   * Keyed HMAC-SHA256 with a key derived for `purpose` from the deployment's secret. Used for values that
   * must be comparable but not recoverable: the ID number index ("verified?"), evidence hashes (replay guard).
   */
  hmacHex(purpose: 'id-number' | 'evidence' | 'openid' | 'client-address', text: string): string;
  /**
   * While a secret rotation runs: the same value's HMACs under each older secret still live (for
   * 'id-number', in the same order as AbuseLimits' previous digests), so a lookup also finds rows made
   * before the rotation. Empty, or absent, when there is no older secret.
   */
  previousHmacHex?(purpose: 'id-number' | 'evidence' | 'openid' | 'client-address', text: string): string[];
}
