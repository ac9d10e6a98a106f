import type { VerificationUpdatedEvent } from '@facegate/domain';

type Listener = (event: VerificationUpdatedEvent) => void;

/**
 * Fans the database's verification events (read from the outbox, so every instance sees every change) out to the
 * subscriptions of this process, keyed by session id. Subscribing registers at once (not on first read),
 * so no event is lost between reading a session and waiting for its next change.
 */
export class VerificationEventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();
  private closed = false;

  /** Called with each event from the database. */
  dispatch(event: VerificationUpdatedEvent): void {
    for (const listener of this.listeners.get(event.sessionId) ?? []) listener(event);
  }

  /** Events of one session until the consumer returns or the bus closes. */
  subscribe(sessionId: string): AsyncIterableIterator<VerificationUpdatedEvent> {
    const queue: VerificationUpdatedEvent[] = [];
    let wake: (() => void) | null = null;
    let done = this.closed;
    const listener: Listener = (event) => {
      queue.push(event);
      wake?.();
    };
    const finish = () => {
      done = true;
      this.closers.delete(finish);
      const set = this.listeners.get(sessionId);
      set?.delete(listener);
      if (set?.size === 0) this.listeners.delete(sessionId);
      wake?.();
    };
    if (!done) {
      let set = this.listeners.get(sessionId);
      if (set === undefined) {
        set = new Set();
        this.listeners.set(sessionId, set);
      }
      set.add(listener);
      this.closers.add(finish);
    }
    const iterator: AsyncIterableIterator<VerificationUpdatedEvent> = {
      async next() {
        while (queue.length === 0 && !done) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
        const event = queue.shift();
        return event !== undefined ? { value: event, done: false } : { value: undefined, done: true };
      },
      async return() {
        finish();
        queue.length = 0;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Ends every open subscription (graceful shutdown). */
  close(): void {
    this.closed = true;
    for (const finish of [...this.closers]) finish();
  }
}
