import {
  abuseRules,
  CHINA_DAY_OFFSET_MS,
  DAY_MS,
  MINUTE_MS,
  type StartAdmissionRequest,
  windowOf,
} from '@facegate/domain';
import {
  ExactRateLimiter,
  FakeAbuseKeyDigests,
  FixedClock,
  InMemoryRateLimitCounters,
  makeAbuseLimits,
  TEST_ABUSE_LIMITS,
} from '@facegate/domain/testing';
import { startAdmissionContract } from '@facegate/domain/testing/start-admission-contract';
import { describe, expect, it } from 'vitest';

startAdmissionContract('AbuseLimits (in-memory counters)', async (clock, limits) => ({
  admission: makeAbuseLimits({ clock, settings: limits }).limits,
  close: async () => {},
}));

const startRequest = (
  openid: string,
  idNumberHmac: string,
  clientAddress: string | null,
): StartAdmissionRequest => ({
  app: 'default',
  openid,
  idNumberHmac,
  clientAddress,
  verifiedBefore: async () => false,
});

const number = 'h'.repeat(64);

describe('AbuseLimits', () => {
  it("counts a user's validated start per openid and per ID number and openid, then reads the number's mismatch tallies; no raw key anywhere", async () => {
    const { limits, counters } = makeAbuseLimits();
    await limits.startVerificationAddress('203.0.113.9');
    expect(await limits.admit(startRequest('o_abc', number, '203.0.113.9'))).toBe(0);
    expect(counters.increments.map((h) => h.scope)).toEqual([
      'start:ip:minute',
      'start:openid:day',
      'start:id-number+openid:minute',
      'start:id-number+openid:day',
    ]);
    // one read: the number's mismatches, this openid's and this address's for it
    expect(counters.reads.map((read) => read.map((h) => h.scope))).toEqual([
      ['mismatch:id-number:day', 'mismatch:id-number+openid:day', 'mismatch:id-number+ip:day'],
    ]);
    // the pair's key is its own hash: another user's tries with the same number count elsewhere
    await limits.admit(startRequest('o_other', number, '203.0.113.9'));
    expect(counters.increments[2]?.key).not.toBe(counters.increments[5]?.key);
    await limits.recordMismatch({
      app: 'default',
      openid: 'o_abc',
      idNumberHmac: number,
      clientAddress: '203.0.113.9',
    });
    await limits.signIn('203.0.113.9');
    await limits.confirmVerification('203.0.113.9');
    expect(counters.increments.slice(7).map((h) => h.scope)).toEqual([
      'sign-in:ip:minute',
      'confirm:ip:minute',
    ]);
    const everything = JSON.stringify([
      ...counters.counts.keys(),
      counters.increments,
      counters.adds,
      counters.reads,
    ]);
    expect(everything).not.toMatch(/203\.0\.113\.9|o_abc|o_other|h{64}/);
  });

  it('keys each kind apart: one value as an address and as an openid is two keys, both keyed hashes', async () => {
    const { limits, counters } = makeAbuseLimits();
    await limits.signIn('same');
    await limits.admit(startRequest('same', number, null));
    const [address, openid] = counters.increments.map((h) => h.key);
    const digests = new FakeAbuseKeyDigests();
    expect(address).toBe(digests.hmacHex('ip', 'same'));
    expect(openid).toBe(digests.hmacHex('openid', 'same'));
    expect(address).not.toBe(openid);
    expect(address).toMatch(/^[0-9a-f]{64}$/);
  });

  it('adds a mismatch to the three tallies in one statement, and counts no address that is unknown', async () => {
    const { limits, counters } = makeAbuseLimits();
    await limits.recordMismatch({
      app: 'default',
      openid: 'o_abc',
      idNumberHmac: number,
      clientAddress: '203.0.113.9',
    });
    await limits.recordMismatch({
      app: 'default',
      openid: 'o_abc',
      idNumberHmac: number,
      clientAddress: 'unknown',
    });
    await limits.recordMismatch({
      app: 'default',
      openid: 'o_abc',
      idNumberHmac: number,
      clientAddress: null,
    });
    expect(counters.adds.map((batch) => batch.map((a) => a.hit.scope))).toEqual([
      ['mismatch:id-number+ip:day', 'mismatch:id-number+openid:day', 'mismatch:id-number:day'],
      ['mismatch:id-number+openid:day', 'mismatch:id-number:day'],
      ['mismatch:id-number+openid:day', 'mismatch:id-number:day'],
    ]);
    expect([...counters.counts.values()].sort()).toEqual([1, 3, 3]);
  });

  it('lists every rule with its limit and the requests it refused in the current window', async () => {
    const clock = new FixedClock('2025-06-01T00:00:30.000Z');
    const { limits } = makeAbuseLimits({
      clock,
      settings: { ipSignInPerMinute: 2, openidPerDay: 1, idNumberMismatchesPerDay: 1 },
    });
    for (let i = 0; i < 5; i++) await limits.signIn('203.0.113.9'); // 2 allowed, 3 refused
    await limits.admit(startRequest('o_abc', number, null)); // allowed
    await limits.admit(startRequest('o_abc', number, null)); // refused by the openid's day
    await limits.recordMismatch({
      app: 'default',
      openid: 'o_hammer',
      idNumberHmac: number,
      clientAddress: null,
    });
    // the ceiling (1) is reached and this openid produced it: refused
    expect(await limits.admit(startRequest('o_hammer', number, null))).toBe(57_570);
    const refusals = await limits.refusals();
    expect(refusals.filter((r) => r.refused > 0)).toEqual([
      { scope: 'start:openid:day', limit: 1, refused: 1 },
      { scope: 'mismatch:id-number:day', limit: 1, refused: 1 },
      { scope: 'sign-in:ip:minute', limit: 2, refused: 3 },
    ]);
    expect(refusals.map((r) => r.scope).sort()).toEqual(
      [
        'confirm:ip:minute',
        'mismatch:id-number:day',
        'sign-in:ip:minute',
        'start:id-number+openid:day',
        'start:id-number+openid:minute',
        'start:ip:minute',
        'start:openid:day',
      ].sort(),
    );
    // a new minute: the per-address refusals start again, the day's do not
    clock.advance(MINUTE_MS);
    expect((await limits.refusals()).filter((r) => r.refused > 0).map((r) => r.scope)).toEqual([
      'start:openid:day',
      'mismatch:id-number:day',
    ]);
  });
});

describe('abuseRules', () => {
  it('counts the per-address limits in batches and the openid and ID-number limits exactly', () => {
    const rules = abuseRules(TEST_ABUSE_LIMITS);
    expect(
      Object.values(rules)
        .filter((r) => r.sharing === 'batched')
        .map((r) => r.scope),
    ).toEqual(['start:ip:minute', 'sign-in:ip:minute', 'confirm:ip:minute']);
    expect(rules.idNumberMinute).toEqual({
      scope: 'start:id-number+openid:minute',
      limit: TEST_ABUSE_LIMITS.idNumberPerMinute,
      windowMs: 60_000,
    });
  });

  it('starts day windows at midnight in China (16:00 UTC) and minute windows on the minute', () => {
    const { openidDay, ipStart } = abuseRules(TEST_ABUSE_LIMITS);
    const at = Date.parse('2025-03-01T15:58:00Z');
    const day = windowOf(openidDay, 'k', at);
    expect([day.windowStart.toISOString(), day.windowEnd.toISOString(), day.secondsLeft]).toEqual([
      '2025-02-28T16:00:00.000Z',
      '2025-03-01T16:00:00.000Z',
      120,
    ]);
    const minute = windowOf(ipStart, 'k', Date.parse('2025-03-01T15:58:59.500Z'));
    expect([minute.windowStart.toISOString(), minute.secondsLeft]).toEqual(['2025-03-01T15:58:00.000Z', 1]);
    expect([DAY_MS, CHINA_DAY_OFFSET_MS]).toEqual([86_400_000, 8 * 3_600_000]);
  });
});

describe('the rate-limit fakes', () => {
  it('InMemoryRateLimitCounters counts increments and adds in the same windows, and prunes ended ones', async () => {
    const counters = new InMemoryRateLimitCounters();
    const hit = {
      scope: 's',
      key: 'k',
      windowStart: new Date('2025-03-01T08:00:00Z'),
      windowEnd: new Date('2025-03-01T08:01:00Z'),
    };
    expect(await counters.increment(hit)).toBe(1);
    expect(await counters.add([{ hit, by: 4 }])).toEqual([5]);
    expect(await counters.read([hit, { ...hit, key: 'other' }])).toEqual([5, 0]);
    expect(await counters.prune(new Date('2025-03-01T08:01:00Z'))).toBe(0);
    expect(await counters.prune(new Date('2025-03-01T08:01:00.001Z'))).toBe(1);
    expect(await counters.read([hit])).toEqual([0]);
  });

  it('ExactRateLimiter stops at the first limit exceeded and counts the refusal under its rule', async () => {
    const counters = new InMemoryRateLimitCounters();
    const limiter = new ExactRateLimiter(counters, new FixedClock('2025-03-01T08:00:15Z'));
    const checks = [
      { rule: { scope: 'broad', limit: 1, windowMs: MINUTE_MS }, key: 'ip' },
      { rule: { scope: 'narrow', limit: 5, windowMs: MINUTE_MS }, key: 'id' },
    ];
    expect(await limiter.hit(checks)).toBe(0);
    expect(await limiter.hit(checks)).toBe(45);
    expect(counters.increments.map((h) => h.scope)).toEqual(['broad', 'narrow', 'broad']);
    expect(counters.adds.flat().map((a) => [a.hit.scope, a.hit.key, a.by])).toEqual([
      ['refused:broad', '*', 1],
    ]);
  });
});
