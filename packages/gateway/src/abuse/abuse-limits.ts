import { createHmac } from 'node:crypto';
import type { RateLimitSettings } from '../config';
import {
  CHINA_DAY_OFFSET_MS,
  DAY_MS,
  MINUTE_MS,
  type RateLimitRule,
  type SharedRateLimiter,
} from './shared-rate-limiter';

export interface StartVerificationCaller {
  readonly clientAddress: string;
  /** The user being verified. */
  readonly openid: string;
  /** IdentityDigests.hmacHex('id-number', normalized ID number); null when the number does not parse. */
  readonly idNumberHmac: string | null;
}

/**
 * Which operations count against which limits: startVerification per address, openid and ID number;
 * signIn and confirmVerification per address. Each method returns the seconds to wait (0 = go ahead).
 */
export class AbuseLimits {
  private readonly rules: {
    readonly ipStart: RateLimitRule;
    readonly openidDay: RateLimitRule;
    readonly idNumberMinute: RateLimitRule;
    readonly idNumberDay: RateLimitRule;
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
      idNumberMinute: minute('start:id-number:minute', settings.idNumberPerMinute),
      idNumberDay: day('start:id-number:day', settings.idNumberPerDay),
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

  /** Broadest first: an address over its limit uses up nothing of the user's or the ID number's. */
  startVerification(caller: StartVerificationCaller): Promise<number> {
    const { rules } = this;
    return this.limiter.hit([
      { rule: rules.ipStart, key: this.hash('ip', caller.clientAddress) },
      { rule: rules.openidDay, key: this.hash('openid', caller.openid) },
      ...(caller.idNumberHmac === null
        ? []
        : [
            { rule: rules.idNumberMinute, key: caller.idNumberHmac },
            { rule: rules.idNumberDay, key: caller.idNumberHmac },
          ]),
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

  private hash(kind: 'ip' | 'openid', value: string): string {
    return createHmac('sha256', this.keyHashKey).update(`${kind}:${value}`, 'utf8').digest('hex');
  }
}
