import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface UserTokenClaims {
  readonly openid: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Short-lived user tokens in the compact JWS form (HS256). Hand-rolled on node:crypto: one algorithm, one
 * issuer and verifier in the same process, so a JOSE library would add surface (alg negotiation) without
 * adding safety. The payload holds the openid only; WeChat's session_key is never part of it.
 */
export class UserTokenService {
  /**
   * Tokens already verified, so a user's every request does not redo the HMAC and the JSON parse. Bounded
   * (memory does not grow with the number of users); an entry is used only while its token is unexpired.
   */
  private readonly verified = new LRUCache<string, UserTokenClaims>({ max: 10_000 });

  constructor(
    private readonly key: Uint8Array,
    readonly ttlMs: number = 2 * 60 * 60_000,
  ) {}

  issue(openid: string, now: Date): { token: string; expiresAt: Date } {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + Math.floor(this.ttlMs / 1000);
    const payload = Buffer.from(JSON.stringify({ sub: openid, iat, exp, typ: 'user' })).toString('base64url');
    const signingInput = `${HEADER}.${payload}`;
    return { token: `${signingInput}.${this.sign(signingInput)}`, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid, unexpired token; null for anything else (no reason is given to the caller). */
  verify(token: string, now: Date): UserTokenClaims | null {
    const known = this.verified.get(token);
    if (known !== undefined) return known.expiresAt.getTime() > now.getTime() ? known : null;
    const claims = this.verifyUncached(token, now);
    if (claims !== null) this.verified.set(token, claims);
    return claims;
  }

  private verifyUncached(token: string, now: Date): UserTokenClaims | null {
    if (token.length > 4096 || !TOKEN_SHAPE.test(token)) return null;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    if (header !== HEADER) return null;
    // compared as text, in the one canonical encoding: decoding first would accept variants whose last
    // character differs in the bits base64url drops (the same signature, spelled another way)
    const expected = Buffer.from(this.sign(`${header}.${payload}`), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    const { sub, iat, exp, typ } = claims as Record<string, unknown>;
    if (typ !== 'user' || typeof sub !== 'string' || sub === '') return null;
    if (typeof iat !== 'number' || typeof exp !== 'number') return null;
    if (exp * 1000 <= now.getTime()) return null;
    return { openid: sub, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) };
  }

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}
