import { AbuseLimits } from '../abuse/abuse-limits.js';
import type { AbuseLimitSettings } from '../abuse/abuse-rules.js';
import type { Clock } from '../ports/clock.port.js';
import { ExactRateLimiter } from './exact-rate-limiter.js';
import { FakeAbuseKeyDigests } from './fake-abuse-key-digests.js';
import { FixedClock } from './fixed-clock.js';
import { InMemoryRateLimitCounters } from './in-memory-rate-limit-counters.js';
import { PRODUCTION_ADMISSION_LIMITS } from './in-memory-start-admission.js';

/** Tencent FaceID's limits on starts, and per-address limits high enough that one test never meets them. */
export const TEST_ABUSE_LIMITS: AbuseLimitSettings = {
  ...PRODUCTION_ADMISSION_LIMITS,
  ipStartPerMinute: 60,
  ipSignInPerMinute: 600,
  ipConfirmPerMinute: 120,
};

/** The domain's AbuseLimits on in-memory counters, counted exactly, with the fakes to inspect. */
export function makeAbuseLimits(
  options: {
    clock?: Clock;
    settings?: Partial<AbuseLimitSettings>;
    counters?: InMemoryRateLimitCounters;
  } = {},
) {
  const clock = options.clock ?? new FixedClock();
  const counters = options.counters ?? new InMemoryRateLimitCounters();
  const limits = new AbuseLimits({
    limiter: new ExactRateLimiter(counters, clock),
    tallies: counters,
    digests: new FakeAbuseKeyDigests(),
    clock,
    settings: { ...TEST_ABUSE_LIMITS, ...options.settings },
  });
  return { limits, counters, clock };
}
