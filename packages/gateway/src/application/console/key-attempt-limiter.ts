import { LRUCache } from 'lru-cache';

/**
 * Failed API-key attempts per client address, in fixed one-minute windows. Once an address has failed
 * `limit` times in a window, every API key it presents is refused until the window ends, the right one
 * included, so guessing learns nothing more. Counted per instance: keys carry 256 random bits, so this is
 * a brake on noisy guessing (and on the console's sign-in form), not what keeps keys secret.
 */
export class KeyAttemptLimiter {
  private readonly windows = new LRUCache<string, { start: number; failures: number }>({ max: 10_000 });

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until this address may try again; 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const entry = this.current(address);
    if (entry === undefined || entry.failures < this.limit) return 0;
    return Math.max(1, Math.ceil((entry.start + this.windowMs - this.now()) / 1000));
  }

  recordFailure(address: string): void {
    const entry = this.current(address);
    if (entry === undefined) this.windows.set(address, { start: this.now(), failures: 1 });
    else entry.failures += 1;
  }

  private current(address: string) {
    const entry = this.windows.get(address);
    if (entry === undefined || entry.start + this.windowMs <= this.now()) return undefined;
    return entry;
  }
}
