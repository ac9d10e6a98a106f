import { createHmac } from 'node:crypto';
import type { RateLimitSettings } from '../config';
import {
  CHINA_DAY_OFFSET_MS,
  DAY_MS,
  MINUTE_MS,
  type RateLimitRule,
  type SharedRateLimiter,
} from './shared-rate-limiter';

export interface StartAdmissionRequest {
  /** The user being verified. */
  readonly openid: string;
  /** IdentityDigests.hmacHex('id-number', normalized ID number), from the domain after validation. */
  readonly idNumberHmac: string;
}

/**
 * Which operations count against which limits: startVerification per address (after authentication),
 * then, once the domain has validated it, per openid, per ID number and openid, and per ID number overall;
 * signIn and confirmVerification per address. Each method returns the seconds to wait (0 = go ahead).
 */
export class AbuseLimits {
  private readonly rules: {
    readonly ipStart: RateLimitRule;
    readonly openidDay: RateLimitRule;
    readonly idNumberMinute: RateLimitRule;
    readonly idNumberDay: RateLimitRule;
    readonly idNumberGlobalDay: RateLimitRule;
    readonly ipSignIn: RateLimitRule;
    readonly ipConfirm: RateLimitRule;
  };

  constructor(
    private readonly limiter: SharedRateLimiter,
    settings: RateLimitSettings,
    /** Keys the hashes of openids and addresses, so the counters table holds neither in clear. */
    private readonly keyHashKey: Uint8Array,
  ) {
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
    this.rules = {
      ipStart: perAddress('start:ip:minute', settings.ipStartPerMinute),
      openidDay: day('start:openid:day', settings.openidPerDay),
      // per ID number and openid: one user's tries never use up another's allowance for the same number
      idNumberMinute: minute('start:id-number+openid:minute', settings.idNumberPerMinute),
      idNumberDay: day('start:id-number+openid:day', settings.idNumberPerDay),
      // all users together: a higher ceiling, so many accounts cannot hammer one person's number either
      idNumberGlobalDay: day('start:id-number:day', settings.idNumberGlobalPerDay),
      ipSignIn: perAddress('sign-in:ip:minute', settings.ipSignInPerMinute),
      ipConfirm: perAddress('confirm:ip:minute', settings.ipConfirmPerMinute),
    };
  }

  signIn(clientAddress: string): Promise<number> {
    return this.limiter.hit([{ rule: this.rules.ipSignIn, key: this.hash('ip', clientAddress) }]);
  }

  confirmVerification(clientAddress: string): Promise<number> {
    return this.limiter.hit([{ rule: this.rules.ipConfirm, key: this.hash('ip', clientAddress) }]);
  }

  /** startVerification per client address, counted once the caller is authenticated. */
  startVerificationAddress(clientAddress: string): Promise<number> {
    return this.limiter.hit([{ rule: this.rules.ipStart, key: this.hash('ip', clientAddress) }]);
  }

  /**
   * A start that passed validation and is about to reach WeChat (the domain's StartAdmission port). Narrowest
   * first: a user over their own limits uses up nothing of the ID number's shared ceiling.
   */
  admitStart(request: StartAdmissionRequest): Promise<number> {
    const { rules } = this;
    const pair = this.hash('id-number+openid', `${request.idNumberHmac}:${request.openid}`);
    return this.limiter.hit([
      { rule: rules.openidDay, key: this.hash('openid', request.openid) },
      { rule: rules.idNumberMinute, key: pair },
      { rule: rules.idNumberDay, key: pair },
      { rule: rules.idNumberGlobalDay, key: request.idNumberHmac },
    ]);
  }

  /** Sends the per-address counts counted here so far to the shared store. */
  flush(): Promise<void> {
    return this.limiter.flush();
  }

  /** Sends what is pending and stops the flush timer; call before the database closes. */
  close(): Promise<void> {
    return this.limiter.close();
  }

  private hash(kind: 'ip' | 'openid' | 'id-number+openid', value: string): string {
    return createHmac('sha256', this.keyHashKey).update(`${kind}:${value}`, 'utf8').digest('hex');
  }
}
