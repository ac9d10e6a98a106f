import type { VerificationEvent } from '../ports/event-publisher.port.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';

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
  /** Ids of ended, unredacted sessions that ended before `endedBefore`, oldest first, at most `limit`. */
  findRedactable(endedBefore: Date, limit: number): Promise<readonly string[]>;
}
