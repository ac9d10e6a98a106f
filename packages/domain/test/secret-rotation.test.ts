import { describe, expect, it } from 'vitest';
import { AbuseLimits } from '../src/abuse/abuse-limits';
import {
  anEventFor,
  aSessionSnapshot,
  ExactRateLimiter,
  FakeAbuseKeyDigests,
  FakeIdentityDigests,
  FixedClock,
  InMemoryRateLimitCounters,
  InMemoryVerificationSessionRepository,
  TEST_ABUSE_LIMITS,
} from '../src/testing/index';

/**
 * A secret rotation changes every keyed hash: the same ID number, openid or evidence hashes differently under
 * the new secret. These are the look-ups that must not be fooled by it (the gateway's keys are HKDF-derived;
 * here each secret is a fake's seed).
 */
const IDN = '11010519491231002X';
const before = new FakeIdentityDigests('old');
const after = new FakeIdentityDigests('new');

function limitsFor(counters: InMemoryRateLimitCounters, clock: FixedClock, rotating: boolean) {
  return new AbuseLimits({
    limiter: new ExactRateLimiter(counters, clock),
    tallies: counters,
    digests: new FakeAbuseKeyDigests(rotating ? 'new' : 'old'),
    ...(rotating ? { previousDigests: [new FakeAbuseKeyDigests('old')] } : {}),
    clock,
    settings: TEST_ABUSE_LIMITS,
  });
}

const request = (rotating: boolean, openid = 'o_user') => ({
  app: 'default',
  openid,
  idNumberHmac: (rotating ? after : before).hmacHex('id-number', IDN),
  ...(rotating ? { previousIdNumberHmacs: [before.hmacHex('id-number', IDN)] } : {}),
  clientAddress: '203.0.113.7',
  verifiedBefore: async () => false,
});

describe('AbuseLimits across a secret rotation', () => {
  it('a per-ID-number limit is not reset: counts made under the old secret still count', async () => {
    const counters = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-06-01T00:00:30.000Z');
    const old = limitsFor(counters, clock, false);
    // 15 a minute per ID number and openid: all used up under the old secret
    for (let i = 0; i < TEST_ABUSE_LIMITS.idNumberPerMinute; i++)
      expect(await old.admit(request(false))).toBe(0);
    expect(await old.admit(request(false))).toBeGreaterThan(0);
    // the same person, the same minute, on a gateway restarted with the new secret and the old as fallback
    expect(await limitsFor(counters, clock, true).admit(request(true))).toBeGreaterThan(0);
    // without the fallback's look-up the new hash would have started from zero
    const reset = new AbuseLimits({
      limiter: new ExactRateLimiter(counters, clock),
      tallies: counters,
      digests: new FakeAbuseKeyDigests('new'),
      clock,
      settings: TEST_ABUSE_LIMITS,
    });
    expect(await reset.admit({ ...request(true), previousIdNumberHmacs: [] })).toBe(0);
  });

  it('mismatches recorded under the old secret still count towards the ID number’s ceiling', async () => {
    const counters = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-06-01T00:00:30.000Z');
    const old = limitsFor(counters, clock, false);
    for (let i = 0; i < TEST_ABUSE_LIMITS.idNumberMismatchesPerDay; i++) {
      await old.recordMismatch({
        app: 'default',
        openid: 'o_user',
        idNumberHmac: before.hmacHex('id-number', IDN),
        clientAddress: null,
      });
    }
    // the openid that produced them is refused for the number after the rotation too; a stranger is not
    const rotating = limitsFor(counters, clock, true);
    expect(await rotating.admit(request(true))).toBeGreaterThan(0);
    expect(await rotating.admit(request(true, 'o_stranger'))).toBe(0);
  });

  it('a mismatch recorded during the rotation on a session started before it counts under the old look-up', async () => {
    const counters = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-06-01T00:00:30.000Z');
    const rotating = limitsFor(counters, clock, true);
    for (let i = 0; i < TEST_ABUSE_LIMITS.idNumberMismatchesPerDay; i++) {
      // the session's HMAC was made with the old secret before the rotation
      await rotating.recordMismatch({
        app: 'default',
        openid: 'o_user',
        idNumberHmac: before.hmacHex('id-number', IDN),
        clientAddress: null,
      });
    }
    expect(await rotating.admit(request(true))).toBeGreaterThan(0);
    expect(await rotating.admit(request(true, 'o_stranger'))).toBe(0);
  });
});

describe('the replay guard across a secret rotation (in-memory repository)', () => {
  it('evidence claimed under the old secret is found under its old hash: busy, then its outcome', async () => {
    const repo = new InMemoryVerificationSessionRepository();
    const first = aSessionSnapshot({ id: 'vs_first' });
    const second = aSessionSnapshot({ id: 'vs_second' });
    await repo.insert(first, anEventFor(first));
    await repo.insert(second, anEventFor(second));
    const now = new Date('2025-06-01T00:00:30.000Z');
    const oldHash = before.hmacHex('evidence', 'legacy:abc');
    expect(
      (await repo.claimEvidence({ evidenceHash: oldHash, sessionId: first.id, now, leaseMs: 30_000 })).kind,
    ).toBe('acquired');
    const rotated = {
      evidenceHash: after.hmacHex('evidence', 'legacy:abc'),
      previousEvidenceHashes: [oldHash],
      sessionId: second.id,
      now,
      leaseMs: 30_000,
    };
    expect(await repo.claimEvidence(rotated)).toEqual({ kind: 'busy', sessionId: first.id });
    const read = await repo.findAndClaim({ ...rotated, protocol: first.protocol, openid: null });
    expect(read.claimed).toBe(false);
    // without the old hash, the new one would have been claimed afresh: the replay would have gone through
    expect((await repo.claimEvidence({ ...rotated, previousEvidenceHashes: [] })).kind).toBe('acquired');
  });
});
