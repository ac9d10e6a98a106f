import { createHmac } from 'node:crypto';
import type { AdmissionSubject, StartAdmission, StartAdmissionRequest } from '@facegate/domain';
import type { RateLimitSettings } from '../config';
import type { BatchedCounterStore } from './batched-counters';
import {
  CHINA_DAY_OFFSET_MS,
  DAY_MS,
  MINUTE_MS,
  type RateLimitRule,
  REFUSALS_KEY,
  refusalScope,
  type SharedRateLimiter,
} from './shared-rate-limiter';

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
export function abuseRules(settings: RateLimitSettings): AbuseRules {
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
const CONTRIBUTORS = {
  openid: { scope: 'mismatch:id-number+openid:day', windowMs: DAY_MS, offsetMs: CHINA_DAY_OFFSET_MS },
  address: { scope: 'mismatch:id-number+ip:day', windowMs: DAY_MS, offsetMs: CHINA_DAY_OFFSET_MS },
} as const;

/** clientAddressOf's answer when the socket had no address: shared by all such clients, so never keyed on. */
const UNKNOWN_ADDRESS = 'unknown';

export interface AbuseRefusalCount {
  readonly scope: string;
  readonly limit: number;
  /** Requests the rule refused in its current window (all instances, this one's up to now). */
  readonly refused: number;
}

/**
 * Which operations count against which limits: startVerification per address (users, after
 * authentication), then, once the domain has validated it, per openid and per ID number and openid; signIn
 * and confirmVerification per address. The ID number itself is guarded by the mismatches WeChat judged
 * for it: once they reach the daily ceiling, the openids and addresses that produced them are refused for
 * it, and nobody else (the domain's StartAdmission port says why). Services never reach these.
 *
 * Keys are keyed hashes (HMACs with the rate-limit key of openids, addresses and of the ID number's own
 * HMAC), so the counters table holds none of them in clear and cannot be joined to the sessions.
 */
export class AbuseLimits implements StartAdmission {
  readonly rules: AbuseRules;

  constructor(
    private readonly limiter: SharedRateLimiter,
    settings: RateLimitSettings,
    /** Keys the hashes of openids and addresses, so the counters table holds neither in clear. */
    private readonly keyHashKey: Uint8Array,
    /** The counters table read and added to directly: mismatch tallies and refusal counts. */
    private readonly tallies: BatchedCounterStore,
  ) {
    this.rules = abuseRules(settings);
  }

  signIn(clientAddress: string): Promise<number> {
    return this.limiter.hit([{ rule: this.rules.ipSignIn, key: this.hash('ip', clientAddress) }]);
  }

  confirmVerification(clientAddress: string): Promise<number> {
    return this.limiter.hit([{ rule: this.rules.ipConfirm, key: this.hash('ip', clientAddress) }]);
  }

  /** startVerification per client address, counted once the caller is authenticated (users only). */
  startVerificationAddress(clientAddress: string): Promise<number> {
    return this.limiter.hit([{ rule: this.rules.ipStart, key: this.hash('ip', clientAddress) }]);
  }

  /**
   * A user's start that passed validation (the domain's StartAdmission port). The user's own limits first,
   * narrowest last; then one read of the ID number's mismatch tallies, and only past its ceiling, for a
   * caller that contributed, the domain's look-up of an earlier verification.
   */
  async admit(request: StartAdmissionRequest): Promise<number> {
    const { rules } = this;
    const pair = this.hash('id-number+openid', `${request.idNumberHmac}:${request.openid}`);
    const wait = await this.limiter.hit([
      { rule: rules.openidDay, key: this.hash('openid', request.openid) },
      { rule: rules.idNumberMinute, key: pair },
      { rule: rules.idNumberDay, key: pair },
    ]);
    if (wait > 0) return wait;
    const [mismatches = 0, ...contributed] = await this.tallies.read(this.mismatchWindows(request));
    if (mismatches < rules.idNumberMismatchesDay.limit) return 0;
    if (contributed.every((count) => count === 0)) return 0;
    if (await request.verifiedBefore()) return 0;
    return this.limiter.refuse(rules.idNumberMismatchesDay);
  }

  /** A mismatch WeChat judged on a user's session: one statement adds it to the number's three tallies. */
  async recordMismatch(subject: AdmissionSubject): Promise<void> {
    // every instance sends its windows in one order, so two concurrent statements lock rows alike
    const windows = this.mismatchWindows(subject).sort((a, b) =>
      a.scope === b.scope ? (a.key < b.key ? -1 : 1) : a.scope < b.scope ? -1 : 1,
    );
    await this.tallies.add(windows.map((hit) => ({ hit, by: 1 })));
  }

  /** Each rule with its limit and the requests it refused in its current window. */
  async refusals(): Promise<AbuseRefusalCount[]> {
    await this.limiter.flush(); // this instance's batched counts, refusals included
    const rules = Object.values(this.rules);
    const counts = await this.tallies.read(
      rules.map((rule) =>
        this.limiter.currentWindow({ ...rule, scope: refusalScope(rule.scope) }, REFUSALS_KEY),
      ),
    );
    return rules.map((rule, i) => ({ scope: rule.scope, limit: rule.limit, refused: counts[i] ?? 0 }));
  }

  /** Sends the per-address counts counted here so far to the shared store. */
  flush(): Promise<void> {
    return this.limiter.flush();
  }

  /** Sends what is pending and stops the flush timer; call before the database closes. */
  close(): Promise<void> {
    return this.limiter.close();
  }

  /** The number's mismatch tally, then its contributors' (the openid's, and the address's when known). */
  private mismatchWindows(subject: AdmissionSubject) {
    const { idNumberHmac, openid, clientAddress } = subject;
    const windows = [
      this.limiter.currentWindow(this.rules.idNumberMismatchesDay, this.hash('id-number', idNumberHmac)),
      this.limiter.currentWindow(
        CONTRIBUTORS.openid,
        this.hash('id-number+openid', `${idNumberHmac}:${openid}`),
      ),
    ];
    if (clientAddress !== null && clientAddress !== UNKNOWN_ADDRESS) {
      windows.push(
        this.limiter.currentWindow(
          CONTRIBUTORS.address,
          this.hash('id-number+ip', `${idNumberHmac}:${clientAddress}`),
        ),
      );
    }
    return windows.map(({ secondsLeft: _, ...hit }) => hit);
  }

  private hash(
    kind: 'ip' | 'openid' | 'id-number' | 'id-number+openid' | 'id-number+ip',
    value: string,
  ): string {
    return createHmac('sha256', this.keyHashKey).update(`${kind}:${value}`, 'utf8').digest('hex');
  }
}
