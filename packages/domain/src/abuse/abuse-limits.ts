import { DEFAULT_APP } from '../apps/app.js';
import type { Clock } from '../ports/clock.port.js';
import type {
  AdmissionSubject,
  StartAdmission,
  StartAdmissionRequest,
} from '../ports/start-admission.port.js';
import type { AbuseKeyDigests, AbuseKeyKind } from './abuse-key-digests.port.js';
import {
  type AbuseLimitSettings,
  type AbuseRules,
  abuseRules,
  MISMATCH_CONTRIBUTORS,
} from './abuse-rules.js';
import {
  type RateLimitHit,
  type RateLimitWindowRule,
  REFUSALS_KEY,
  refusalScope,
  windowOf,
} from './rate-limit.js';
import type { BatchedCounterStore } from './rate-limit-counter-store.port.js';
import type { RateLimiter } from './rate-limiter.port.js';

/** The client address the gateway passes when the socket had none: shared by all such clients, so never keyed on. */
export const UNKNOWN_CLIENT_ADDRESS = 'unknown';

export interface AbuseRefusalCount {
  readonly scope: string;
  readonly limit: number;
  /** Requests the rule refused in its current window (all instances, this one's up to now). */
  readonly refused: number;
}

export interface AbuseLimitsDeps {
  readonly limiter: RateLimiter;
  /** The counters the limiter counts in, read and added to directly: mismatch tallies and refusal counts. */
  readonly tallies: BatchedCounterStore;
  /** Hashes openids, addresses and ID number HMACs, so the counters hold none of them in clear. */
  readonly digests: AbuseKeyDigests;
  /**
   * While a secret rotation runs: the same hashing under each older secret still live, in the order of
   * StartAdmissionRequest.previousIdNumberHmacs. Counts made under them before the rotation are added to the
   * current ones, so a rotation resets no user's or ID number's limit.
   */
  readonly previousDigests?: readonly AbuseKeyDigests[];
  readonly clock: Clock;
  readonly settings: AbuseLimitSettings;
}

/**
 * Which operations count against which limits: startVerification per address (users, after
 * authentication), then, once the domain has validated it, per openid and per ID number and openid; signIn
 * and confirmVerification per address. The ID number itself is guarded by the mismatches WeChat judged
 * for it: once they reach the daily ceiling, the openids and addresses that produced them are refused for
 * it, and nobody else (the StartAdmission port says why). Services never reach these.
 *
 * Keys are keyed hashes (AbuseKeyDigests) of openids, addresses and of the ID number's own HMAC, so the
 * counters hold none of them in clear and cannot be joined to the sessions.
 */
export class AbuseLimits implements StartAdmission {
  readonly rules: AbuseRules;

  constructor(private readonly deps: AbuseLimitsDeps) {
    this.rules = abuseRules(deps.settings);
  }

  signIn(clientAddress: string): Promise<number> {
    return this.deps.limiter.hit([{ rule: this.rules.ipSignIn, key: this.hash('ip', clientAddress) }]);
  }

  confirmVerification(clientAddress: string): Promise<number> {
    return this.deps.limiter.hit([{ rule: this.rules.ipConfirm, key: this.hash('ip', clientAddress) }]);
  }

  /** startVerification per client address, counted once the caller is authenticated (users only). */
  startVerificationAddress(clientAddress: string): Promise<number> {
    return this.deps.limiter.hit([{ rule: this.rules.ipStart, key: this.hash('ip', clientAddress) }]);
  }

  /**
   * A user's start that passed validation (the StartAdmission port). The user's own limits first,
   * narrowest last; then one read of the ID number's mismatch tallies, and only past its ceiling, for a
   * caller that contributed, the look-up of an earlier verification.
   */
  async admit(given: StartAdmissionRequest): Promise<number> {
    const request = { ...given, ...appScoped(given) };
    const { rules } = this;
    const { limiter } = this.deps;
    const pair = this.hash('id-number+openid', `${request.idNumberHmac}:${request.openid}`);
    const carried = await this.carriedCounts(request);
    const wait = await limiter.hit([
      { rule: withCarried(rules.openidDay, carried[0]), key: this.hash('openid', request.openid) },
      { rule: withCarried(rules.idNumberMinute, carried[1]), key: pair },
      { rule: withCarried(rules.idNumberDay, carried[2]), key: pair },
    ]);
    if (wait > 0) return wait;
    const [mismatches = 0, ...contributed] = await this.readMismatches(request);
    if (mismatches < rules.idNumberMismatchesDay.limit) return 0;
    if (contributed.every((count) => count === 0)) return 0;
    if (await request.verifiedBefore()) return 0;
    return limiter.refuse(rules.idNumberMismatchesDay);
  }

  /** A mismatch WeChat judged on a user's session: one statement adds it to the number's three tallies. */
  async recordMismatch(given: AdmissionSubject): Promise<void> {
    const subject = { ...given, ...appScoped(given) };
    // every instance sends its windows in one order, so two concurrent statements lock rows alike
    // While a rotation runs, a session started before it carries its ID number's HMAC under the old secret:
    // counted under every live secret's hashing, so the look-up of the generation that made it finds it.
    const generations = [this.deps.digests, ...(this.deps.previousDigests ?? [])];
    const windows = generations
      .flatMap((digests) => this.mismatchWindows(subject, digests))
      .sort((a, b) => (a.scope === b.scope ? (a.key < b.key ? -1 : 1) : a.scope < b.scope ? -1 : 1));
    await this.deps.tallies.add(windows.map((hit) => ({ hit, by: 1 })));
  }

  /** Each rule with its limit and the requests it refused in its current window. */
  async refusals(): Promise<AbuseRefusalCount[]> {
    await this.deps.limiter.flush(); // this instance's batched counts, refusals included
    const rules = Object.values(this.rules);
    const counts = await this.deps.tallies.read(
      rules.map((rule) => this.currentWindow({ ...rule, scope: refusalScope(rule.scope) }, REFUSALS_KEY)),
    );
    return rules.map((rule, i) => ({ scope: rule.scope, limit: rule.limit, refused: counts[i] ?? 0 }));
  }

  /** Sends the per-address counts counted here so far to the shared store. */
  flush(): Promise<void> {
    return this.deps.limiter.flush();
  }

  /** Sends what is pending and stops the flush timer; call before the database closes. */
  close(): Promise<void> {
    return this.deps.limiter.close();
  }

  /**
   * The subject's counts under the older secrets still live, in the current windows of the user's own
   * limits (openid per day, ID number and openid per minute and per day): [0, 0, 0] with no rotation
   * running, and then no read at all.
   */
  private async carriedCounts(request: StartAdmissionRequest): Promise<number[]> {
    const previous = this.previousSubjects(request);
    if (previous.length === 0) return [0, 0, 0];
    const { rules } = this;
    const windows = previous.flatMap(({ digests, idNumberHmac }) => {
      const pair = digests.hmacHex('id-number+openid', `${idNumberHmac}:${request.openid}`);
      return [
        this.currentWindow(rules.openidDay, digests.hmacHex('openid', request.openid)),
        this.currentWindow(rules.idNumberMinute, pair),
        this.currentWindow(rules.idNumberDay, pair),
      ];
    });
    return sumEvery(await this.deps.tallies.read(windows), 3);
  }

  /** The mismatch tallies (see mismatchWindows), with those counted under older secrets added. */
  private async readMismatches(request: StartAdmissionRequest): Promise<number[]> {
    const current = this.mismatchWindows(request);
    const previous = this.previousSubjects(request);
    if (previous.length === 0) return this.deps.tallies.read(current);
    const windows = [
      ...current,
      ...previous.flatMap(({ digests, idNumberHmac }) =>
        this.mismatchWindows({ ...request, idNumberHmac }, digests),
      ),
    ];
    return sumEvery(await this.deps.tallies.read(windows), current.length);
  }

  /** The request's ID number HMAC under each older secret, with that secret's hashing. */
  private previousSubjects(
    request: StartAdmissionRequest,
  ): { digests: AbuseKeyDigests; idNumberHmac: string }[] {
    const digests = this.deps.previousDigests ?? [];
    const hmacs = request.previousIdNumberHmacs ?? [];
    return digests.slice(0, hmacs.length).map((d, i) => ({ digests: d, idNumberHmac: hmacs[i]! }));
  }

  /** The number's mismatch tally, then its contributors' (the openid's, and the address's when known). */
  private mismatchWindows(subject: AdmissionSubject, digests = this.deps.digests): RateLimitHit[] {
    const { idNumberHmac, openid, clientAddress } = subject;
    const windows = [
      this.currentWindow(this.rules.idNumberMismatchesDay, digests.hmacHex('id-number', idNumberHmac)),
      this.currentWindow(
        MISMATCH_CONTRIBUTORS.openid,
        digests.hmacHex('id-number+openid', `${idNumberHmac}:${openid}`),
      ),
    ];
    if (clientAddress !== null && clientAddress !== UNKNOWN_CLIENT_ADDRESS) {
      windows.push(
        this.currentWindow(
          MISMATCH_CONTRIBUTORS.address,
          digests.hmacHex('id-number+ip', `${idNumberHmac}:${clientAddress}`),
        ),
      );
    }
    return windows;
  }

  private currentWindow(rule: RateLimitWindowRule, key: string): RateLimitHit {
    const { secondsLeft: _, ...hit } = windowOf(rule, key, this.deps.clock.now().getTime());
    return hit;
  }

  private hash(kind: AbuseKeyKind, value: string): string {
    return this.deps.digests.hmacHex(kind, value);
  }
}

/** A rule whose window already holds `carried` counts made under an older secret: that much less is left. */
function withCarried<R extends { readonly limit: number }>(rule: R, carried = 0): R {
  return carried === 0 ? rule : { ...rule, limit: rule.limit - carried };
}

/** Adds up `counts` (groups of `width`, one group per secret) position by position. */
function sumEvery(counts: readonly number[], width: number): number[] {
  const sums = new Array<number>(width).fill(0);
  counts.forEach((count, i) => {
    sums[i % width] = (sums[i % width] ?? 0) + count;
  });
  return sums;
}

/**
 * Every per-user and per-number limit counts per app: an openid means someone only within its app, and one
 * app's users hammering a number must not refuse another app's. The default app's keys are the ones used
 * before apps existed, so an upgrade resets no window.
 */
function appScoped(subject: AdmissionSubject & { readonly previousIdNumberHmacs?: readonly string[] }): {
  openid: string;
  idNumberHmac: string;
  previousIdNumberHmacs?: readonly string[];
} {
  if (subject.app === DEFAULT_APP) return subject;
  const prefix = `${subject.app}/`;
  return {
    openid: prefix + subject.openid,
    idNumberHmac: prefix + subject.idNumberHmac,
    ...(subject.previousIdNumberHmacs
      ? { previousIdNumberHmacs: subject.previousIdNumberHmacs.map((h) => prefix + h) }
      : {}),
  };
}
