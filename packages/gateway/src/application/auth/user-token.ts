import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_APP, isAppSlug } from '@facegate/domain';
import { LRUCache } from 'lru-cache';

export interface UserTokenClaims {
  readonly openid: string;
  /** The app the user signed in to (tokens from before apps: DEFAULT_APP). */
  readonly app: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** Tokens issued before key ids name no key: any live key may have signed them. */
const LEGACY_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const headerFor = (kid: string) =>
  Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })).toString('base64url');

/** A signing key and its id (the key ring's fingerprint), named in each token's header as `kid`. */
export interface TokenSigningKey {
  readonly id: string;
  readonly key: Uint8Array;
}
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Short-lived user tokens in the compact JWS form (HS256). Hand-rolled on node:crypto: one algorithm, one
 * issuer and verifier in the same process, so a JOSE library would add surface (alg negotiation) without
 * adding safety. The payload holds the openid and its app only; WeChat's session_key is never part of it.
 */
export class UserTokenService {
  /**
   * Tokens already verified, so a user's every request does not redo the HMAC and the JSON parse. Bounded
   * (memory does not grow with the number of users); an entry is used only while its token is unexpired.
   */
  private readonly verified = new LRUCache<string, UserTokenClaims>({ max: 10_000 });

  /** Each live key by the exact header its tokens carry; the first key signs. */
  private readonly byHeader: ReadonlyMap<string, Uint8Array>;
  private readonly signingHeader: string;
  private readonly keys: readonly Uint8Array[];

  /**
   * One key, or the key ring's signing keys with the current one first: new tokens are signed with it and
   * name it (`kid`); a token signed with a fallback key is accepted until it expires or its key leaves the ring.
   */
  constructor(
    keys: Uint8Array | readonly TokenSigningKey[],
    readonly ttlMs: number = 2 * 60 * 60_000,
  ) {
    const ring = keys instanceof Uint8Array ? [{ id: '00000000', key: keys }] : keys;
    this.byHeader = new Map(ring.map((k) => [headerFor(k.id), k.key]));
    this.signingHeader = headerFor(ring[0]!.id);
    this.keys = ring.map((k) => k.key);
  }

  issue(openid: string, now: Date, app: string = DEFAULT_APP): { token: string; expiresAt: Date } {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + Math.floor(this.ttlMs / 1000);
    const payload = Buffer.from(JSON.stringify({ sub: openid, app, iat, exp, typ: 'user' })).toString(
      'base64url',
    );
    const signingInput = `${this.signingHeader}.${payload}`;
    return {
      token: `${signingInput}.${sign(this.keys[0]!, signingInput)}`,
      expiresAt: new Date(exp * 1000),
    };
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
    // the header is one of the exact texts this ring writes (never parsed): it names the key to check with
    const named = this.byHeader.get(header);
    const candidates = named !== undefined ? [named] : header === LEGACY_HEADER ? this.keys : [];
    // compared as text, in the one canonical encoding: decoding first would accept variants whose last
    // character differs in the bits base64url drops (the same signature, spelled another way)
    const given = Buffer.from(signature, 'utf8');
    const signedBy = candidates.some((key) => {
      const expected = Buffer.from(sign(key, `${header}.${payload}`), 'utf8');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!signedBy) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    const { sub, app, iat, exp, typ } = claims as Record<string, unknown>;
    if (typ !== 'user' || typeof sub !== 'string' || sub === '') return null;
    if (app !== undefined && !isAppSlug(app)) return null;
    if (typeof iat !== 'number' || typeof exp !== 'number') return null;
    if (exp * 1000 <= now.getTime()) return null;
    return {
      openid: sub,
      app: app ?? DEFAULT_APP,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date(exp * 1000),
    };
  }
}

function sign(key: Uint8Array, input: string): string {
  return createHmac('sha256', key).update(input).digest('base64url');
}
