import {
  type Clock,
  MINUTE_MS,
  type RateLimitCheck,
  type RateLimitCounterStore,
  type RateLimiter,
  type RateLimitWindowRule,
  refusalWindowOf,
  windowOf,
} from '@facegate/domain';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../infrastructure/observability/logger';
import { BatchedCounters, type BatchingOptions } from './batched-counters';

export interface SharedRateLimiterOptions {
  /** How often ended windows are deleted from the store (default 5 minutes). */
  readonly pruneIntervalMs?: number;
  /** Where and how 'batched' rules are counted; without it they are counted exactly. */
  readonly batching?: BatchingOptions;
  /** Hears each refusal by the rule's scope (metrics); must not throw. */
  readonly onRefused?: (scope: string) => void;
}

/**
 * The domain's RateLimiter: fixed-window limits whose counts are shared by every gateway instance through
 * the database (a RateLimitCounterStore, hit by hit; a BatchedCounterStore for 'batched' rules). An instance
 * that has seen a key go over its limit remembers it until the window ends, so a flood costs no further
 * database writes there. 'batched' rules never wait for the database (see BatchedCounters).
 *
 * With batching configured, every refusal is also counted, per rule and window (scope `refused:<scope>`,
 * key '*'), in memory and sent with the batches: the console's System page shows these, whichever rule
 * refused and however (a window known here to be exhausted, a batched window, an exact one). Counting
 * the excess of a window's own count instead would miss both batched refusals (never sent) and those
 * answered from the memory of an exhausted window (never written).
 */
export class SharedRateLimiter implements RateLimiter {
  private readonly exhausted = new LRUCache<string, number>({ max: 50_000 });
  private readonly batched: BatchedCounters | null;
  private readonly pruneIntervalMs: number;
  private nextPruneAt = 0;
  private readonly onRefused: ((scope: string) => void) | undefined;

  constructor(
    private readonly store: RateLimitCounterStore,
    private readonly clock: Clock,
    private readonly logger?: Pick<Logger, 'warn'>,
    options: SharedRateLimiterOptions = {},
  ) {
    this.pruneIntervalMs = options.pruneIntervalMs ?? 5 * MINUTE_MS;
    this.onRefused = options.onRefused;
    this.batched =
      options.batching === undefined ? null : new BatchedCounters(options.batching, clock, logger);
  }

  /**
   * Counts one hit against each check in order and stops at the first one over its limit, so a caller
   * refused by a broad limit (its address) does not use up a narrower one (an ID number's).
   * Returns the seconds to wait, or 0 when every limit allowed it.
   */
  async hit(checks: readonly RateLimitCheck[]): Promise<number> {
    const now = this.clock.now().getTime();
    this.maybePrune(now);
    for (const { rule, key } of checks) {
      const { secondsLeft, ...hit } = windowOf(rule, key, now);
      const end = hit.windowEnd.getTime();
      const cacheKey = `${rule.scope}\u0000${key}\u0000${hit.windowStart.getTime()}`;
      if ((this.exhausted.get(cacheKey) ?? 0) > now) return this.refuse(rule);
      if (rule.sharing === 'batched' && this.batched !== null) {
        const taken = this.batched.take(cacheKey, hit, rule.limit);
        if (taken === 'allowed') continue;
        if (taken === 'refused') {
          this.exhausted.set(cacheKey, end);
          return this.refuse(rule);
        }
      }
      const count = await this.store.increment(hit);
      if (count > rule.limit) {
        this.exhausted.set(cacheKey, end);
        return this.refuse(rule);
      }
    }
    return 0;
  }

  /**
   * Counts one refusal by `rule` in its current window (when batching is configured) and answers the
   * seconds until that window ends.
   */
  async refuse(rule: RateLimitWindowRule): Promise<number> {
    const { secondsLeft, ...hit } = refusalWindowOf(rule, this.clock.now().getTime());
    this.onRefused?.(rule.scope);
    const id = `${hit.scope}\u0000${hit.key}\u0000${hit.windowStart.getTime()}`;
    // in memory, sent with the batches: a flood of refusals costs no write each
    this.batched?.take(id, hit, Number.MAX_SAFE_INTEGER);
    return secondsLeft;
  }

  /** Sends the batched counts now (they are otherwise sent every flush interval); never throws. */
  async flush(): Promise<void> {
    await this.batched?.flush();
  }

  /** Sends the batched counts still pending; call before the database closes. */
  async close(): Promise<void> {
    await this.batched?.close();
  }

  private maybePrune(now: number): void {
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.pruneIntervalMs;
    this.store.prune(new Date(now)).catch((error: unknown) => {
      this.logger?.warn({ err: error }, 'could not prune rate-limit counters');
    });
  }
}
