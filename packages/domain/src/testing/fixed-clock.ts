import type { Clock } from '../ports/clock.port.js';

/** A clock that moves only when told to. Default start: 2025-06-01T00:00:00Z. */
export class FixedClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2025-06-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    this.current += ms;
    return this.now();
  }

  set(date: Date | string): void {
    this.current = new Date(date).getTime();
  }
}
