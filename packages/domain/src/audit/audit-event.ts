/**
 * The audit trail's model: who (actor) did what (action) to which ids (targets), with what outcome. Rows carry
 * ids and keyed hashes only, never the contents that were read (no names, ID numbers, openids, keys).
 */

/** Who acted. A console operator is an API key too, but acting through the console (`console:<key id>`). */
export type AuditActor =
  | { readonly kind: 'api-key'; readonly keyId: string; readonly name: string }
  | { readonly kind: 'console'; readonly keyId: string }
  | { readonly kind: 'cli'; readonly user: string }
  | { readonly kind: 'system' };

/**
 * Every action the trail records, with what it means (for docs, the CLI and the console). The set is open:
 * adding an action is one line here; rows store it as text, so a new action needs no migration, and a reader
 * shows an action it does not know as is.
 */
export const AUDIT_ACTIONS = {
  'session.read': 'a verification session was read',
  'session.list': 'a list of verification sessions was read',
  'identity-status.read': "a user's identity status was read",
  'api-key.created': 'an API key was created',
  'api-key.revoked': 'an API key was revoked',
  'webhook-endpoint.created': 'a webhook endpoint was created',
  'webhook-endpoint.changed': 'a webhook endpoint was changed (URL, events, enabled)',
  'webhook-endpoint.secret-rotated': "a webhook endpoint's signing secret was rotated",
  'webhook-endpoint.deleted': 'a webhook endpoint was deleted',
  'webhook-delivery.redelivered': 'a webhook delivery was sent again',
  'auth.refused': 'requests with a revoked or unknown API key (counted per client address and minute)',
  'gateway.started': 'a gateway instance started (version, protocols, database, settings changed)',
  'audit.read': 'the audit trail was read',
  'audit.checkpoint': "the chain's head was signed",
  'audit.retention': 'old segments of the audit trail were removed by its retention',
  'consent.published': 'a consent text was published',
  'session.redacted': 'a verification session was redacted',
  'subject.erased': "a data subject's data was erased",
  'subject.report': 'a report of what is held about a data subject was made',
  'retention.swept': 'a batch of the retention sweep removed expired data',
  'secret.rotation-step': 'a step of a secret rotation ran',
  'app.created': 'an app (mini program) was added',
  'app.changed': 'an app was changed (appid, name, protocols, secret, enabled)',
} as const satisfies Record<string, string>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(AUDIT_ACTIONS, value);
}

/**
 * `success`: done or read; `not-found`: it named nothing; `refused`: the caller may not; `failure`: it was
 * tried and failed.
 */
export const AUDIT_OUTCOMES = ['success', 'not-found', 'refused', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A JSON value, as details hold them (integers, not fractions, so every language hashes them alike). */
export type AuditDetail =
  | string
  | number
  | boolean
  | null
  | readonly AuditDetail[]
  | { readonly [key: string]: AuditDetail };

/** Kinds of things a target id names: `session:<id>`, `api-key:<id>`, ... */
export type AuditTargetKind =
  | 'session'
  | 'openid-hmac'
  | 'api-key'
  | 'webhook-endpoint'
  | 'app'
  | 'webhook-delivery'
  | 'audit-event'
  | (string & {});

/** `kind:id`, the form targets are stored and filtered in. */
export const auditTarget = (kind: AuditTargetKind, id: string): string => `${kind}:${id}`;

/** What a caller records; the trail adds the sequence and the hashes. */
export interface NewAuditEvent {
  readonly occurredAt: Date;
  readonly actor: AuditActor;
  readonly action: AuditAction;
  readonly targets: readonly string[];
  readonly requestId: string | null;
  /** A keyed HMAC of the client's address (never the address), or null when there was no request. */
  readonly clientAddressHmac: string | null;
  readonly outcome: AuditOutcome;
  readonly details: { readonly [key: string]: AuditDetail };
}

/**
 * A stored row: the event as written (the actor as its label and name, see actorLabel), its place in the chain
 * and its hashes (lowercase hex SHA-256). Exactly these fields are hashed (auditRowCanonicalJson).
 */
export interface AuditEvent {
  readonly sequence: number;
  readonly occurredAt: Date;
  /** `key:<id>`, `console:<key id>`, `cli:<user>` or `system` (parseActor reads it back). */
  readonly actor: string;
  /** An API key's name; null for other actors. */
  readonly actorName: string | null;
  /** An AuditAction; any string when written by a newer version that knows more actions. */
  readonly action: AuditAction | (string & {});
  readonly targets: readonly string[];
  readonly requestId: string | null;
  readonly clientAddressHmac: string | null;
  readonly outcome: AuditOutcome | (string & {});
  readonly details: { readonly [key: string]: AuditDetail };
  readonly previousHash: string;
  readonly hash: string;
}

/** The actor as one string: `key:<id>`, `console:<id>`, `cli:<user>`, `system` (stored, filtered on). */
export function actorLabel(actor: AuditActor): string {
  switch (actor.kind) {
    case 'api-key':
      return `key:${actor.keyId}`;
    case 'console':
      return `console:${actor.keyId}`;
    case 'cli':
      return `cli:${actor.user}`;
    case 'system':
      return 'system';
  }
}

/** The actor's display name (an API key's name), stored beside the label. */
export function actorName(actor: AuditActor): string | null {
  return actor.kind === 'api-key' ? actor.name : null;
}

/** The actor back from its label and name; null for a label no version wrote. */
export function parseActor(label: string, name: string | null): AuditActor | null {
  if (label === 'system') return { kind: 'system' };
  const colon = label.indexOf(':');
  if (colon <= 0 || colon === label.length - 1) return null;
  const [kind, rest] = [label.slice(0, colon), label.slice(colon + 1)];
  if (kind === 'key') return { kind: 'api-key', keyId: rest, name: name ?? '' };
  if (kind === 'console') return { kind: 'console', keyId: rest };
  if (kind === 'cli') return { kind: 'cli', user: rest };
  return null;
}
