import { LRUCache } from 'lru-cache';

/**
 * A per-key fixed-window limit held in memory (per instance). Enough to blunt a runaway client; WeChat's
 * own limits (45011) still apply upstream.
 */
export class RateLimiter {
  private readonly windows: LRUCache<string, { start: number; count: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = new LRUCache({ max: 50_000 });
  }

  /** Seconds to wait when over the limit, else 0 (and the hit is counted). */
  hit(key: string): number {
    const now = this.now();
    const window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.windowMs) {
      this.windows.set(key, { start: now, count: 1 });
      return 0;
    }
    if (window.count >= this.limit)
      return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
    window.count += 1;
    return 0;
  }
}
