import type { VerificationEvent } from '../ports/event-publisher.port.js';
import type { VerificationStatus } from '../verification/verification.types.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';

/** Which apps' sessions a retention batch takes: only these, or all but these (apps with a retention of their own). */
export type RetentionScope =
  | { readonly apps: readonly string[] }
  | { readonly exceptApps: readonly string[] };

export interface RedactedSession {
  readonly id: string;
  readonly app: string;
  readonly status: VerificationStatus;
  readonly attempts: number;
}

/**
 * Removes a session's personal data everywhere it is held, in one transaction: the session row (as the
 * redacted snapshot, optimistic on version), the events stored for it before (the outbox) and the bodies of
 * the webhook deliveries that carried them; then stores `event` (verification.redacted) with the write.
 */
export interface SessionRedactor {
  /** False, and nothing written, when the stored version is not `expectedVersion`. */
  redact(
    redacted: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean>;
  /**
   * Retention, set-based: in one transaction, redacts up to `limit` ended, unredacted sessions that ended
   * before `endedBefore` (oldest first) exactly as VerificationSession.redact does (stamped `at`), with their
   * outbox events and delivery bodies as in `redact`, and one verification.redacted event each. Sessions
   * another transaction holds are skipped, never waited for. What it redacted.
   */
  redactEndedBefore(
    endedBefore: Date,
    limit: number,
    at: Date,
    scope?: RetentionScope,
  ): Promise<readonly RedactedSession[]>;
}
