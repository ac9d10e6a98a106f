export const API_KEY_SCOPES = [
  'verifications:read',
  'verifications:write',
  'webhooks:write',
  'console:read',
  'console:admin',
  'privacy:read',
  'privacy:write',
  'keys:admin',
  'audit:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * What each scope allows, for help texts and docs. keys:admin is the root scope: it may mint keys with any
 * scope (itself included), so only the server's operator should hold it.
 */
export const API_KEY_SCOPE_MEANINGS: Readonly<Record<ApiKeyScope, string>> = {
  'verifications:read': 'read any session and identityStatus',
  'verifications:write': 'start sessions for a named openid, confirm and cancel them',
  'webhooks:write': 'manage webhook endpoints and read their deliveries',
  'console:read': "run the operator console's queries (masked data only)",
  'console:admin': 'console:read, redeliver webhooks, manage keys within its own scopes',
  'privacy:read': "a person's copy of what is held about them (subjectReport)",
  'privacy:write': "redact a session, erase a person's data on request",
  'keys:admin': 'root: create and revoke keys with any scope',
  'audit:read': "read the audit trail (auditEvents, the console's Audit page with console:read)",
};

/** Who is asking. Resolved once per request from the Authorization / X-API-Key header. */
export type Viewer =
  /** `rejected`: a credential was sent but is not valid (said so, rather than "sign in first"). */
  | { readonly kind: 'anonymous'; readonly rejected?: RejectedCredential }
  /** A mini program user: an openid within one app (the same openid in another app is another person). */
  | { readonly kind: 'user'; readonly openid: string; readonly app: string }
  | {
      readonly kind: 'service';
      readonly keyId: string;
      readonly name: string;
      readonly scopes: readonly ApiKeyScope[];
      /** The apps the key sees and acts in; null = every app. */
      readonly apps: readonly string[] | null;
    };

export type RejectedCredential = 'user-token' | 'api-key';

export const ANONYMOUS: Viewer = { kind: 'anonymous' };
export const REJECTED_USER_TOKEN: Viewer = { kind: 'anonymous', rejected: 'user-token' };
export const REJECTED_API_KEY: Viewer = { kind: 'anonymous', rejected: 'api-key' };
