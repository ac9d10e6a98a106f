import type { VerificationStatus } from '../verification/verification.types.js';

export interface VerificationUpdatedEvent {
  readonly type: 'verification.updated';
  readonly sessionId: string;
  /** The session's app: webhook endpoints and subscribers limited to some apps see their own only. */
  readonly app: string;
  readonly status: VerificationStatus;
  readonly attempts: number;
  readonly occurredAt: Date;
}

/** The session's personal fields were removed (retention or a request); announced as verification.redacted. */
export interface VerificationRedactedEvent {
  readonly type: 'verification.redacted';
  readonly sessionId: string;
  /** The session's app: webhook endpoints and subscribers limited to some apps see their own only. */
  readonly app: string;
  readonly status: VerificationStatus;
  readonly attempts: number;
  readonly occurredAt: Date;
}

export type VerificationEvent = VerificationUpdatedEvent | VerificationRedactedEvent;

/**
 * Told of each change after it is durable, in the process that made it (metrics, logs). The durable record
 * of the event is the repository's (stored with the write); this port is not how other processes learn of it.
 */
export interface EventPublisher {
  /** Called after the change is durable. Must not throw for delivery problems (log and drop instead). */
  publish(event: VerificationEvent): Promise<void>;
}
