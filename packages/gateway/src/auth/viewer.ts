export const API_KEY_SCOPES = [
  'verifications:read',
  'verifications:write',
  'webhooks:write',
  'console:read',
  'console:admin',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is asking. Resolved once per request from the Authorization / X-API-Key header. */
export type Viewer =
  /** `rejected`: a credential was sent but is not valid (said so, rather than "sign in first"). */
  | { readonly kind: 'anonymous'; readonly rejected?: RejectedCredential }
  | { readonly kind: 'user'; readonly openid: string }
  | {
      readonly kind: 'service';
      readonly keyId: string;
      readonly name: string;
      readonly scopes: readonly ApiKeyScope[];
    };

export type RejectedCredential = 'user-token' | 'api-key';

export const ANONYMOUS: Viewer = { kind: 'anonymous' };
export const REJECTED_USER_TOKEN: Viewer = { kind: 'anonymous', rejected: 'user-token' };
export const REJECTED_API_KEY: Viewer = { kind: 'anonymous', rejected: 'api-key' };
