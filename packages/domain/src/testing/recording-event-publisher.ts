import type { EventPublisher, VerificationEvent } from '../ports/event-publisher.port.js';

export class RecordingEventPublisher implements EventPublisher {
  readonly events: VerificationEvent[] = [];

  async publish(event: VerificationEvent): Promise<void> {
    this.events.push(event);
  }

  /** Events of one session, oldest first. */
  of(sessionId: string): VerificationEvent[] {
    return this.events.filter((e) => e.sessionId === sessionId);
  }

  clear(): void {
    this.events.length = 0;
  }
}
