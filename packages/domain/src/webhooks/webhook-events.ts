import { DEFAULT_APP } from '../apps/app.js';
import { isFailureCode } from '../verification/failure-code.js';
import { describeFailure } from '../verification/failure-taxonomy.js';
import type { OutboxEventRow } from './webhook.types.js';

/** Every webhook event type, as it appears in `type` and as endpoints subscribe to it. */
export const WEBHOOK_EVENT_TYPES = [
  'verification.started',
  'verification.verified',
  'verification.failed',
  'verification.canceled',
  'verification.expired',
  'verification.attempt_failed',
  'verification.redacted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An outbox event as a webhook: its type and the exact body signed and sent. */
export interface DescribedWebhook {
  readonly type: WebhookEventType;
  readonly body: string;
  /** The session's app: only endpoints subscribed to it (or to every app) get it. */
  readonly app: string;
}

/** The body sent (Standard Webhooks' recommended `type`, `timestamp`, `data`). */
export interface WebhookPayload {
  readonly type: WebhookEventType;
  readonly timestamp: string;
  readonly data: {
    readonly id: string;
    /** The session's app (mini program); 'default' for sessions made before apps. */
    readonly app: string;
    readonly status: string;
    readonly protocol: string | null;
    readonly openid: string | null;
    readonly attempt: number;
    readonly maxAttempts: number | null;
    readonly failure: {
      readonly code: string;
      readonly reason: string;
      readonly retryable: boolean;
      readonly upstreamCode: number | null;
    } | null;
    readonly clientReferenceId: string | null;
    /** The consent receipt that let the face check run (kept after redaction). */
    readonly consentReceiptId: string | null;
    /** Why a canceled session was canceled (REQUESTED, CONSENT_WITHDRAWN, ALTERNATIVE_CHOSEN, SUBJECT_ERASED). */
    readonly cancelReason: string | null;
    /** verification.redacted: when its personal fields were removed (openid and client reference are null). */
    readonly redactedAt: string | null;
    readonly createdAt: string | null;
    readonly expiresAt: string | null;
    readonly verifiedAt: string | null;
    readonly endedAt: string | null;
  };
}

/** The webhook type of a session change: a PENDING session with attempts behind it has just failed one. */
export function webhookTypeOf(status: string, attempts: number): WebhookEventType | null {
  switch (status) {
    case 'PENDING':
      return attempts > 0 ? 'verification.attempt_failed' : 'verification.started';
    case 'VERIFIED':
      return 'verification.verified';
    case 'FAILED':
      return 'verification.failed';
    case 'CANCELED':
      return 'verification.canceled';
    case 'EXPIRED':
      return 'verification.expired';
    default:
      return null;
  }
}

const iso = (value: unknown): string | null => {
  if (typeof value !== 'string' && !(value instanceof Date)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

/**
 * An outbox event as a webhook: its type and the exact body signed and sent. Only ids, status, codes and dates
 * (the outbox holds no name, ID number or evidence, and nothing else is read). Null: not a session change.
 */
export function webhookOf(row: OutboxEventRow): DescribedWebhook | null {
  const event = (row.payload ?? {}) as Record<string, unknown>;
  const details = (row.sessionDetails ?? {}) as Record<string, unknown>;
  if (typeof event.status !== 'string') return null;
  const attempts = typeof event.attempts === 'number' ? event.attempts : 0;
  const type =
    event.type === 'verification.redacted'
      ? 'verification.redacted'
      : event.type === 'verification.updated'
        ? webhookTypeOf(event.status, attempts)
        : null;
  if (type === null) return null;
  const app = typeof event.app === 'string' && event.app !== '' ? event.app : DEFAULT_APP;
  const lastError = details.lastError as {
    code?: unknown;
    retryable?: unknown;
    upstreamCode?: unknown;
  } | null;
  const failureCode = lastError && isFailureCode(lastError.code) ? lastError.code : null;
  const failed = type === 'verification.failed' || type === 'verification.attempt_failed';
  const payload: WebhookPayload = {
    type,
    timestamp: iso(event.occurredAt) ?? row.createdAt.toISOString(),
    data: {
      id: row.sessionId,
      app,
      status: event.status,
      protocol: typeof details.protocol === 'string' ? details.protocol : null,
      openid: typeof details.openid === 'string' && details.openid !== '' ? details.openid : null,
      attempt: attempts,
      maxAttempts: typeof details.maxAttempts === 'number' ? details.maxAttempts : null,
      failure:
        failed && failureCode !== null
          ? {
              code: failureCode,
              reason: describeFailure(failureCode).en,
              // the session's own verdict (its stored lastError): a last attempt is never retryable, whatever
              // its code
              retryable: lastError?.retryable === true,
              upstreamCode: typeof lastError?.upstreamCode === 'number' ? lastError.upstreamCode : null,
            }
          : null,
      clientReferenceId: typeof details.clientReferenceId === 'string' ? details.clientReferenceId : null,
      consentReceiptId: typeof details.consentReceiptId === 'string' ? details.consentReceiptId : null,
      cancelReason: typeof details.cancelReason === 'string' ? details.cancelReason : null,
      redactedAt: iso(details.redactedAt),
      createdAt: iso(details.createdAt),
      expiresAt: iso(details.expiresAt),
      verifiedAt: iso(details.verifiedAt),
      endedAt: iso(details.endedAt),
    },
  };
  return { type, app, body: JSON.stringify(payload) };
}
