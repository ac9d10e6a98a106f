import { describe, expect, it } from 'vitest';
import { perKindRate, RetryStats, retryCauseOf, type Try, withRetries } from '../src/index';

const error = (code: string, extra: { reason?: string; retryable?: boolean } = {}): Try<never> => ({
  kind: 'error',
  httpStatus: 200,
  error: {
    message: code,
    code,
    reason: extra.reason ?? null,
    retryable: extra.retryable ?? null,
    retryAfterSeconds: null,
  },
});
const network: Try<never> = { kind: 'transport', reason: 'ECONNREFUSED', httpStatus: null };
const budget = { deadlineMs: 10_000, maxTries: 4, baseDelayMs: 1, maxDelayMs: 2 };

describe('the client retry policy (what a mini program does)', () => {
  it.each([
    [network, 'network'],
    [{ kind: 'transport', reason: 'answer is not JSON', httpStatus: 502 } as Try<never>, 'unexpected'],
    [error('UPSTREAM_UNAVAILABLE', { retryable: true }), 'upstream'],
    [error('UPSTREAM_UNAVAILABLE', { retryable: false }), null],
    [error('RATE_LIMITED'), 'rate-limited'],
    [error('CONFLICT', { reason: 'EVIDENCE_IN_PROGRESS', retryable: true }), 'in-progress'],
    [error('CONFLICT', { reason: 'EVIDENCE_ALREADY_USED' }), null],
    [error('BAD_USER_INPUT'), null],
    [error('INTERNAL_SERVER_ERROR'), 'unexpected'],
  ])('%o -> %s', (result, cause) => {
    expect(retryCauseOf(result)).toBe(cause);
  });

  it('retries until data, counting each cause', async () => {
    const stats = new RetryStats();
    const answers: Try<number>[] = [network, error('UPSTREAM_UNAVAILABLE'), { kind: 'data', data: 7 }];
    const result = await withRetries(
      'op',
      async (i) => answers[i]!,
      stats,
      budget,
      () => 0.5,
    );
    expect(result).toEqual({ ok: true, data: 7, tries: 3 });
    expect(stats.retries).toMatchObject({ network: 1, upstream: 1 });
    expect(stats.gaveUp).toBe(0);
  });

  it('stops at a final error and gives up after maxTries', async () => {
    const stats = new RetryStats();
    const final = await withRetries('op', async () => error('NOT_FOUND'), stats, budget);
    expect(final).toMatchObject({ ok: false, tries: 1 });
    const exhausted = await withRetries('op', async () => network, stats, budget);
    expect(exhausted).toMatchObject({ ok: false, tries: 4 });
    expect(stats.gaveUp).toBe(1);
  });

  it('splits a total fault rate over four independent kinds', () => {
    const r = perKindRate(0.2);
    expect(1 - (1 - r) ** 4).toBeCloseTo(0.2, 10);
    expect(perKindRate(0)).toBe(0);
  });
});
