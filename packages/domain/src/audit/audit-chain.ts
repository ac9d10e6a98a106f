import {
  type AuditDetail,
  type AuditEvent,
  actorLabel,
  actorName,
  type NewAuditEvent,
} from './audit-event.js';

/**
 * SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex characters. Injected: the domain has no crypto of its
 * own (the gateway passes node:crypto's, tests may pass @facegate/domain/testing's sha256Hex).
 */
export type Sha256Hex = (text: string) => string;

/** The previous hash of the very first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chain's last row: a new row's previous hash and sequence follow from it. */
export interface AuditChainHead {
  readonly sequence: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: AuditChainHead = { sequence: 0, hash: GENESIS_HASH };

/**
 * JSON with object keys sorted (by UTF-16 code units, as Array.prototype.sort does), no whitespace, and
 * undefined members left out: the same value always gives the same text.
 */
export function canonicalJson(value: AuditDetail | undefined): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError('audit details hold finite numbers only');
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const record = value as { readonly [key: string]: AuditDetail | undefined };
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

/** What of a row is hashed: every field but the hashes, times as ISO 8601 UTC with milliseconds. */
export type AuditRowContent = Omit<AuditEvent, 'previousHash' | 'hash'>;

/** The canonical JSON of a row (its content, see AuditRowContent). */
export function auditRowCanonicalJson(row: AuditRowContent): string {
  return canonicalJson({
    sequence: row.sequence,
    occurredAt: row.occurredAt.toISOString(),
    actor: row.actor,
    actorName: row.actorName,
    action: row.action,
    targets: [...row.targets],
    requestId: row.requestId,
    clientAddressHmac: row.clientAddressHmac,
    outcome: row.outcome,
    details: row.details,
  });
}

/** The chain rule: hash = SHA-256(previous hash as 64 hex characters || canonical JSON of the row). */
export function auditRowHash(sha256: Sha256Hex, previousHash: string, row: AuditRowContent): string {
  return sha256(previousHash + auditRowCanonicalJson(row));
}

/** The stored row's content for a new event at `sequence`. */
export function auditRowContent(event: NewAuditEvent, sequence: number): AuditRowContent {
  return {
    sequence,
    occurredAt: event.occurredAt,
    actor: actorLabel(event.actor),
    actorName: actorName(event.actor),
    action: event.action,
    targets: event.targets,
    requestId: event.requestId,
    clientAddressHmac: event.clientAddressHmac,
    outcome: event.outcome,
    details: event.details,
  };
}

/** Chains new events after `head`: consecutive sequences, each row's hash over the one before. */
export function chainAuditEvents(
  sha256: Sha256Hex,
  head: AuditChainHead,
  events: readonly NewAuditEvent[],
): AuditEvent[] {
  const rows: AuditEvent[] = [];
  let previous = head;
  for (const event of events) {
    const content = auditRowContent(event, previous.sequence + 1);
    const hash = auditRowHash(sha256, previous.hash, content);
    rows.push({ ...content, previousHash: previous.hash, hash });
    previous = { sequence: content.sequence, hash };
  }
  return rows;
}

/** Signs checkpoints (Ed25519 in the gateway); `keyId` names the key so a verifier can pick the right one. */
export interface CheckpointSigner {
  readonly keyId: string;
  /** The signature of `message`'s UTF-8 bytes, base64. */
  sign(message: string): string;
}

/** Checks a checkpoint's signature: true when `signature` (base64) signs `message` under key `keyId`. */
export type CheckpointSignatureCheck = (message: string, signature: string, keyId: string) => boolean;

/** What a checkpoint signs: the head's sequence and hash, with a fixed prefix so it signs nothing else. */
export function checkpointMessage(head: AuditChainHead): string {
  return `facegate-audit-checkpoint:v1:${head.sequence}:${head.hash}`;
}

/** The details of a checkpoint row (action audit.checkpoint). */
export interface CheckpointDetails {
  readonly headSequence: number;
  readonly headHash: string;
  readonly keyId: string;
  readonly signature: string;
  readonly [key: string]: AuditDetail;
}

/** The checkpoint row signing `head`, written by `system` at `at`. */
export function checkpointEvent(signer: CheckpointSigner, head: AuditChainHead, at: Date): NewAuditEvent {
  const details: CheckpointDetails = {
    headSequence: head.sequence,
    headHash: head.hash,
    keyId: signer.keyId,
    signature: signer.sign(checkpointMessage(head)),
  };
  return {
    occurredAt: at,
    actor: { kind: 'system' },
    action: 'audit.checkpoint',
    targets: [],
    requestId: null,
    clientAddressHmac: null,
    outcome: 'success',
    details,
  };
}

/** When to sign the head: rows were added since the last checkpoint, and it is at least `everyMs` old. */
export interface CheckpointPolicy {
  readonly signer: CheckpointSigner;
  readonly everyMs: number;
  readonly now: Date;
}

/**
 * Whether a checkpoint is due after `head`: something is unsigned (the head is not itself the last checkpoint)
 * and the last checkpoint (if any) is at least `everyMs` old.
 */
export function checkpointDue(
  head: AuditChainHead,
  lastCheckpoint: { readonly sequence: number; readonly occurredAt: Date } | null,
  policy: Pick<CheckpointPolicy, 'everyMs' | 'now'>,
): boolean {
  if (head.sequence === 0) return false;
  if (lastCheckpoint === null) return true;
  if (lastCheckpoint.sequence >= head.sequence) return false;
  return policy.now.getTime() - lastCheckpoint.occurredAt.getTime() >= policy.everyMs;
}

/** The row the retention appends after removing segments (what it removed, and the cutoff). */
export function retentionEvent(
  result: { readonly removedRows: number; readonly throughSequence: number },
  cutoff: Date,
  now: Date,
): NewAuditEvent {
  return {
    occurredAt: now,
    actor: { kind: 'system' },
    action: 'audit.retention',
    targets: [],
    requestId: null,
    clientAddressHmac: null,
    outcome: 'success',
    details: {
      removedRows: result.removedRows,
      removedThroughSequence: result.throughSequence,
      cutoff: cutoff.toISOString(),
    },
  };
}
