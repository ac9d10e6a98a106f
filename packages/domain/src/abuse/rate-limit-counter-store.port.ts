import type { RateLimitHit } from './rate-limit.js';

/**
 * Fixed-window counters shared by every gateway instance, counted hit by hit: each hit is one atomic
 * increment, so concurrent hits from several instances never lose a count.
 */
export interface RateLimitCounterStore {
  /** Counts one hit in the window and answers the window's count including it. */
  increment(hit: RateLimitHit): Promise<number>;
  /** Deletes the windows that ended before `now`; answers how many. */
  prune(now: Date): Promise<number>;
}

export interface CounterIncrement {
  readonly hit: RateLimitHit;
  /** Hits to add, at least 1. */
  readonly by: number;
}

/**
 * The same counters, several windows at a time: counts batched in memory are added in one statement, and
 * tallies kept beside the limits (mismatches, refusals) are read in one. Callers pass each window at most
 * once per call, in the same order on every instance (so two instances' statements lock rows alike).
 */
export interface BatchedCounterStore {
  /** Adds each increment to its window's count; answers the windows' new totals, in the order asked. */
  add(batch: readonly CounterIncrement[]): Promise<number[]>;
  /** The windows' current totals (0 when nothing was counted), in the order asked. */
  read(hits: readonly RateLimitHit[]): Promise<number[]>;
}
