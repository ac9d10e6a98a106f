import { err, ok, type Result } from '../shared/result.js';
import type { LivenessType } from './liveness-type.js';
import type { RuleOutcome } from './result-rules.js';
import { InvalidStateError } from './verification.errors.js';
import {
  type CancelReason,
  TERMINAL_STATUSES,
  type VerificationProtocol,
  type VerificationStatus,
} from './verification.types.js';
import type {
  SessionBinding,
  V2Binding,
  VerificationFailure,
  VerificationSessionSnapshot,
} from './verification-session.types.js';

export interface StartSessionProps {
  readonly id: string;
  readonly app: string;
  readonly openid: string;
  readonly livenessType: LivenessType | null;
  readonly maskedName: string;
  readonly maskedIdCardNumber: string;
  readonly idNumberHmac: string;
  readonly binding: SessionBinding;
  readonly maxAttempts: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly clientReferenceId: string | null;
  readonly initiator: string;
  /** Null for a session a service starts: the user accepts on the device (acceptConsent). */
  readonly consentReceiptId: string | null;
  readonly guardianRequired: boolean;
}

type Change = Result<VerificationSession, InvalidStateError>;

const minDate = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);

/** The earliest expiry among the current verifyId and the spares. */
const earliestVerifyIdExpiry = (b: V2Binding) =>
  b.spares.reduce((earliest, spare) => minDate(earliest, spare.verifyIdExpiresAt), b.verifyIdExpiresAt);

/**
 * A verification session: PENDING, then exactly one of VERIFIED, FAILED, CANCELED or EXPIRED. Immutable:
 * each command returns a new session (version + 1) or an InvalidStateError and changes nothing.
 * Invariants: attempts <= maxAttempts; the binding is present iff PENDING (it is only needed while open);
 * a v2 session never outlives any verifyId it holds;
 * VERIFIED only from a passing rule outcome; an ended session never changes again.
 */
export class VerificationSession {
  private constructor(readonly snapshot: VerificationSessionSnapshot) {}

  static start(props: StartSessionProps): VerificationSession {
    if (!Number.isInteger(props.maxAttempts) || props.maxAttempts < 1) {
      throw new RangeError('maxAttempts must be a positive integer');
    }
    const protocol: VerificationProtocol = props.binding.protocol;
    if ((protocol === 'LEGACY') !== (props.livenessType != null)) {
      throw new RangeError('a legacy session needs a liveness type, a v2 session has none');
    }
    const expiresAt =
      props.binding.protocol === 'V2'
        ? minDate(props.expiresAt, earliestVerifyIdExpiry(props.binding))
        : props.expiresAt;
    return new VerificationSession({
      ...props,
      protocol,
      expiresAt,
      status: 'PENDING',
      observedLiveness: null,
      attempts: 0,
      lastError: null,
      verifiedAt: null,
      endedAt: null,
      cancelReason: null,
      redactedAt: null,
      version: 1,
    });
  }

  static fromSnapshot(snapshot: VerificationSessionSnapshot): VerificationSession {
    return new VerificationSession(snapshot);
  }

  get id(): string {
    return this.snapshot.id;
  }
  get status(): VerificationStatus {
    return this.snapshot.status;
  }
  get version(): number {
    return this.snapshot.version;
  }
  get binding(): SessionBinding | null {
    return this.snapshot.binding;
  }
  get isEnded(): boolean {
    return TERMINAL_STATUSES.has(this.snapshot.status);
  }
  get isRedacted(): boolean {
    return this.snapshot.redactedAt !== null;
  }
  /** Whether a consent receipt lets the face check run (client parameters, confirmation). */
  get hasConsent(): boolean {
    return this.snapshot.consentReceiptId !== null;
  }

  /** PENDING and at or past its expiry: the next command expires it first. */
  isDue(now: Date): boolean {
    return this.snapshot.status === 'PENDING' && now.getTime() >= this.snapshot.expiresAt.getTime();
  }

  /** Whether a failure now would leave the session open for another attempt. */
  continuesAfter(failure: VerificationFailure): boolean {
    return failure.retryable && this.snapshot.attempts + 1 < this.snapshot.maxAttempts;
  }

  expire(now: Date): Change {
    if (!this.isDue(now)) return err(new InvalidStateError(this.status, 'expire'));
    return ok(this.end('EXPIRED', now, {}));
  }

  cancel(now: Date, reason: CancelReason = 'REQUESTED'): Change {
    if (this.status !== 'PENDING') return err(new InvalidStateError(this.status, 'cancel'));
    return ok(this.end('CANCELED', now, { cancelReason: reason }));
  }

  /** Records the receipt of the user's consent; once per session (a second acceptance changes nothing). */
  acceptConsent(receiptId: string): Change {
    if (this.status !== 'PENDING') return err(new InvalidStateError(this.status, 'accept consent for'));
    if (this.snapshot.consentReceiptId !== null) return ok(this);
    return ok(this.with({ consentReceiptId: receiptId }));
  }

  /**
   * Removes every personal field of an ended session (retention, or a request under PIPL art. 47). What stays:
   * id, protocol, status, failure, liveness, counts, dates, initiator and the consent receipt's id. Redacting a
   * redacted session is refused, so a caller can tell a repeat from a change.
   */
  redact(now: Date): Change {
    if (!this.isEnded) return err(new InvalidStateError(this.status, 'redact'));
    if (this.isRedacted) return err(new InvalidStateError(this.status, 'redact again'));
    return ok(
      this.with({
        openid: '',
        maskedName: '',
        maskedIdCardNumber: '',
        idNumberHmac: '',
        clientReferenceId: null,
        guardianRequired: false,
        redactedAt: now,
      }),
    );
  }

  /**
   * Records one attempt. A pass verifies; a retryable failure with attempts left keeps the session PENDING
   * (v2 moves on to its next spare verifyId, without which it cannot continue); anything else fails it.
   */
  recordAttempt(outcome: RuleOutcome, now: Date): Change {
    if (this.status !== 'PENDING') return err(new InvalidStateError(this.status, 'confirm'));
    if (!this.hasConsent) return err(new InvalidStateError(this.status, 'confirm without consent'));
    const attempts = this.snapshot.attempts + 1;
    const observedLiveness = outcome.observedLiveness ?? this.snapshot.observedLiveness;
    if (outcome.passed) {
      return ok(this.end('VERIFIED', now, { attempts, observedLiveness, verifiedAt: now }));
    }
    const binding = this.snapshot.binding;
    const [next, ...rest] = binding?.protocol === 'V2' ? binding.spares : [];
    const canContinue = this.continuesAfter(outcome.failure) && (binding?.protocol !== 'V2' || next != null);
    if (!canContinue) {
      // an ended session cannot be retried, whatever the kind of failure would allow
      const lastError = { ...outcome.failure, retryable: false };
      return ok(this.end('FAILED', now, { attempts, observedLiveness, lastError }));
    }
    let expiresAt = this.snapshot.expiresAt;
    let nextBinding = binding;
    if (binding?.protocol === 'V2' && next) {
      nextBinding = { ...binding, ...next, spares: rest };
      expiresAt = minDate(expiresAt, earliestVerifyIdExpiry(nextBinding));
    }
    return ok(
      this.with({ attempts, observedLiveness, lastError: outcome.failure, binding: nextBinding, expiresAt }),
    );
  }

  private end(
    status: 'VERIFIED' | 'FAILED' | 'CANCELED' | 'EXPIRED',
    now: Date,
    changes: Partial<VerificationSessionSnapshot>,
  ): VerificationSession {
    return this.with({ ...changes, status, endedAt: now, binding: null });
  }

  private with(changes: Partial<VerificationSessionSnapshot>): VerificationSession {
    return new VerificationSession({ ...this.snapshot, ...changes, version: this.snapshot.version + 1 });
  }
}
