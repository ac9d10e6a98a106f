export const API_KEY_SCOPES = [
  'verifications:read',
  'verifications:write',
  'console:read',
  'console:admin',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is asking. Resolved once per request from the Authorization / X-API-Key header. */
export type Viewer =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly openid: string }
  | {
      readonly kind: 'service';
      readonly keyId: string;
      readonly name: string;
      readonly scopes: readonly ApiKeyScope[];
    };

export const ANONYMOUS: Viewer = { kind: 'anonymous' };
