import { CHINA_DAY_OFFSET_MS, DAY_MS, MINUTE_MS, type RateLimitRule } from './rate-limit.js';

/** The limits StartAdmission applies to a user's validated starts (see its doc comment). */
export interface StartAdmissionLimits {
  /** Starts per openid a day, whatever the ID numbers. */
  readonly openidPerDay: number;
  /**
   * Starts per ID number and openid a minute (keyed by HMACs), so strangers cannot use up a user's
   * allowance for their own number.
   */
  readonly idNumberPerMinute: number;
  /** Starts per ID number and openid a day. */
  readonly idNumberPerDay: number;
  /**
   * Face or identity mismatches WeChat judged per ID number a day, all users together; past it the openids
   * and addresses that produced them are refused for that number (never the number itself).
   */
  readonly idNumberMismatchesPerDay: number;
}

/** Every abuse limit: the user's starts, and the operations limited per client address. */
export interface AbuseLimitSettings extends StartAdmissionLimits {
  /** startVerification per client address. */
  readonly ipStartPerMinute: number;
  /** signIn per client address (many users may share a NAT). */
  readonly ipSignInPerMinute: number;
  /** confirmVerification per client address. */
  readonly ipConfirmPerMinute: number;
}

/** The abuse rules by name: what is limited, under which scope, to how many a window. */
export interface AbuseRules {
  /** startVerification per client address (users only). */
  readonly ipStart: RateLimitRule;
  /** Validated user starts per openid. */
  readonly openidDay: RateLimitRule;
  /** Validated user starts per ID number and openid. */
  readonly idNumberMinute: RateLimitRule;
  readonly idNumberDay: RateLimitRule;
  /** WeChat-judged mismatches per ID number, all users: past it the contributors are refused for it. */
  readonly idNumberMismatchesDay: RateLimitRule;
  readonly ipSignIn: RateLimitRule;
  readonly ipConfirm: RateLimitRule;
}

/**
 * The one definition of the abuse rules: AbuseLimits counts by them and the console's System page lists
 * them, with their limits and the refusals counted under them.
 */
export function abuseRules(settings: AbuseLimitSettings): AbuseRules {
  const day = (scope: string, limit: number): RateLimitRule => ({
    scope,
    limit,
    windowMs: DAY_MS,
    offsetMs: CHINA_DAY_OFFSET_MS,
  });
  const minute = (scope: string, limit: number): RateLimitRule => ({ scope, limit, windowMs: MINUTE_MS });
  // Per address: high-rate (one NAT or load balancer can be most of the traffic) and coarse, so counted
  // in memory and shared in batches. Per openid and ID number: low-rate and guarding the identity check,
  // so every hit is counted in the database before it is allowed.
  const perAddress = (scope: string, limit: number): RateLimitRule => ({
    ...minute(scope, limit),
    sharing: 'batched',
  });
  return {
    ipStart: perAddress('start:ip:minute', settings.ipStartPerMinute),
    openidDay: day('start:openid:day', settings.openidPerDay),
    // per ID number and openid: one user's tries never use up another's allowance for the same number
    idNumberMinute: minute('start:id-number+openid:minute', settings.idNumberPerMinute),
    idNumberDay: day('start:id-number+openid:day', settings.idNumberPerDay),
    idNumberMismatchesDay: day('mismatch:id-number:day', settings.idNumberMismatchesPerDay),
    ipSignIn: perAddress('sign-in:ip:minute', settings.ipSignInPerMinute),
    ipConfirm: perAddress('confirm:ip:minute', settings.ipConfirmPerMinute),
  };
}

/** Who produced an ID number's mismatches: tallies beside the ceiling's, never limits of their own. */
export const MISMATCH_CONTRIBUTORS = {
  openid: { scope: 'mismatch:id-number+openid:day', windowMs: DAY_MS, offsetMs: CHINA_DAY_OFFSET_MS },
  address: { scope: 'mismatch:id-number+ip:day', windowMs: DAY_MS, offsetMs: CHINA_DAY_OFFSET_MS },
} as const;
