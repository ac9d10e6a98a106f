import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, SqlConsoleQueries } from '../src/index';
import { postgresForTests } from '../src/testing';
import { allHarnesses, openMigrated, postgresHarness } from './support/drivers';

const DAY_MS = 86_400_000;
/** A fixed "now" so the seeded sessions and the periods asked about agree exactly. */
const NOW = new Date('2026-06-30T16:00:00Z'); // midnight in China Standard Time

/**
 * `count` sessions, one every `spacingSeconds` going back from NOW, statuses by i % 10: 0-5 VERIFIED,
 * 6 FAILED (FACE_MISMATCH), 7 CANCELED, 8 EXPIRED, 9 PENDING within the last day and EXPIRED before (as
 * the expiry sweep leaves them); i % 4 = 0 LEGACY; attempts 1 except CANCELED and PENDING (0); ended
 * 20 + i % 40 seconds after start.
 */
function seedSql(count: number, spacingSeconds: number): string {
  const status = `(CASE WHEN i % 10 < 6 THEN 'VERIFIED' WHEN i % 10 = 6 THEN 'FAILED' WHEN i % 10 = 7 THEN 'CANCELED'
    WHEN i % 10 = 8 OR i * ${spacingSeconds} >= 86400 THEN 'EXPIRED' ELSE 'PENDING' END)`;
  const created = `(timestamptz '${NOW.toISOString()}' - make_interval(secs => i * ${spacingSeconds}))`;
  return `INSERT INTO verification_sessions (id, protocol, status, openid, masked_name, masked_id_card_number,
      id_number_hmac, attempts, max_attempts, last_error, created_at, expires_at, verified_at, ended_at,
      client_reference_id, initiator, version)
    SELECT 'vs_' || i, CASE WHEN i % 4 = 0 THEN 'LEGACY' ELSE 'V2' END, ${status}, 'o_' || (i % 5000),
      '张*', '1101**********002X', md5(i::text),
      CASE WHEN i % 10 IN (7, 9) THEN 0 ELSE 1 END, 3,
      CASE WHEN i % 10 = 6 THEN '{"code":"FACE_MISMATCH","retryable":true}'::jsonb END,
      ${created}, ${created} + interval '10 minutes',
      CASE WHEN i % 10 < 6 THEN ${created} + make_interval(secs => 20 + i % 40) END,
      CASE WHEN i % 10 < 9 OR i * ${spacingSeconds} >= 86400 THEN ${created} + make_interval(secs => 20 + i % 40) END,
      CASE WHEN i % 1000 = 0 THEN 'ref-' || i END, 'user', 1
    FROM generate_series(0, ${count - 1}) AS i`;
}

/**
 * The seed writes its rows past the repository, so it keeps the expiry sweeper's mark as the repository does
 * (migration 0013): a PENDING session lowers it to just below its expiry.
 */
const LOWER_SWEEP_MARK = `UPDATE expiry_sweep_position SET swept_to = least(swept_to,
  (SELECT min(expires_at) FROM verification_sessions WHERE status = 'PENDING') - interval '1 microsecond')`;

/** What seedSql(count, spacingSeconds) holds for i in [lo, hi). */
function expected(lo: number, hi: number, spacingSeconds: number) {
  let started = 0;
  let verified = 0;
  let failed = 0;
  let pending = 0;
  for (let i = lo; i < hi; i++) {
    started++;
    if (i % 10 < 6) verified++;
    else if (i % 10 === 6) failed++;
    else if (i % 10 === 9 && i * spacingSeconds < 86_400) pending++;
  }
  return { started, verified, failed, pending };
}

const harnesses = await allHarnesses({ disk: false });

for (const harness of harnesses) {
  describe(`SqlConsoleQueries on ${harness.name}`, () => {
    let db: Database;
    let queries: SqlConsoleQueries;

    beforeAll(async () => {
      db = await openMigrated(harness);
      queries = new SqlConsoleQueries(db);
      await db.query(seedSql(200, 3600)); // one an hour for 200 hours
      await db.exec(LOWER_SWEEP_MARK);
    });
    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    it('counts a period by status, protocol and funnel step, with exact percentiles', async () => {
      // the last 48 hours: sessions i = 0..48 (created NOW - i h, within (NOW - 48 h, NOW])
      const o = await queries.overview(
        new Date(NOW.getTime() - 48 * 3_600_000 + 1),
        new Date(NOW.getTime() + 1),
        'hour',
      );
      const e = expected(0, 48, 3600);
      expect(o.total).toMatchObject(e);
      // no attempt: the canceled ones (i % 10 = 7) and the pending or expired-while-pending ones (9)
      expect(o.total.deviceRan).toBe(
        [...Array(48).keys()].filter((i) => i % 10 !== 7 && i % 10 !== 9).length,
      );
      expect(o.total.confirmed).toBe(e.verified + e.failed);
      expect(o.byProtocol.map((p) => p.protocol)).toEqual(['LEGACY', 'V2']);
      expect(o.byProtocol.reduce((n, p) => n + p.started, 0)).toBe(e.started);
      // durations 20 + i % 40 s for the VERIFIED and FAILED ones
      const durations = [...Array(48).keys()]
        .filter((i) => i % 10 < 7)
        .map((i) => 20 + (i % 40))
        .sort((a, b) => a - b);
      const median =
        (durations[((durations.length - 1) / 2) | 0]! + durations[Math.ceil((durations.length - 1) / 2)]!) /
        2;
      expect(o.total.medianSecondsToOutcome).toBeCloseTo(median);
      expect(o.series.reduce((n, p) => n + p.count, 0)).toBe(e.started);
      expect(new Set(o.series.map((p) => p.bucket.getTime())).size).toBe(48);
    });

    it('answers the same from the daily rollups of closed days as from the sessions themselves', async () => {
      const from = new Date(NOW.getTime() - 7.5 * DAY_MS); // half a day, then 7 whole days
      const to = new Date(NOW.getTime() + 1);
      const live = await queries.overview(from, to, 'day', new Date('2000-01-01T00:00:00Z')); // no day closed yet
      const rolled = await queries.overview(from, to, 'day', new Date('2030-01-01T00:00:00Z'));
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_rolled_days');
      expect(rows[0]!.n).toBeGreaterThanOrEqual(6); // the last day holds PENDING sessions: read live
      expect(rolled).toEqual(live);
      expect(live.total.started).toBe(expected(0, 181, 3600).started);
      // asked again: the rollups are reused, not added twice
      expect(await queries.overview(from, to, 'day', new Date('2030-01-01T00:00:00Z'))).toEqual(live);
    });

    it('buckets days at midnight China Standard Time', async () => {
      const o = await queries.overview(new Date(NOW.getTime() - 3 * DAY_MS), NOW, 'day');
      const buckets = [...new Set(o.series.map((p) => p.bucket.toISOString()))].sort();
      expect(buckets).toEqual([
        '2026-06-27T16:00:00.000Z',
        '2026-06-28T16:00:00.000Z',
        '2026-06-29T16:00:00.000Z',
      ]);
    });

    it('ranks failure codes with a per-day trend, pages sessions by filter, and keeps the timeline', async () => {
      const failures = await queries.failures(
        new Date(NOW.getTime() - 10 * DAY_MS),
        new Date(NOW.getTime() + 1),
      );
      expect(failures).toEqual([
        { code: 'FACE_MISMATCH', count: expected(0, 200, 3600).failed, trend: expect.any(Array) },
      ]);
      expect(failures[0]!.trend.reduce((n, p) => n + p.count, 0)).toBe(expected(0, 200, 3600).failed);
      const failed = await queries.sessions({ status: 'FAILED', protocol: 'V2' }, 5, null);
      expect(failed).toHaveLength(6);
      expect(
        failed.every(
          (s) => s.status === 'FAILED' && s.protocol === 'V2' && s.lastErrorCode === 'FACE_MISMATCH',
        ),
      ).toBe(true);
      const next = await queries.sessions({ status: 'FAILED', protocol: 'V2' }, 5, failed[4]!);
      expect(next[0]!.id).toBe(failed[5]!.id);
      const byReference = await queries.sessions({ clientReferenceId: 'ref-0' }, 5, null);
      expect(byReference.map((s) => s.id)).toEqual(['vs_0']);
      const session = (await queries.session('vs_6'))!;
      const timeline = await queries.timeline(session);
      expect(timeline.map((e) => e.kind)).toEqual(['STARTED', 'ENDED']);
      expect(timeline[1]).toMatchObject({ status: 'FAILED', failureCode: 'FACE_MISMATCH' });
    });

    it("reads one app's sessions, or some apps', when asked: the overview, failures and the list", async () => {
      // the sessions i = 0..19 belong to the card app, the rest stay the default app's
      await db.query(`UPDATE verification_sessions SET app = 'card' WHERE id = ANY($1::text[])`, [
        Array.from({ length: 20 }, (_, i) => `vs_${i}`),
      ]);
      const from = new Date(NOW.getTime() - 48 * 3_600_000 + 1);
      const to = new Date(NOW.getTime() + 1);
      const card = await queries.overview(from, to, 'hour', NOW, ['card']);
      expect(card.total).toMatchObject(expected(0, 20, 3600));
      expect(card.series.reduce((n, p) => n + p.count, 0)).toBe(20);
      const others = await queries.overview(from, to, 'hour', NOW, ['default']);
      expect(others.total).toMatchObject(expected(20, 48, 3600));
      expect((await queries.overview(from, to, 'hour', NOW, ['card', 'default'])).total).toEqual(
        (await queries.overview(from, to, 'hour', NOW, null)).total,
      );
      // daily, over days that are rolled up for every app together: still this app's only
      const week = { from: new Date(NOW.getTime() - 7 * DAY_MS), to };
      const later = new Date('2030-01-01T00:00:00Z');
      const cardWeek = await queries.overview(week.from, week.to, 'day', later, ['card']);
      expect(cardWeek.total.started).toBe(20);
      expect(cardWeek.series.reduce((n, p) => n + p.count, 0)).toBe(20);
      expect((await queries.overview(week.from, week.to, 'day', later, ['nobody'])).total.started).toBe(0);
      const failures = await queries.failures(week.from, week.to, ['card']);
      expect(failures).toEqual([
        { code: 'FACE_MISMATCH', count: expected(0, 20, 3600).failed, trend: expect.any(Array) },
      ]);
      expect(await queries.failures(week.from, week.to, [])).toEqual([]);
      const listed = await queries.sessions({ apps: ['card'] }, 50, null);
      expect(listed.map((r) => r.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `vs_${i}`).sort());
      expect(listed.every((r) => r.app === 'card')).toBe(true);
      const failedDefault = await queries.sessions({ apps: ['default'], status: 'FAILED' }, 50, null);
      expect(failedDefault.length).toBeGreaterThan(0);
      expect(failedDefault.every((r) => r.app === 'default' && r.status === 'FAILED')).toBe(true);
      expect((await queries.session('vs_3'))?.app).toBe('card');
      await db.query(
        `UPDATE verification_sessions SET cancel_reason = 'ALTERNATIVE_CHOSEN' WHERE id IN ('vs_7', 'vs_27')`,
      );
      expect(await queries.alternativeChosen(week.from, week.to, ['card'])).toBe(1);
      expect(await queries.alternativeChosen(week.from, week.to, null)).toBe(2);
    });
  });
}

const postgres = await postgresForTests();
if (postgres.run) {
  describe('console overview on 1,000,000 sessions in PostgreSQL', () => {
    // seeding a million rows and building their indexes takes longer than the 5 s statement timeout
    const harness = postgresHarness(postgres.adminUrl, { statementTimeoutMs: 600_000 });
    let db: Database;
    let queries: SqlConsoleQueries;
    const SPACING_S = 31.536; // 1,000,000 sessions over 365 days

    beforeAll(async () => {
      db = await openMigrated(harness);
      // A throwaway database: no WAL, and the indexes built once after the rows are in (same definitions
      // as the migrations made), which is several times faster than updating them row by row.
      await db.exec('ALTER TABLE verification_sessions SET UNLOGGED');
      const indexes = await db.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes
         WHERE tablename = 'verification_sessions' AND indexname <> 'verification_sessions_pkey'`,
      );
      for (const { indexname } of indexes) await db.exec(`DROP INDEX ${indexname}`);
      await db.query(seedSql(1_000_000, SPACING_S));
      await db.exec(LOWER_SWEEP_MARK);
      await Promise.all(indexes.map(({ indexdef }) => db.exec(indexdef)));
      await db.exec('VACUUM ANALYZE verification_sessions');
    }, 180_000);
    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    /** Median of 5 timed runs (after the first, which may roll days up). */
    async function time(from: Date, to: Date, bucket: 'hour' | 'day') {
      let result = await queries.overview(from, to, bucket);
      const runs: number[] = [];
      for (let n = 0; n < 5; n++) {
        const started = performance.now();
        result = await queries.overview(from, to, bucket);
        runs.push(performance.now() - started);
      }
      runs.sort((a, b) => a - b);
      return { ms: runs[2]!, result };
    }

    it('answers the overview of a day, a week, a month and a year in under 200 ms', async () => {
      queries = new SqlConsoleQueries(db);
      const figures: string[] = [];
      // the first overview of the year rolls its closed days up, once
      const filling = performance.now();
      await queries.overview(new Date(NOW.getTime() - 366 * DAY_MS), new Date(NOW.getTime() + 1), 'day');
      figures.push(
        `first overview of the year (rolls 365 days up once): ${(performance.now() - filling).toFixed(0)} ms`,
      );
      for (const [label, days, bucket] of [
        ['1 day (hourly)', 1, 'hour'],
        ['7 days (daily)', 7, 'day'],
        ['30 days (daily)', 30, 'day'],
        ['365 days (daily)', 366, 'day'],
      ] as const) {
        const from = new Date(NOW.getTime() - days * DAY_MS);
        const { ms, result } = await time(from, new Date(NOW.getTime() + 1), bucket);
        // sessions i with i * SPACING_S <= days * 86400 s
        const e = expected(0, Math.min(1_000_000, Math.floor((days * 86_400) / SPACING_S) + 1), SPACING_S);
        expect(result.total).toMatchObject(e);
        figures.push(`${label}: ${result.total.started} sessions, ${ms.toFixed(1)} ms`);
        expect(ms).toBeLessThan(200);
      }
      console.log(`console overview on 1,000,000 sessions (median of 5):\n  ${figures.join('\n  ')}`);
    }, 120_000);
  });
}
