import {
  type RateLimitCheck,
  type RateLimitWindowRule,
  refusalWindowOf,
  windowOf,
} from '../abuse/rate-limit.js';
import type { BatchedCounterStore, RateLimitCounterStore } from '../abuse/rate-limit-counter-store.port.js';
import type { RateLimiter } from '../abuse/rate-limiter.port.js';
import type { Clock } from '../ports/clock.port.js';

/**
 * The RateLimiter port at its simplest: every hit, batched rules included, is one increment of the
 * counters, awaited; every refusal is added to its rule's refusal count at once. Nothing is held in memory,
 * so flush and close have nothing to send.
 */
export class ExactRateLimiter implements RateLimiter {
  constructor(
    private readonly counters: RateLimitCounterStore & BatchedCounterStore,
    private readonly clock: Clock,
  ) {}

  async hit(checks: readonly RateLimitCheck[]): Promise<number> {
    const now = this.clock.now().getTime();
    for (const { rule, key } of checks) {
      const { secondsLeft: _, ...hit } = windowOf(rule, key, now);
      if ((await this.counters.increment(hit)) > rule.limit) return this.refuse(rule);
    }
    return 0;
  }

  async refuse(rule: RateLimitWindowRule): Promise<number> {
    const { secondsLeft, ...hit } = refusalWindowOf(rule, this.clock.now().getTime());
    await this.counters.add([{ hit, by: 1 }]);
    return secondsLeft;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
