/** What a rate-limit key is made from: each kind is hashed apart, so two kinds never share a key. */
export type AbuseKeyKind = 'ip' | 'openid' | 'id-number' | 'id-number+openid' | 'id-number+ip';

/**
 * Keyed hashing of what the abuse limits count by, outside the domain (node:crypto on the server), like
 * IdentityDigests. The counters table holds only these, never an openid, address or ID number HMAC in
 * clear, so it cannot be joined to the sessions.
 */
export interface AbuseKeyDigests {
  /** Keyed HMAC-SHA256 of `${kind}:${value}` with the deployment's rate-limit key, lowercase hex. */
  hmacHex(kind: AbuseKeyKind, value: string): string;
}
