import type { RateLimitHit } from '@facegate/adapters-postgres';
import type { Clock } from '@facegate/domain';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../observability/logger';

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
 * database writes there.
 */
export class SharedRateLimiter {
  private readonly exhausted = new LRUCache<string, number>({ max: 50_000 });
  private nextPruneAt = 0;

  constructor(
    private readonly store: RateLimitCounterStore,
    private readonly clock: Clock,
    private readonly logger?: Pick<Logger, 'warn'>,
    private readonly pruneIntervalMs: number = 5 * MINUTE_MS,
  ) {}

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
      const count = await this.store.increment({
        scope: rule.scope,
        key,
        windowStart: new Date(start),
        windowEnd: new Date(end),
      });
      if (count > rule.limit) {
        this.exhausted.set(cacheKey, end);
        return retryAfter;
      }
    }
    return 0;
  }

  private maybePrune(now: number): void {
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.pruneIntervalMs;
    this.store.prune(new Date(now)).catch((error: unknown) => {
      this.logger?.warn({ err: error }, 'could not prune rate-limit counters');
    });
  }
}
