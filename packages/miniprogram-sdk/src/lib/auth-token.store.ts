/**
 * The gateway token of the signed-in user, in memory only: a bearer token is not worth persisting when a
 * fresh wx.login -> signIn costs one round trip. Bound to the gateway and the app it came from: one gateway
 * serves several mini programs, and a token names the app's user.
 */
export interface StoredToken {
  readonly gatewayUrl: string;
  /** The app sent with signIn; null when none was (the gateway's default app). */
  readonly app: string | null;
  readonly token: string;
  readonly expiresAtMs: number;
}

/** Sign in again this long before the token's stated expiry, so no request races the deadline. */
const EXPIRY_MARGIN_MS = 60_000;

let current: StoredToken | null = null;

export const authTokenStore = {
  get(gatewayUrl: string, app: string | null, nowMs: number): string | null {
    if (!current || current.gatewayUrl !== gatewayUrl || current.app !== app) return null;
    if (current.expiresAtMs - EXPIRY_MARGIN_MS <= nowMs) return null;
    return current.token;
  },
  set(token: StoredToken): void {
    current = token;
  },
  clear(): void {
    current = null;
  },
};
