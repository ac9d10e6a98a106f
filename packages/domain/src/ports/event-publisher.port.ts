import type { VerificationStatus } from '../verification/verification.types.js';

export interface VerificationUpdatedEvent {
  readonly type: 'verification.updated';
  readonly sessionId: string;
  readonly status: VerificationStatus;
  readonly attempts: number;
  readonly occurredAt: Date;
}

export type VerificationEvent = VerificationUpdatedEvent;

export interface EventPublisher {
  /** Called after the change is durable. Must not throw for delivery problems (log and drop instead). */
  publish(event: VerificationEvent): Promise<void>;
}
