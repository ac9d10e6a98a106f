import type { RateLimitCheck, RateLimitWindowRule } from './rate-limit.js';

/**
 * Counts hits against limits shared by every instance (the gateway's SharedRateLimiter: exact rules
 * through a RateLimitCounterStore, batched ones in memory first) and counts the refusals, per rule.
 */
export interface RateLimiter {
  /**
   * Counts one hit against each check in order and stops at the first one over its limit, so a caller
   * refused by a broad limit (its address) does not use up a narrower one (an ID number's).
   * Answers the seconds to wait, or 0 when every limit allowed it.
   */
  hit(checks: readonly RateLimitCheck[]): Promise<number>;
  /**
   * Counts one refusal by `rule` in its current window (under refusalScope(rule.scope), key REFUSALS_KEY)
   * and answers the seconds until that window ends.
   */
  refuse(rule: RateLimitWindowRule): Promise<number>;
  /** Sends what is counted here but not yet shared; never throws. */
  flush(): Promise<void>;
  /** Sends what is pending and stops counting in memory; call before the store closes. */
  close(): Promise<void>;
}
