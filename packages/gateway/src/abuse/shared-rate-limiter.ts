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
  /** Stored with each count, e.g. 'start:openid:day'. */
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

/** A rule's window at `now` for `key`, and the seconds until it ends (at least 1). */
export function windowOf(
  rule: Pick<RateLimitRule, 'scope' | 'windowMs' | 'offsetMs'>,
  key: string,
  now: number,
): RateLimitHit & { readonly secondsLeft: number } {
  const offset = rule.offsetMs ?? 0;
  const start = Math.floor((now + offset) / rule.windowMs) * rule.windowMs - offset;
  const end = start + rule.windowMs;
  return {
    scope: rule.scope,
    key,
    windowStart: new Date(start),
    windowEnd: new Date(end),
    secondsLeft: Math.max(1, Math.ceil((end - now) / 1000)),
  };
}

/** The scope refusals of a rule are counted under (one row per window, key REFUSALS_KEY). */
export const refusalScope = (scope: string) => `refused:${scope}`;
/** Refusal counts are per rule, not per caller: their rows hold no key at all. */
export const REFUSALS_KEY = '*';

/**
 * Fixed-window limits whose counts are shared by every gateway instance through the database. An instance
 * that has seen a key go over its limit remembers it until the window ends, so a flood costs no further
 * database writes there. 'batched' rules never wait for the database (see BatchedCounters).
 *
 * With batching configured, every refusal is also counted, per rule and window (scope `refused:<scope>`,
 * key '*'), in memory and sent with the batches: the console's System page shows these, whichever rule
 * refused and however (a window known here to be exhausted, a batched window, an exact one). Counting
 * the excess of a window's own count instead would miss both batched refusals (never sent) and those
 * answered from the memory of an exhausted window (never written).
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

  /** The window of `rule` for `key` now (for counts kept outside hit(), such as AbuseLimits' tallies). */
  currentWindow(rule: Pick<RateLimitRule, 'scope' | 'windowMs' | 'offsetMs'>, key: string) {
    return windowOf(rule, key, this.clock.now().getTime());
  }

  /**
   * Counts one refusal by `rule` in its current window (when batching is configured) and answers the
   * seconds until that window ends.
   */
  async refuse(rule: Pick<RateLimitRule, 'scope' | 'windowMs' | 'offsetMs'>): Promise<number> {
    const { secondsLeft, ...hit } = windowOf(
      { ...rule, scope: refusalScope(rule.scope) },
      REFUSALS_KEY,
      this.clock.now().getTime(),
    );
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
