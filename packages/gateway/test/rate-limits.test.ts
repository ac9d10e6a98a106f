import {
  type Database,
  migrate,
  openDatabase,
  SqlBatchedCounterStore,
  SqlRateLimitCounterStore,
} from '@facegate/adapters-postgres';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import {
  type AbuseLimitSettings,
  AbuseLimits,
  type BatchedCounterStore,
  type Clock,
  DAY_MS,
  MINUTE_MS,
  type RateLimitCounterStore,
  type RateLimitRule,
} from '@facegate/domain';
import { FixedClock, InMemoryRateLimitCounters } from '@facegate/domain/testing';
import { startAdmissionContract } from '@facegate/domain/testing/start-admission-contract';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BatchingOptions } from '../src/application/abuse/batched-counters';
import { SharedRateLimiter } from '../src/application/abuse/shared-rate-limiter';
import { TOKENS } from '../src/composition/tokens';
import { ConfigError } from '../src/config/env';
import { loadConfig, PRODUCTION_RATE_LIMITS } from '../src/config/load-config';
import { addressKey, clientAddressOf } from '../src/http/client-address';
import { NodeAbuseKeyDigests } from '../src/infrastructure/crypto/node-abuse-key-digests';
import { CONSENT, confirm, PEOPLE, runDevice } from './support/flows';
import {
  CONFIRM,
  type GraphQLResponse,
  type Json,
  ShiftableClock,
  START,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';

/** AbuseLimits over the gateway's limiter, with the production key hashing (a fixed key). */
const abuseLimits = (
  limiter: SharedRateLimiter,
  tallies: BatchedCounterStore,
  clock: Clock,
  settings: AbuseLimitSettings,
) =>
  new AbuseLimits({
    limiter,
    tallies,
    digests: new NodeAbuseKeyDigests(new Uint8Array(32).fill(7)),
    clock,
    settings,
  });

const minute = (limit: number, scope = 'm'): RateLimitRule => ({ scope, limit, windowMs: MINUTE_MS });

describe('SharedRateLimiter', () => {
  it('allows `limit` hits per fixed window, then answers the seconds left in the window', async () => {
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const limiter = new SharedRateLimiter(new InMemoryRateLimitCounters(), clock);
    const check = [{ rule: minute(2), key: 'k' }];
    expect([await limiter.hit(check), await limiter.hit(check)]).toEqual([0, 0]);
    expect(await limiter.hit(check)).toBe(45);
    expect(await limiter.hit([{ rule: minute(2), key: 'other' }])).toBe(0);
    clock.set('2025-03-01T08:00:59.500Z');
    expect(await limiter.hit(check)).toBe(1);
    clock.set('2025-03-01T08:01:00Z');
    expect(await limiter.hit(check)).toBe(0);
  });

  it('tells its onRefused hook the scope of every refusal, and only of refusals (the abuse metric)', async () => {
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const refused: string[] = [];
    const limiter = new SharedRateLimiter(new InMemoryRateLimitCounters(), clock, undefined, {
      onRefused: (scope) => refused.push(scope),
    });
    const check = [{ rule: minute(1, 'ip:sign-in'), key: 'k' }];
    expect(await limiter.hit(check)).toBe(0);
    expect(refused).toEqual([]);
    await limiter.hit(check);
    // the second refusal is answered from memory (no store write): still heard
    await limiter.hit(check);
    expect(refused).toEqual(['ip:sign-in', 'ip:sign-in']);
  });

  it('starts day windows at midnight in China (16:00 UTC)', async () => {
    const clock = new FixedClock('2025-03-01T15:58:00Z');
    const limiter = new SharedRateLimiter(new InMemoryRateLimitCounters(), clock);
    const day = [{ rule: { scope: 'd', limit: 1, windowMs: DAY_MS, offsetMs: 8 * 3_600_000 }, key: 'k' }];
    expect(await limiter.hit(day)).toBe(0);
    expect(await limiter.hit(day)).toBe(120);
    clock.set('2025-03-01T16:00:00Z');
    expect(await limiter.hit(day)).toBe(0);
  });

  it('stops at the first limit exceeded, so the later ones are not used up', async () => {
    const store = new InMemoryRateLimitCounters();
    const limiter = new SharedRateLimiter(store, new FixedClock());
    const checks = [
      { rule: minute(1, 'broad'), key: 'ip' },
      { rule: minute(5, 'narrow'), key: 'id' },
    ];
    await limiter.hit(checks);
    expect(await limiter.hit(checks)).toBeGreaterThan(0);
    expect(store.increments.filter((h) => h.scope === 'narrow')).toHaveLength(1);
  });

  it('remembers an exhausted window locally: a flood costs no further writes until it ends', async () => {
    const store = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-03-01T08:00:00Z');
    const limiter = new SharedRateLimiter(store, clock);
    const check = [{ rule: minute(1), key: 'k' }];
    for (let i = 0; i < 100; i++) await limiter.hit(check);
    expect(store.increments).toHaveLength(2);
    clock.advance(MINUTE_MS);
    expect(await limiter.hit(check)).toBe(0);
    expect(store.increments).toHaveLength(3);
  });

  it('prunes ended windows at most once per interval', async () => {
    const store = new InMemoryRateLimitCounters();
    const clock = new FixedClock();
    const limiter = new SharedRateLimiter(store, clock, undefined, { pruneIntervalMs: 5 * MINUTE_MS });
    for (let i = 0; i < 10; i++) await limiter.hit([{ rule: minute(100), key: 'k' }]);
    expect(store.prunes).toBe(1);
    clock.advance(5 * MINUTE_MS);
    await limiter.hit([{ rule: minute(100), key: 'k' }]);
    expect(store.prunes).toBe(2);
  });
});

const batchedMinute = (limit: number, scope = 'b'): RateLimitRule => ({
  scope,
  limit,
  windowMs: MINUTE_MS,
  sharing: 'batched',
});

function warnings() {
  const lines: { obj: unknown; msg: string }[] = [];
  return { lines, logger: { warn: (obj: unknown, msg: string) => lines.push({ obj, msg }) } as never };
}

describe('SharedRateLimiter, batched rules', () => {
  const limiters: SharedRateLimiter[] = [];
  const make = (
    store: RateLimitCounterStore,
    batched: BatchedCounterStore,
    clock = new FixedClock('2025-03-01T08:00:15Z'),
    options: Partial<BatchingOptions> = {},
    logger?: never,
  ) => {
    const limiter = new SharedRateLimiter(store, clock, logger, { batching: { store: batched, ...options } });
    limiters.push(limiter);
    return limiter;
  };
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(limiters.splice(0).map((l) => l.close()));
  });

  it('counts locally: `limit` hits allowed, the next refused, and no store call until a flush', async () => {
    const exact = new InMemoryRateLimitCounters();
    const batched = new InMemoryRateLimitCounters();
    // an early flush would need 8 pending: never reached below the limit of 4
    const limiter = make(exact, batched, undefined, { earlyFlushFraction: 2, flushIntervalMs: 60_000 });
    const check = [{ rule: batchedMinute(4), key: 'k' }];
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await limiter.hit(check));
    expect(answers).toEqual([0, 0, 0, 0, 45, 45]);
    expect(batched.adds).toHaveLength(0);
    expect(batched.reads).toHaveLength(0);
    expect(exact.increments).toHaveLength(0);
    await limiter.flush();
    expect(batched.adds).toHaveLength(1);
    // the window's 4 hits, and its 2 refusals (counted per rule, with no key)
    expect(batched.adds[0]!.map((a) => [a.hit.scope, a.hit.key, a.by])).toEqual([
      ['b', 'k', 4],
      ['refused:b', '*', 2],
    ]);
    expect([...batched.counts.values()]).toEqual([4, 2]);
  });

  it('never waits for a flush in flight, and counts what is being sent', async () => {
    const batched = new InMemoryRateLimitCounters();
    let open = () => {};
    batched.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // limit 3: every hit reaches the early-flush share (1/4, at least 1), so the first one starts a flush
    const limiter = make(new InMemoryRateLimitCounters(), batched);
    const check = [{ rule: batchedMinute(3), key: 'k' }];
    expect(await limiter.hit(check)).toBe(0);
    expect(batched.adds).toHaveLength(1); // in flight, held at the gate
    expect([await limiter.hit(check), await limiter.hit(check), await limiter.hit(check)]).toEqual([
      0, 0, 45,
    ]);
    open();
    await limiter.flush();
    expect([...batched.counts.values()]).toEqual([3, 1]); // 3 hits, 1 refusal
    expect(batched.adds.map((batch) => batch[0]!.by)).toEqual([1, 2]);
  });

  it('sends a window early once its unsent count reaches a quarter of the limit', async () => {
    const batched = new InMemoryRateLimitCounters();
    const limiter = make(new InMemoryRateLimitCounters(), batched, undefined, { flushIntervalMs: 60_000 });
    const check = [{ rule: batchedMinute(100), key: 'k' }];
    for (let i = 0; i < 24; i++) await limiter.hit(check);
    expect(batched.adds).toHaveLength(0);
    await limiter.hit(check);
    expect(batched.adds).toHaveLength(1);
    expect(batched.adds[0]![0]!.by).toBe(25);
  });

  it('flushes on a timer every flushIntervalMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const batched = new InMemoryRateLimitCounters();
    const limiter = make(new InMemoryRateLimitCounters(), batched, undefined, { flushIntervalMs: 250 });
    await limiter.hit([{ rule: batchedMinute(100), key: 'k' }]);
    await limiter.hit([{ rule: batchedMinute(100), key: 'k' }]);
    await vi.advanceTimersByTimeAsync(249);
    expect(batched.adds).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batched.adds).toHaveLength(1);
    expect(batched.adds[0]![0]!.by).toBe(2);
    // nothing pending, nothing near the limit: no further flush
    await vi.advanceTimersByTimeAsync(1000);
    expect(batched.adds).toHaveLength(1);
    expect(batched.reads).toHaveLength(0);
  });

  it('two limiters on one store converge: after their flushes each knows the other’s hits and refuses', async () => {
    const batched = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const slow = { flushIntervalMs: 60_000, earlyFlushFraction: 2 };
    const a = make(new InMemoryRateLimitCounters(), batched, clock, slow);
    const b = make(new InMemoryRateLimitCounters(), batched, clock, slow);
    const check = [{ rule: batchedMinute(10), key: 'k' }];
    for (let i = 0; i < 6; i++) expect(await a.hit(check)).toBe(0);
    await a.flush(); // the table: 6
    for (let i = 0; i < 4; i++) expect(await b.hit(check)).toBe(0); // b does not know a's 6 yet
    await b.flush(); // the table: 10, and b learns it
    expect([...batched.counts.values()]).toEqual([10]);
    expect(await b.hit(check)).toBe(45);
    // a has nothing to send, but holds the window at 6 of 10 (over half): it re-reads it
    await a.flush();
    expect(batched.reads).toHaveLength(1);
    expect(await a.hit(check)).toBe(45);
    expect([...batched.counts.values()]).toEqual([10]);
  });

  it('a failed flush keeps the counts for the next one and logs no key', async () => {
    const key = 'ab'.repeat(32);
    const batched = new InMemoryRateLimitCounters();
    const failure = Object.assign(new Error(`could not write (${key})`), {
      code: '40P01',
      detail: `Key (scope, key)=(b, ${key})`,
    });
    batched.failures.push(failure);
    const { lines, logger } = warnings();
    const slow = { flushIntervalMs: 60_000, earlyFlushFraction: 2 };
    const limiter = make(new InMemoryRateLimitCounters(), batched, undefined, slow, logger);
    const check = [{ rule: batchedMinute(5), key }];
    for (let i = 0; i < 3; i++) await limiter.hit(check);
    await expect(limiter.flush()).resolves.toBeUndefined();
    expect(batched.counts.size).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.obj).toMatchObject({ err: { code: '40P01' }, unsentWindows: 1 });
    expect(JSON.stringify(lines)).not.toContain(key);
    // still counted here: 2 more allowed, then refused
    expect([await limiter.hit(check), await limiter.hit(check), await limiter.hit(check)]).toEqual([
      0, 0, 45,
    ]);
    await limiter.flush();
    expect([...batched.counts.values()]).toEqual([5, 1]); // 5 hits, 1 refusal
    expect(batched.adds.at(-1)![0]!.by).toBe(5);
    expect(lines).toHaveLength(1);
  });

  it('a new window starts from zero; counts of an ended window are dropped, not sent', async () => {
    const batched = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const limiter = make(new InMemoryRateLimitCounters(), batched, clock, {
      flushIntervalMs: 60_000,
      earlyFlushFraction: 2,
    });
    const check = [{ rule: batchedMinute(2), key: 'k' }];
    expect([await limiter.hit(check), await limiter.hit(check), await limiter.hit(check)]).toEqual([
      0, 0, 45,
    ]);
    clock.set('2025-03-01T08:01:00Z');
    expect([await limiter.hit(check), await limiter.hit(check), await limiter.hit(check)]).toEqual([
      0, 0, 60,
    ]);
    await limiter.flush();
    expect(batched.adds).toHaveLength(1);
    expect(batched.adds[0]!.map((a) => [a.hit.scope, a.hit.windowStart.toISOString(), a.by])).toEqual([
      ['b', '2025-03-01T08:01:00.000Z', 2],
      ['refused:b', '2025-03-01T08:01:00.000Z', 1],
    ]);
  });

  it('close() sends what is pending; hits after it are counted exactly', async () => {
    const exact = new InMemoryRateLimitCounters();
    const batched = new InMemoryRateLimitCounters();
    const limiter = make(exact, batched, undefined, { flushIntervalMs: 60_000, earlyFlushFraction: 2 });
    const check = [{ rule: batchedMinute(10), key: 'k' }];
    for (let i = 0; i < 3; i++) await limiter.hit(check);
    await limiter.close();
    expect(batched.adds.map((batch) => batch.map((a) => a.by))).toEqual([[3]]);
    await limiter.hit(check);
    expect(exact.increments.map((h) => h.scope)).toEqual(['b']);
  });

  it('holds at most maxKeys unsent windows; beyond that a window is counted exactly', async () => {
    const exact = new InMemoryRateLimitCounters();
    const batched = new InMemoryRateLimitCounters();
    const limiter = make(exact, batched, undefined, {
      maxKeys: 2,
      flushIntervalMs: 60_000,
      earlyFlushFraction: 2,
    });
    for (const key of ['k1', 'k2', 'k3']) await limiter.hit([{ rule: batchedMinute(10), key }]);
    expect(exact.increments.map((h) => h.key)).toEqual(['k3']);
    await limiter.flush();
    expect(batched.adds[0]!.map((a) => a.hit.key)).toEqual(['k1', 'k2']);
    await limiter.hit([{ rule: batchedMinute(10), key: 'k4' }]);
    expect(exact.increments).toHaveLength(1);
  });

  it('exact rules in the same call are still one awaited upsert per hit', async () => {
    const exact = new InMemoryRateLimitCounters();
    const batched = new InMemoryRateLimitCounters();
    const limiter = make(exact, batched, undefined, { flushIntervalMs: 60_000, earlyFlushFraction: 2 });
    const checks = [
      { rule: batchedMinute(1, 'ip'), key: 'a' },
      { rule: minute(5, 'id'), key: 'x' },
    ];
    expect(await limiter.hit(checks)).toBe(0);
    expect(await limiter.hit(checks)).toBe(45); // refused by the address: the ID number is not used up
    expect(exact.increments.map((h) => h.scope)).toEqual(['id']);
  });
});

const startRequest = (openid: string, idNumberHmac: string, clientAddress: string | null) => ({
  app: 'default',
  openid,
  idNumberHmac,
  clientAddress,
  verifiedBefore: async () => false,
});

describe('AbuseLimits with batching', () => {
  it('counts the per-address limits in batches and the openid and ID-number limits hit by hit', async () => {
    const exact = new InMemoryRateLimitCounters();
    const batched = new InMemoryRateLimitCounters();
    const clock = new FixedClock();
    const limiter = new SharedRateLimiter(exact, clock, undefined, {
      batching: { store: batched, flushIntervalMs: 60_000 },
    });
    const limits = abuseLimits(limiter, batched, clock, PRODUCTION_RATE_LIMITS);
    await limits.startVerificationAddress('203.0.113.9');
    await limits.admit(startRequest('o_abc', 'h'.repeat(64), '203.0.113.9'));
    await limits.signIn('203.0.113.9');
    await limits.confirmVerification('203.0.113.9');
    expect(exact.increments.map((h) => h.scope)).toEqual([
      'start:openid:day',
      'start:id-number+openid:minute',
      'start:id-number+openid:day',
    ]);
    expect(batched.adds).toHaveLength(0);
    await limits.close();
    const sent = batched.adds.flat();
    expect(sent.map((a) => a.hit.scope).sort()).toEqual([
      'confirm:ip:minute',
      'sign-in:ip:minute',
      'start:ip:minute',
    ]);
    expect(JSON.stringify(sent)).not.toMatch(/203\.0\.113\.9|o_abc/);
  });

  it('counts every refusal once per rule and window, however it was refused, without any key', async () => {
    const exact = new InMemoryRateLimitCounters();
    const batched = new InMemoryRateLimitCounters();
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const limiter = new SharedRateLimiter(exact, clock, undefined, {
      batching: { store: batched, flushIntervalMs: 60_000, earlyFlushFraction: 2 },
    });
    const limits = abuseLimits(limiter, batched, clock, {
      ...PRODUCTION_RATE_LIMITS,
      ipSignInPerMinute: 2,
      openidPerDay: 1,
    });
    // batched: 2 allowed, then 3 refused (the first by the window, the next two by the local memory of it)
    for (let i = 0; i < 5; i++) await limits.signIn('203.0.113.9');
    // exact: 1 allowed, then 2 refused (the first by the store's count, the second from memory)
    for (let i = 0; i < 3; i++) await limits.admit(startRequest('o_abc', 'h'.repeat(64), null));
    await limits.flush();
    const refusals = batched.adds.flat().filter((a) => a.hit.scope.startsWith('refused:'));
    expect(refusals.map((a) => [a.hit.scope, a.hit.key, a.by])).toEqual([
      ['refused:sign-in:ip:minute', '*', 3],
      ['refused:start:openid:day', '*', 2],
    ]);
    expect((await limits.refusals()).filter((r) => r.refused > 0)).toEqual([
      { scope: 'start:openid:day', limit: 1, refused: 2 },
      { scope: 'sign-in:ip:minute', limit: 2, refused: 3 },
    ]);
    await limits.close();
  });
});

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`AbuseLimits on ${kind}`, () => {
    let db: Database | null = null;
    let pg: TestPostgresDatabase | null = null;
    afterAll(async () => {
      await db?.close();
      await pg?.drop();
    });
    startAdmissionContract(`AbuseLimits (${kind})`, async (clock, limits) => {
      if (db === null) {
        pg = kind === 'postgres' ? await createTestPostgresDatabase() : null;
        db = await openDatabase({ url: pg?.url ?? 'memory:' });
        await migrate(db);
      }
      const batches = new SqlBatchedCounterStore(db);
      const limiter = new SharedRateLimiter(new SqlRateLimitCounterStore(db), clock, undefined, {
        batching: { store: batches },
      });
      const settings = { ...PRODUCTION_RATE_LIMITS, ...limits };
      return {
        admission: abuseLimits(limiter, batches, clock, settings),
        close: () => limiter.close(),
      };
    });
  });
}

describe('two limiters with batched counts on one PostgreSQL', () => {
  let pg: TestPostgresDatabase;
  let dbs: Database[] = [];
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    dbs = [await openDatabase({ url: pg.url }), await openDatabase({ url: pg.url })];
    await migrate(dbs[0]!);
  });
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    await pg?.drop();
  });
  const limiterOn = (db: Database, clock: FixedClock, logger?: never) =>
    new SharedRateLimiter(new SqlRateLimitCounterStore(db), clock, logger, {
      batching: { store: new SqlBatchedCounterStore(db), flushIntervalMs: 60_000, earlyFlushFraction: 2 },
    });

  it('converge: after their flushes the second knows the first’s hits and refuses', async () => {
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const [a, b] = [limiterOn(dbs[0]!, clock), limiterOn(dbs[1]!, clock)];
    const check = [{ rule: batchedMinute(10, 'conv'), key: 'k' }];
    for (let i = 0; i < 7; i++) expect(await a.hit(check)).toBe(0);
    await a.flush();
    for (let i = 0; i < 3; i++) expect(await b.hit(check)).toBe(0);
    await b.flush();
    expect(await b.hit(check)).toBe(45);
    await a.flush(); // re-reads the window it holds at 7 of 10
    expect(await a.hit(check)).toBe(45);
    const rows = await dbs[0]!.query<{ count: number }>(
      "SELECT count FROM rate_limit_counters WHERE scope = 'conv'",
    );
    expect(rows.map((r) => Number(r.count))).toEqual([10]);
    await Promise.all([a.close(), b.close()]);
  });

  it('concurrent flushes of many shared windows lose no count and do not deadlock', async () => {
    const clock = new FixedClock('2025-03-01T08:00:15Z');
    const { lines, logger } = warnings();
    const [a, b] = [limiterOn(dbs[0]!, clock, logger), limiterOn(dbs[1]!, clock, logger)];
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    const rule = batchedMinute(1_000, 'many');
    for (let round = 1; round <= 5; round++) {
      // the two see the keys in opposite orders
      for (let i = 0; i < keys.length; i++) {
        await a.hit([{ rule, key: keys[i]! }]);
        await b.hit([{ rule, key: keys[keys.length - 1 - i]! }]);
      }
      await Promise.all([a.flush(), b.flush()]);
      const rows = await dbs[0]!.query<{ total: string; n: string }>(
        "SELECT sum(count)::text AS total, count(*)::text AS n FROM rate_limit_counters WHERE scope = 'many'",
      );
      expect(rows[0]).toEqual({ total: String(2 * round * keys.length), n: String(keys.length) });
    }
    expect(lines).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('rate-limit settings', () => {
  it("default to Tencent FaceID's limits in production and 100 times them elsewhere", () => {
    expect(
      loadConfig({
        NODE_ENV: 'production',
        WECHAT_APP_ID: 'wx123',
        WECHAT_APP_SECRET: 'abc',
        FACEGATE_SECRET: 't_2rS6Mr84IofGmf4_wK-bTuV66mGPKdYgMZ3tqifNV4B8qN',
      }).limits.rate,
    ).toEqual({
      idNumberPerMinute: 15,
      idNumberPerDay: 30,
      idNumberMismatchesPerDay: 10,
      openidPerDay: 20,
      ipStartPerMinute: 60,
      ipSignInPerMinute: 600,
      ipConfirmPerMinute: 120,
    });
    expect(loadConfig({}).limits.rate.idNumberPerDay).toBe(3000);
    expect(loadConfig({}).limits).toMatchObject({
      maxBodyBytes: 65536,
      persistedOperationsOnly: false,
      trustedProxyHops: 0,
    });
  });

  it('reads every variable and names a bad one', () => {
    const limits = loadConfig({
      FACEGATE_RATE_LIMIT_ID_NUMBER_PER_MINUTE: '1',
      FACEGATE_RATE_LIMIT_ID_NUMBER_PER_DAY: '2',
      FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY: '7',
      FACEGATE_RATE_LIMIT_OPENID_PER_DAY: '3',
      FACEGATE_RATE_LIMIT_IP_START_PER_MINUTE: '4',
      FACEGATE_RATE_LIMIT_IP_SIGN_IN_PER_MINUTE: '5',
      FACEGATE_RATE_LIMIT_IP_CONFIRM_PER_MINUTE: '6',
      FACEGATE_MAX_BODY_BYTES: '2048',
      FACEGATE_PERSISTED_OPERATIONS_ONLY: 'true',
      FACEGATE_TRUSTED_PROXY_HOPS: '2',
    }).limits;
    expect(limits).toEqual({
      maxBodyBytes: 2048,
      persistedOperationsOnly: true,
      trustedProxyHops: 2,
      rate: {
        idNumberPerMinute: 1,
        idNumberPerDay: 2,
        idNumberMismatchesPerDay: 7,
        openidPerDay: 3,
        ipStartPerMinute: 4,
        ipSignInPerMinute: 5,
        ipConfirmPerMinute: 6,
      },
    });
    for (const [variable, value] of [
      ['FACEGATE_RATE_LIMIT_OPENID_PER_DAY', '0'],
      ['FACEGATE_RATE_LIMIT_ID_NUMBER_PER_DAY', 'lots'],
      ['FACEGATE_MAX_BODY_BYTES', '10'],
      ['FACEGATE_PERSISTED_OPERATIONS_ONLY', 'yes'],
      ['FACEGATE_TRUSTED_PROXY_HOPS', '-1'],
      // removed: it capped bare starts per ID number, which strangers could fill
      ['FACEGATE_RATE_LIMIT_ID_NUMBER_GLOBAL_PER_DAY', '150'],
    ] as const) {
      expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
      try {
        loadConfig({ [variable]: value });
      } catch (error) {
        expect((error as ConfigError).variable).toBe(variable);
      }
    }
  });
});

describe('a removed setting', () => {
  it('stops start-up with one line that says what replaced it', () => {
    expect(() => loadConfig({ FACEGATE_RATE_LIMIT_ID_NUMBER_GLOBAL_PER_DAY: '150' })).toThrow(
      /^FACEGATE_RATE_LIMIT_ID_NUMBER_GLOBAL_PER_DAY: was removed: .*FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY[^\n]*$/,
    );
  });
});

describe('client address', () => {
  it('uses the socket unless proxies are trusted, then the entry that many hops from the right', () => {
    expect(clientAddressOf('10.0.0.2', '6.6.6.6', 0)).toBe('10.0.0.2');
    expect(clientAddressOf('10.0.0.2', '6.6.6.6, 198.51.100.4', 1)).toBe('198.51.100.4');
    expect(clientAddressOf('10.0.0.2', '198.51.100.4, 10.0.0.9', 2)).toBe('198.51.100.4');
    expect(clientAddressOf('10.0.0.2', 'not-an-ip', 1)).toBe('10.0.0.2');
    expect(clientAddressOf(undefined, null, 0)).toBe('unknown');
  });

  it('keys IPv4 (also IPv4-mapped) as is and IPv6 by its /64', () => {
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe(addressKey('2001:db8:1:2:ffff::1'));
    expect(addressKey('2001:db8:1:2::')).not.toBe(addressKey('2001:db8:1:3::'));
  });
});

/** Moves a shared clock to just after the next midnight in China, so no window ends mid-test. */
function alignToChinaDay(clock: ShiftableClock): void {
  const offset = 8 * 3_600_000;
  const now = clock.now().getTime();
  clock.advance(DAY_MS - ((now + offset) % DAY_MS) + 1000);
}

async function startAs(
  t: TestGateway,
  token: string,
  idCardNumber: string,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Json>> {
  const r = await t.gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({
      query: START,
      variables: { input: { name: '张三', idCardNumber, protocol: 'V2', consent: CONSENT } },
    }),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as GraphQLResponse<Json>['body'] };
}

const codeOf = (r: GraphQLResponse) => r.body.errors?.[0]?.extensions?.code;

describe('abuse limits over HTTP (PGlite)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    const clock = new ShiftableClock();
    alignToChinaDay(clock);
    t = await startTestGateway({
      database: 'pglite',
      clock,
      env: {
        FACEGATE_RATE_LIMIT_ID_NUMBER_PER_MINUTE: '2',
        FACEGATE_RATE_LIMIT_ID_NUMBER_PER_DAY: '3',
        FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY: '2',
        FACEGATE_RATE_LIMIT_OPENID_PER_DAY: '3',
        FACEGATE_RATE_LIMIT_IP_SIGN_IN_PER_MINUTE: '30',
        FACEGATE_RATE_LIMIT_IP_CONFIRM_PER_MINUTE: '3',
        FACEGATE_TRUSTED_PROXY_HOPS: '1',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('per ID number and user (however it is written): 2 a minute, with retryAfterSeconds and Retry-After; others keep theirs, however many', async () => {
    const tokens = await Promise.all(['o_id_1', 'o_id_2', 'o_id_3', 'o_id_4'].map((o) => t.signIn(o)));
    const upper = PEOPLE.zhang.idCardNumber;
    const lower = upper.toLowerCase();
    expect((await startAs(t, tokens[0]!, upper)).body.data?.startVerification.status).toBe('PENDING');
    expect((await startAs(t, tokens[0]!, lower)).body.data?.startVerification.status).toBe('PENDING');
    const third = await startAs(t, tokens[0]!, upper);
    expect(third.status).toBe(200);
    expect(third.body.errors?.[0]).toMatchObject({
      message: expect.any(String),
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) },
    });
    const wait = third.body.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(third.headers.get('retry-after')).toBe(String(wait));
    // another user with the same number is not affected by the first one's limit
    expect((await startAs(t, tokens[1]!, upper)).body.data?.startVerification.status).toBe('PENDING');
    expect((await startAs(t, tokens[2]!, upper)).body.data?.startVerification.status).toBe('PENDING');
    // bare starts never add up against the number: a fourth user (the owner, say) still starts
    expect((await startAs(t, tokens[3]!, upper)).body.data?.startVerification.status).toBe('PENDING');
  });

  it('past 2 mismatches for an ID number, the accounts and addresses that produced them are refused for it until the day ends; nobody else, and never a service', async () => {
    const victim = '110101198505050016';
    const address = (n: number) => ({ 'x-forwarded-for': `198.51.100.${n}` });
    const hammer = async (openid: string, n: number) => {
      const token = await t.signIn(openid);
      const started = await startAs(t, token, victim, address(n));
      const input = runDevice(t, openid, started.body.data!.startVerification, 'face_mismatch');
      const r = await t.gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...address(n) },
        body: JSON.stringify({ query: CONFIRM, variables: { input } }),
      });
      const body = (await r.json()) as GraphQLResponse<Json>['body'];
      expect(body.data?.confirmVerification.lastError.code).toBe('FACE_MISMATCH');
      return token;
    };
    const first = await hammer('o_hammer_1', 101);
    await hammer('o_hammer_2', 102);
    const refused = await startAs(t, first, victim, address(150));
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(refused.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(23 * 3600);
    // a new account from a hammering address: refused; from another address: allowed
    const newcomer = await t.signIn('o_newcomer');
    expect(codeOf(await startAs(t, newcomer, victim, address(102)))).toBe('RATE_LIMITED');
    expect(codeOf(await startAs(t, newcomer, victim, address(151)))).toBeUndefined();
    // the hammering account for another number: allowed
    expect(codeOf(await startAs(t, first, PEOPLE.li.idCardNumber, address(101)))).toBeUndefined();
    // a backend starts for the hammering account, from its address: never refused
    const backend = await t.createApiKey(['verifications:write']);
    const r = await t.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${backend}`, ...address(101) },
      body: JSON.stringify({
        query: START,
        variables: { input: { name: '张三', idCardNumber: victim, protocol: 'V2', openid: 'o_hammer_1' } },
      }),
    });
    expect(((await r.json()) as GraphQLResponse<Json>['body']).data?.startVerification.status).toBe(
      'PENDING',
    );
  });

  it('per openid: 3 starts a day, whatever the ID numbers', async () => {
    const token = await t.signIn('o_busy_user');
    expect(codeOf(await startAs(t, token, PEOPLE.wang.idCardNumber))).toBeUndefined();
    expect(codeOf(await startAs(t, token, PEOPLE.wang.idCardNumber))).toBeUndefined();
    expect(codeOf(await startAs(t, token, '440306199003076519'))).toBeUndefined();
    expect(codeOf(await startAs(t, token, '110101199003071233'))).toBe('RATE_LIMITED');
  });

  it('confirmVerification per client address (X-Forwarded-For with one trusted hop)', async () => {
    const openid = 'o_confirm_flood';
    const token = await t.signIn(openid);
    const started = await startAs(t, token, '110101199003071233', { 'x-forwarded-for': '198.51.100.20' });
    const input = runDevice(t, openid, started.body.data!.startVerification);
    const attempt = async (address: string) => {
      const r = await t.gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-forwarded-for': `1.2.3.4, ${address}`,
        },
        body: JSON.stringify({
          query:
            'mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { status } }',
          variables: { input },
        }),
      });
      return (await r.json()) as GraphQLResponse<Json>['body'];
    };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await attempt('198.51.100.21'));
    expect(answers.slice(0, 3).map((a) => a.data?.confirmVerification?.status)).toEqual([
      'VERIFIED',
      'VERIFIED',
      'VERIFIED',
    ]);
    expect(answers[3]?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // another address (the leftmost, client-written entry is ignored) still gets through
    expect((await attempt('198.51.100.22')).data?.confirmVerification?.status).toBe('VERIFIED');
    expect((await confirm(t, token, input)).session?.status).toBe('VERIFIED');
  });

  it('the counters table holds only keyed hashes', async () => {
    await t.container.resolve(TOKENS.RateLimits).flush(); // the per-address counts too
    const db = t.container.resolve(TOKENS.Database);
    const rows = await db.query<{ row: string }>(
      'SELECT row_to_json(c)::text AS row FROM rate_limit_counters c',
    );
    expect(rows.length).toBeGreaterThan(0);
    const dump = rows.map((r) => r.row).join('\n');
    for (const secret of [
      PEOPLE.zhang.idCardNumber,
      PEOPLE.zhang.idCardNumber.toLowerCase(),
      'o_id_1',
      'o_busy_user',
      '198.51.100.21',
      'unknown',
    ]) {
      expect(dump).not.toContain(secret);
    }
  });
});

describe("the console's System page counts each abuse rule's refusals (PGlite)", () => {
  let t: TestGateway;
  beforeAll(async () => {
    const clock = new ShiftableClock();
    alignToChinaDay(clock);
    t = await startTestGateway({
      database: 'pglite',
      clock,
      env: {
        FACEGATE_RATE_LIMIT_IP_START_PER_MINUTE: '2',
        FACEGATE_RATE_LIMIT_OPENID_PER_DAY: '4',
        FACEGATE_RATE_LIMIT_ID_NUMBER_PER_MINUTE: '1',
        FACEGATE_RATE_LIMIT_ID_NUMBER_PER_DAY: '2',
        FACEGATE_RATE_LIMIT_ID_NUMBER_MISMATCHES_PER_DAY: '2',
        FACEGATE_RATE_LIMIT_IP_SIGN_IN_PER_MINUTE: '2',
        FACEGATE_RATE_LIMIT_IP_CONFIRM_PER_MINUTE: '2',
        FACEGATE_TRUSTED_PROXY_HOPS: '1',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('triggers every rule a known number of times and reads exactly those counts, against the right limits', async () => {
    let lastAddress = 0;
    /** A new client address for each call unless one is given. */
    const post = async (query: string, variables: unknown, credential?: string, address?: string) => {
      const r = await t.gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-for': address ?? `198.51.${Math.floor(++lastAddress / 250)}.${lastAddress % 250}`,
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await r.json()) as GraphQLResponse<Json>['body'];
    };
    const signIn = async (openid: string, address?: string) =>
      post(
        'mutation($code: String!) { signIn(code: $code) { token } }',
        {
          code: t.sandbox.device.login(openid),
        },
        undefined,
        address,
      );
    const tokenOf = async (openid: string) => (await signIn(openid)).data!.signIn.token as string;
    const start = (token: string, idCardNumber: string, address?: string) =>
      post(
        START,
        { input: { name: '张三', idCardNumber, protocol: 'V2', consent: CONSENT } },
        token,
        address,
      );
    const code = (body: GraphQLResponse<Json>['body']) => body.errors?.[0]?.extensions?.code ?? 'ok';
    /** The clock to 1 s past the next minute's start. */
    const nextMinute = () => t.clock.advance(60_000 - (t.clock.now().getTime() % 60_000) + 1_000);
    const n = (i: number) =>
      [
        '110101198505050024',
        '110101198505050032',
        '110101198505050040',
        '110101198505050059',
        '110101198505050067',
        '110101198505050075',
        PEOPLE.li.idCardNumber,
        PEOPLE.wang.idCardNumber,
        PEOPLE.zhang.idCardNumber,
      ][i]!;

    // day windows first (their counts last the day), a minute apart so no minute limit interferes
    const a = await tokenOf('o_console_a');
    expect(code(await start(a, n(0)))).toBe('ok');
    nextMinute();
    expect(code(await start(a, n(0)))).toBe('ok');
    nextMinute();
    expect(code(await start(a, n(0)))).toBe('RATE_LIMITED'); // per ID number and openid a day: 1
    expect(code(await start(a, n(1)))).toBe('ok');
    expect(code(await start(a, n(2)))).toBe('RATE_LIMITED'); // per openid a day: 1
    expect(code(await start(a, n(3)))).toBe('RATE_LIMITED'); // per openid a day: 2 (from memory)

    const victim = n(4);
    for (const [openid, address] of [
      ['o_console_c', '203.0.113.3'],
      ['o_console_d', '203.0.113.4'],
    ]) {
      const token = await tokenOf(openid!);
      const started = await start(token, victim, address);
      const input = runDevice(t, openid!, started.data!.startVerification, 'face_mismatch');
      const confirmed = await post(CONFIRM, { input }, token, address);
      expect(confirmed.data?.confirmVerification.lastError.code).toBe('FACE_MISMATCH');
    }
    nextMinute();
    const c = await tokenOf('o_console_c');
    expect(code(await start(c, victim))).toBe('RATE_LIMITED'); // mismatches: 1 (a hammering openid)
    const e = await tokenOf('o_console_e');
    expect(code(await start(e, victim, '203.0.113.3'))).toBe('RATE_LIMITED'); // mismatches: 2 (its address)
    expect(code(await start(await tokenOf('o_console_f'), victim))).toBe('ok');

    // then the minute windows, all within one minute
    nextMinute();
    const g = await tokenOf('o_console_g');
    expect(code(await start(g, n(5)))).toBe('ok');
    expect(code(await start(g, n(5)))).toBe('RATE_LIMITED'); // per ID number and openid a minute: 1
    const h = await tokenOf('o_console_h');
    const busy = '203.0.113.50';
    expect(
      [await start(h, n(6), busy), await start(h, n(7), busy), await start(h, n(8), busy)].map(code),
    ).toEqual([
      'ok',
      'ok',
      'RATE_LIMITED', // per address a minute: 1
    ]);
    const crowded = '203.0.113.60';
    const signIns = [];
    for (const openid of ['o_console_i', 'o_console_j', 'o_console_k'])
      signIns.push(code(await signIn(openid, crowded)));
    expect(signIns).toEqual(['ok', 'ok', 'RATE_LIMITED']); // sign-in per address a minute: 1
    const k = await tokenOf('o_console_k2');
    const session = (await start(k, n(0))).data!.startVerification;
    const confirms = [];
    for (let i = 0; i < 3; i++)
      confirms.push(code(await post(CONFIRM, { input: { id: session.id } }, k, '203.0.113.70')));
    expect(confirms).toEqual(['CONFLICT', 'CONFLICT', 'RATE_LIMITED']); // confirm per address a minute: 1

    const reader = await t.createApiKey(['console:read']);
    const page = await post('{ systemStatus { abuseRefusals { rule limit refused } } }', {}, reader);
    expect(page.data?.systemStatus.abuseRefusals).toEqual([
      { rule: 'start:ip:minute', limit: 2, refused: 1 },
      { rule: 'start:openid:day', limit: 4, refused: 2 },
      { rule: 'start:id-number+openid:minute', limit: 1, refused: 1 },
      { rule: 'start:id-number+openid:day', limit: 2, refused: 1 },
      { rule: 'mismatch:id-number:day', limit: 2, refused: 2 },
      { rule: 'sign-in:ip:minute', limit: 2, refused: 1 },
      { rule: 'confirm:ip:minute', limit: 2, refused: 1 },
    ]);
  });
});

describe('abuse limits across two gateway instances sharing one PostgreSQL', () => {
  let pg: TestPostgresDatabase;
  let sandbox: Sandbox;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    const clock = new ShiftableClock();
    alignToChinaDay(clock);
    pg = await createTestPostgresDatabase();
    sandbox = await startSandbox({ port: 0, now: () => clock.now().getTime() });
    const env = {
      FACEGATE_RATE_LIMIT_ID_NUMBER_PER_MINUTE: '3',
      FACEGATE_RATE_LIMIT_IP_SIGN_IN_PER_MINUTE: '5',
    };
    const options = { database: 'postgres', postgresUrl: pg.url, sandbox, clock, env } as const;
    a = await startTestGateway(options);
    b = await startTestGateway(options);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await pg?.drop();
  });

  it('one user gets 3 starts a minute for an ID number in total, however they are spread over the instances', async () => {
    const tokens = [await a.signIn('o_shared_1'), await a.signIn('o_shared_2'), await a.signIn('o_shared_3')];
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => startAs(i % 2 === 0 ? a : b, tokens[0]!, PEOPLE.li.idCardNumber)),
    );
    const codes = answers.map((r) => codeOf(r) ?? 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(3);
  });

  it('signIn per address is shared too: 5 a minute over both instances, once their counts are flushed', async () => {
    // 3 sign-ins on a above, 2 more on b: the limit is reached, and a (4 of its own) refuses the next
    await b.signIn('o_shared_4');
    await b.signIn('o_shared_5');
    // per-address counts are sent in batches (every 250 ms): b sends its 2, a re-reads the window
    await b.container.resolve(TOKENS.RateLimits).flush();
    await a.container.resolve(TOKENS.RateLimits).flush();
    const refused = await a.gql('mutation($code: String!) { signIn(code: $code) { token } }', {
      code: sandbox.device.login('o_shared_6'),
    });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  });
});
