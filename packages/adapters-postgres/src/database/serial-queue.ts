import { context } from '@opentelemetry/api';

/**
 * Runs tasks one at a time. PGlite is a single connection: two transactions must never interleave their
 * statements, so every use of it goes through one queue. Tasks run in call order within a lane; a queued
 * `low` task (the operator console's aggregates) runs only when no `normal` task waits, so the verification
 * path waits for at most the one low task already running, however many are queued.
 */
export class SerialQueue {
  private readonly normal: (() => Promise<void>)[] = [];
  private readonly low: (() => Promise<void>)[] = [];
  private draining = false;

  run<T>(queued: () => Promise<T>, lane: 'normal' | 'low' = 'normal'): Promise<T> {
    // the task runs later, from the drain loop: it keeps its caller's trace context, not the drainer's
    // (a no-op without a registered OpenTelemetry SDK)
    const task = context.bind(context.active(), queued);
    return new Promise<T>((resolve, reject) => {
      (lane === 'low' ? this.low : this.normal).push(async () => {
        try {
          resolve(await task());
        } catch (error) {
          reject(error);
        }
      });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    // started on a later tick, as a promise chain would: a caller's synchronous code runs first
    await Promise.resolve();
    try {
      for (;;) {
        let next = this.normal.shift();
        if (next === undefined && this.low.length > 0) {
          // PGlite runs a statement without giving the event loop a turn: before a low task, requests
          // waiting on I/O get to queue theirs, which then go first
          await new Promise((resolve) => setImmediate(resolve));
          next = this.normal.shift() ?? this.low.shift();
        }
        if (next === undefined) break;
        // each wrapper settles its caller's promise and never throws
        await next();
      }
    } finally {
      this.draining = false;
    }
  }
}
