import type { VerificationEvent } from '@facegate/domain';
import { DEFAULT_APP, VERIFICATION_STATUSES } from '@facegate/domain';

/** The wire form of an event: ids, status and counts only (no PII), dates as ISO strings. */
export function serializeVerificationEvent(event: VerificationEvent): string {
  return JSON.stringify({
    type: event.type,
    sessionId: event.sessionId,
    app: event.app,
    status: event.status,
    attempts: event.attempts,
    occurredAt: event.occurredAt.toISOString(),
  });
}

/**
 * What a webhook says about the session, as SQL over a verification_sessions row named `row`: protocol, openid,
 * the last failure and dates; no PII. An outbox row stores it with its event.
 */
export function sessionDetailsOf(row: string): string {
  return `jsonb_build_object(
    'protocol', ${row}.protocol, 'openid', ${row}.openid, 'maxAttempts', ${row}.max_attempts,
    'lastError', ${row}.last_error, 'createdAt', ${row}.created_at, 'expiresAt', ${row}.expires_at,
    'verifiedAt', ${row}.verified_at, 'endedAt', ${row}.ended_at, 'clientReferenceId', ${row}.client_reference_id,
    'consentReceiptId', ${row}.consent_receipt_id, 'cancelReason', ${row}.cancel_reason,
    'redactedAt', ${row}.redacted_at)`;
}

/**
 * Null for anything that is not a well-formed verification event. An event stored before apps has no `app`: it
 * is the default app's.
 */
export function parseVerificationEvent(payload: string): VerificationEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.type !== 'verification.updated' && v.type !== 'verification.redacted') return null;
  if (typeof v.sessionId !== 'string' || v.sessionId === '') return null;
  if (typeof v.status !== 'string' || !(VERIFICATION_STATUSES as readonly string[]).includes(v.status))
    return null;
  if (typeof v.attempts !== 'number' || !Number.isInteger(v.attempts)) return null;
  const app = v.app === undefined ? DEFAULT_APP : v.app;
  if (typeof app !== 'string' || app === '') return null;
  if (typeof v.occurredAt !== 'string') return null;
  const occurredAt = new Date(v.occurredAt);
  if (Number.isNaN(occurredAt.getTime())) return null;
  return {
    type: v.type,
    sessionId: v.sessionId,
    app,
    status: v.status as VerificationEvent['status'],
    attempts: v.attempts,
    occurredAt,
  };
}
