import type { RateLimitHit } from '@facegate/adapters-postgres';
import type { Clock } from '@facegate/domain';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../observability/logger';
import { BatchedCounters, type BatchingOptions } from './batched-counters';

/** Where the counts live (SqlRateLimitCounterStore of @facegate/adapters-postgres fits it). */
export interface RateLimitCounterStore {
  increment(hit: RateLimitHit): Promise<number>;
  prune(now: Date): Promise<number>;
}

export interface RateLimitRule {
  /** Stored with each count, e.g. 'start:id-number:day'. */
  readonly scope: string;
  readonly limit: number;
  readonly windowMs: number;
  /** Shifts window boundaries, e.g. +8 h so day windows start at midnight in China. */
  readonly offsetMs?: number;
  /**
   * 'exact' (default): every hit is one atomic upsert, awaited. 'batched': counted in memory and sent in
   * batches (see BatchedCounters), for high-rate, coarse limits that may run over a little with several
   * instances; exact when the limiter has no batching configured.
   */
  readonly sharing?: 'exact' | 'batched';
}

export interface SharedRateLimiterOptions {
  /** How often ended windows are deleted from the store (default 5 minutes). */
  readonly pruneIntervalMs?: number;
  /** Where and how 'batched' rules are counted; without it they are counted exactly. */
  readonly batching?: BatchingOptions;
}

export interface RateLimitCheck {
  readonly rule: RateLimitRule;
  /** A keyed hash; never a raw ID number, openid or address. */
  readonly key: string;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
/** China Standard Time (UTC+8, no daylight saving): day windows start at Beijing midnight, as WeChat's do. */
export const CHINA_DAY_OFFSET_MS = 8 * 60 * MINUTE_MS;

/**
 * Fixed-window limits whose counts are shared by every gateway instance through the database. An instance
 * that has seen a key go over its limit remembers it until the window ends, so a flood costs no further
 * database writes there. 'batched' rules never wait for the database (see BatchedCounters).
 */
export class SharedRateLimiter {
  private readonly exhausted = new LRUCache<string, number>({ max: 50_000 });
  private readonly batched: BatchedCounters | null;
  private readonly pruneIntervalMs: number;
  private nextPruneAt = 0;

  constructor(
    private readonly store: RateLimitCounterStore,
    private readonly clock: Clock,
    private readonly logger?: Pick<Logger, 'warn'>,
    options: SharedRateLimiterOptions = {},
  ) {
    this.pruneIntervalMs = options.pruneIntervalMs ?? 5 * MINUTE_MS;
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
      const offset = rule.offsetMs ?? 0;
      const start = Math.floor((now + offset) / rule.windowMs) * rule.windowMs - offset;
      const end = start + rule.windowMs;
      const retryAfter = Math.max(1, Math.ceil((end - now) / 1000));
      const cacheKey = `${rule.scope}\u0000${key}\u0000${start}`;
      if ((this.exhausted.get(cacheKey) ?? 0) > now) return retryAfter;
      const hit = { scope: rule.scope, key, windowStart: new Date(start), windowEnd: new Date(end) };
      if (rule.sharing === 'batched' && this.batched !== null) {
        const taken = this.batched.take(cacheKey, hit, rule.limit);
        if (taken === 'allowed') continue;
        if (taken === 'refused') {
          this.exhausted.set(cacheKey, end);
          return retryAfter;
        }
      }
      const count = await this.store.increment(hit);
      if (count > rule.limit) {
        this.exhausted.set(cacheKey, end);
        return retryAfter;
      }
    }
    return 0;
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
