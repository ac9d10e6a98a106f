/** One fixed window of one limit for one caller: what a counter store counts. */
export interface RateLimitHit {
  /** What is limited, e.g. 'start:openid:day'. */
  readonly scope: string;
  /** Whom it is limited for: a keyed hash, never a raw ID number, openid or address. */
  readonly key: string;
  readonly windowStart: Date;
  /** When the window ends; its count may be pruned after it. */
  readonly windowEnd: Date;
}

/** A window, and the seconds until it ends (at least 1): what a refused caller is told to wait. */
export interface RateLimitWindow extends RateLimitHit {
  readonly secondsLeft: number;
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
   * batches, for high-rate, coarse limits that may run over a little with several instances; exact when
   * the limiter does no batching.
   */
  readonly sharing?: 'exact' | 'batched';
}

/** What a window is computed from: a rule's scope and timing, its limit aside. */
export type RateLimitWindowRule = Pick<RateLimitRule, 'scope' | 'windowMs' | 'offsetMs'>;

export interface RateLimitCheck {
  readonly rule: RateLimitRule;
  /** A keyed hash; never a raw ID number, openid or address. */
  readonly key: string;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
/** China Standard Time (UTC+8, no daylight saving): day windows start at Beijing midnight, as WeChat's do. */
export const CHINA_DAY_OFFSET_MS = 8 * 60 * MINUTE_MS;

/** A rule's window at `now` (epoch ms) for `key`, and the seconds until it ends (at least 1). */
export function windowOf(rule: RateLimitWindowRule, key: string, now: number): RateLimitWindow {
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

/** The window a refusal by `rule` at `now` is counted in: the rule's own window, under its refusal scope. */
export function refusalWindowOf(rule: RateLimitWindowRule, now: number): RateLimitWindow {
  return windowOf({ ...rule, scope: refusalScope(rule.scope) }, REFUSALS_KEY, now);
}
