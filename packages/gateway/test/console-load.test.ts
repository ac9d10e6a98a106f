import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleQueryGate } from '../src/application/console/console-query-gate';
import { TOKENS } from '../src/composition/tokens';
import { MAX_CONSOLE_COST } from '../src/http/plugins/console-query-limits.plugin';
import { confirm, runDevice, start } from './support/flows';
import { DATABASE_KINDS, GET, type Json, startTestGateway, type TestGateway } from './support/test-gateway';

/*
 * Security review, finding 7: bursts of 16-40 console:read requests, each with 10 aliased failureBreakdown
 * over a year, held every pooled connection: /readyz failed and other callers waited 4-8 s or got
 * UPSTREAM_UNAVAILABLE. Now aliases count in the console's cost limit, and console requests reach the
 * database a few at a time (one per key), through a pool of their own on PostgreSQL and behind every other
 * statement on PGlite. Here sessions are seeded so each aggregate takes a measurable time, 40 console
 * requests are sent at once, and a verification still answers promptly.
 */

/** Sessions over the past year with a failure each: enough that a year's breakdown takes a while. */
const SEEDED = { postgres: 100_000, pglite: 10_000 } as const;
const CHUNK = 25_000;

const SEED = `INSERT INTO verification_sessions (id, protocol, status, openid, masked_name, masked_id_card_number,
  id_number_hmac, attempts, max_attempts, last_error, created_at, expires_at, ended_at, initiator, version)
SELECT 'vs_seed_' || g, 'V2', 'FAILED', 'o_seed_' || (g % 5000), '张*', '1101**********002X', 'hmac_' || g, 1, 3,
  jsonb_build_object('code', (ARRAY['FACE_MISMATCH', 'ID_NUMBER_MISMATCH', 'LIVENESS_FAILED'])[1 + g % 3]),
  at, at + interval '30 minutes', at + interval '40 seconds', 'user', 1
FROM generate_series($1::int, $2::int) AS g,
  LATERAL (SELECT now() - interval '2 days' - (g % 360) * interval '1 day' - (g % 86400) * interval '1 second' AS at) AS t`;

const YEAR = { from: new Date(Date.now() - 365 * 86_400_000).toISOString(), to: new Date().toISOString() };

/** `n` aliased failure breakdowns over a year. */
const breakdowns = (n: number) =>
  `query($from: DateTime!, $to: DateTime!) { ${Array.from(
    { length: n },
    (_, i) => `b${i}: failureBreakdown(from: $from, to: $to) { total failures { code count } }`,
  ).join(' ')} }`;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  const value = await run();
  return { value, ms: performance.now() - began };
}

for (const database of DATABASE_KINDS) {
  describe(`console queries cannot starve the verification path (${database})`, () => {
    let t: TestGateway;
    let gate: ConsoleQueryGate;
    let consoleKeys: string[];

    beforeAll(async () => {
      t = await startTestGateway({ database });
      gate = t.container.resolve(TOKENS.ConsoleQueryGate);
      const db = t.container.resolve(TOKENS.Database);
      for (let first = 1; first <= SEEDED[database]; first += CHUNK) {
        await db.query(SEED, [first, Math.min(first + CHUNK - 1, SEEDED[database])]);
      }
      await db.query('ANALYZE verification_sessions');
      consoleKeys = await Promise.all([1, 2, 3, 4].map(() => t.createApiKey(['console:read'])));
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it('refuses 10 aliased failureBreakdown before it runs: BAD_USER_INPUT, over the console cost', async () => {
      const r = await t.gql(breakdowns(10), YEAR, consoleKeys[0]);
      expect(r.status).toBeLessThan(500);
      expect(r.body.data ?? null).toBeNull();
      expect(r.body.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        rule: 'CONSOLE_COST',
        cost: 50,
        maxCost: MAX_CONSOLE_COST,
      });
      // fragments spread several times count at each spread
      const spread = await t.gql(
        `fragment F on Query { failureBreakdown(from: $from, to: $to) { total } }
         query($from: DateTime!, $to: DateTime!) { ...F a: consoleOverview(from: $from, to: $to) { from } ... on Query { ...F } }`,
        YEAR,
        consoleKeys[0],
      );
      expect(spread.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', cost: 15 });
      // two of them are within the limit, and answer
      const two = await t.gql<Json>(breakdowns(2), YEAR, consoleKeys[0]);
      expect(two.body.errors).toBeUndefined();
      expect(two.body.data!.b0.total).toBe(SEEDED[database]);
    });

    it('under bursts of 40 console requests, a confirmation, a verification read and /readyz each answer within 1 s', async () => {
      // a session waiting for its confirmation, the device's check done
      const token = await t.signIn('o_console_load');
      const started = await start(t, token, { protocol: 'V2' });
      const input = runDevice(t, 'o_console_load', started.session!);

      // 4 keys, each sending bursts of 10 requests (40 at once) as expensive as the limit allows, until the
      // measures end
      let measuring = true;
      const answers: { status: number; retryAfter: string | null; body: Json }[] = [];
      const ask = async (key: string) => {
        const response = await t.gateway.fetch('http://gateway/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: breakdowns(2), variables: YEAR }),
        });
        answers.push({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: (await response.json()) as Json,
        });
      };
      const bursts = consoleKeys.map(async (key) => {
        while (measuring) {
          await Promise.all(Array.from({ length: 10 }, () => ask(key)));
          // bursts, as in the report: the next one shortly after the last is answered
          await new Promise((r) => setTimeout(r, 100));
        }
      });

      /** Times one call made while console aggregates run on the database (as many as the gate lets in). */
      const underLoad = async <T>(name: string, run: () => Promise<T>) => {
        const deadline = Date.now() + 10_000;
        while (gate.inFlight === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(gate.inFlight, `console requests running as ${name} starts`).toBeGreaterThan(0);
        return timed(run);
      };
      let ready: { value: Response; ms: number };
      let read: { value: { body: Json }; ms: number };
      let confirmed: { value: Awaited<ReturnType<typeof confirm>>; ms: number };
      try {
        ready = await underLoad('/readyz', async () => t.gateway.fetch('http://gateway/readyz'));
        read = await underLoad('the read', () => t.gql<Json>(GET, { id: started.session!.id }, token));
        confirmed = await underLoad('the confirmation', () => confirm(t, token, input));
      } finally {
        measuring = false;
        await Promise.all(bursts);
      }

      const took = `readyz ${Math.round(ready.ms)} ms, read ${Math.round(read.ms)} ms, confirm ${Math.round(confirmed.ms)} ms`;
      expect(ready.value.status, took).toBe(200);
      expect(ready.ms, took).toBeLessThan(1_000);
      expect(read.value.body.data!.verification.status).toBe('PENDING');
      expect(read.ms, took).toBeLessThan(1_000);
      expect(confirmed.value.session?.status).toBe('VERIFIED');
      expect(confirmed.ms, took).toBeLessThan(1_000);

      // each console request answered or was told to come back later; none failed or hung the pool
      const limited = answers.filter((a) => a.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
      const answered = answers.filter((a) => a.body.data?.b0?.total === SEEDED[database]);
      expect(answers.length).toBeGreaterThanOrEqual(40);
      expect(limited.length + answered.length).toBe(answers.length);
      expect(answered.length).toBeGreaterThan(0);
      expect(limited.length).toBeGreaterThan(0);
      for (const a of answers) expect(a.status).toBeLessThan(500);
      for (const a of limited) expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(gate.inFlight).toBe(0);
    });
  });
}
