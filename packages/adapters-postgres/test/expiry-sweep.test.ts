import {
  ExpireVerifications,
  type RecordedOutcome,
  type VerificationSessionSnapshot,
  type VerificationStatus,
} from '@facegate/domain';
import {
  anEventFor,
  FixedClock,
  makeVerificationDeps,
  RecordingEventPublisher,
} from '@facegate/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmFieldCipher, type Database, SqlVerificationSessionRepository } from '../src/index';
import { allHarnesses, openMigrated } from './support/drivers';
import { aSession, TEST_KEY } from './support/session-mother';

// The expiry sweeper over the plain (expires_at, id) index and its low-water mark (migration 0013): it still
// expires every due PENDING session exactly once, on every driver, whatever it swept before.
const harnesses = await allHarnesses();
const cipher = new AesGcmFieldCipher(TEST_KEY);
const MINUTE = 60_000;

for (const harness of harnesses) {
  describe(`the expiry sweep on ${harness.name}`, () => {
    let db: Database;
    let repo: SqlVerificationSessionRepository;
    // Each test runs a day after the previous one, as a gateway's clock would: the mark only moves forward.
    let day = 0;
    const nextDay = () => new Date(Date.UTC(2031, 0, 1) + ++day * 24 * 60 * MINUTE);

    beforeAll(async () => {
      db = await openMigrated(harness);
      repo = new SqlVerificationSessionRepository(db, cipher);
    });

    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    const sweeperOn = (repository: SqlVerificationSessionRepository, clock: FixedClock) => {
      const events = new RecordingEventPublisher();
      const expire = new ExpireVerifications(makeVerificationDeps({ repository, clock, events }));
      return {
        events,
        /** As the gateway's ExpirySweeper: batches until one comes back short. */
        sweep: async (batch = 100) => {
          let total = 0;
          for (;;) {
            const expired = await expire.execute({ limit: batch });
            total += expired;
            if (expired < batch) return total;
          }
        },
      };
    };

    /** A session started at `startedAt` that expires `lifetimeMs` later. */
    const started = (
      startedAt: Date,
      lifetimeMs: number,
      overrides: Partial<VerificationSessionSnapshot> = {},
    ) =>
      aSession({ createdAt: startedAt, expiresAt: new Date(startedAt.getTime() + lifetimeMs), ...overrides });
    const ended = (
      s: VerificationSessionSnapshot,
      status: VerificationStatus,
    ): VerificationSessionSnapshot => ({
      ...s,
      status,
      binding: null,
      endedAt: s.createdAt,
      verifiedAt: status === 'VERIFIED' ? s.createdAt : null,
      cancelReason: status === 'CANCELED' ? 'REQUESTED' : null,
    });
    const insertAll = async (sessions: readonly VerificationSessionSnapshot[]) => {
      for (const s of sessions) await repo.insert(s, anEventFor(s));
    };
    const rows = async (ids: readonly string[]) =>
      new Map(
        (
          await db.query<{ id: string; status: string; version: number; updated_at: Date }>(
            'SELECT id, status, version, updated_at FROM verification_sessions WHERE id = ANY($1::text[])',
            [[...ids]],
          )
        ).map((r) => [r.id, r]),
      );
    const mark = async () =>
      (await db.query<{ swept_to: Date }>('SELECT swept_to FROM expiry_sweep_position'))[0]?.swept_to;
    const expiredEvents = async (ids: readonly string[]) =>
      (
        await db.query<{ session_id: string }>(
          `SELECT session_id FROM event_outbox
           WHERE session_id = ANY($1::text[]) AND payload->>'status' = 'EXPIRED'`,
          [[...ids]],
        )
      ).map((r) => r.session_id);

    it('expires every due PENDING session, in batches, and leaves ended and not yet due ones alone', async () => {
      const t = nextDay();
      const clock = new FixedClock(t);
      // started over the last hour, 10-minute lifetimes: due ones interleaved with ended ones on the index
      const due = Array.from({ length: 230 }, (_, i) =>
        started(new Date(t.getTime() - 70 * MINUTE + i * 1000), 10 * MINUTE),
      );
      const endedOnes = (['VERIFIED', 'FAILED', 'CANCELED', 'EXPIRED'] as const).flatMap((status, k) =>
        Array.from({ length: 10 }, (_, i) =>
          ended(started(new Date(t.getTime() - 69 * MINUTE + (k * 10 + i) * 3000), 10 * MINUTE), status),
        ),
      );
      const notYet = Array.from({ length: 5 }, (_, i) =>
        started(new Date(t.getTime() - i * 1000), 10 * MINUTE),
      );
      const dueExactlyNow = started(new Date(t.getTime() - 10 * MINUTE), 10 * MINUTE);
      await insertAll([...notYet, ...endedOnes, dueExactlyNow, ...due].reverse());
      const before = await rows(endedOnes.map((s) => s.id));

      const { sweep, events } = sweeperOn(repo, clock);
      expect(await sweep(100)).toBe(231);

      const after = await rows([...due, dueExactlyNow, ...endedOnes, ...notYet].map((s) => s.id));
      for (const s of [...due, dueExactlyNow]) expect(after.get(s.id)?.status).toBe('EXPIRED');
      for (const s of endedOnes) expect(after.get(s.id)).toEqual(before.get(s.id));
      for (const s of notYet) expect(after.get(s.id)?.status).toBe('PENDING');
      expect(events.events.map((e) => e.sessionId).sort()).toEqual(
        [...due, dueExactlyNow].map((s) => s.id).sort(),
      );
      // the mark stays below the last batch's first session (the sweeper may have died before expiring it) until
      // a sweep finds nothing due: then it is at that sweep's `now`
      expect((await mark())!.getTime()).toBeLessThan(t.getTime());
      expect(await sweep()).toBe(0);
      expect(await mark()).toEqual(t);

      // the ones not yet due are expired by a later sweep
      clock.advance(10 * MINUTE);
      expect(await sweep()).toBe(notYet.length);
    });

    it('moves its mark only past ended sessions: what it found and did not expire is found again', async () => {
      const t = nextDay();
      const due = Array.from({ length: 3 }, (_, i) =>
        started(new Date(t.getTime() - 20 * MINUTE + i * 1000), 10 * MINUTE),
      );
      const endedBefore = ended(started(new Date(t.getTime() - 30 * MINUTE), 10 * MINUTE), 'VERIFIED');
      await insertAll([endedBefore, ...due]);
      // a sweeper that read them and died before expiring them
      expect((await repo.findExpirable(t, 2)).map((s) => s.id)).toEqual([due[0]!.id, due[1]!.id]);
      expect((await mark())?.getTime()).toBe(due[0]!.expiresAt.getTime() - 1);
      expect((await repo.findExpirable(t, 10)).map((s) => s.id)).toEqual(due.map((s) => s.id));
      // a batch of 0 reads nothing and so moves nothing
      expect(await repo.findExpirable(t, 0)).toEqual([]);
      expect((await mark())?.getTime()).toBe(due[0]!.expiresAt.getTime() - 1);
      expect(await sweeperOn(repo, new FixedClock(t)).sweep()).toBe(3);
      expect(await sweeperOn(repo, new FixedClock(t)).sweep()).toBe(0);
      expect(await mark()).toEqual(t);
    });

    it('expires a session started after a sweep with a short lifetime, and one started already due', async () => {
      const t = nextDay();
      const clock = new FixedClock(t);
      const { sweep } = sweeperOn(repo, clock);
      expect(await sweep()).toBe(0);
      expect(await mark()).toEqual(t);

      // started just after the sweep, expiring 2 s later: above the mark
      const short = started(new Date(t.getTime() + 1), 2000);
      await insertAll([short]);
      clock.advance(1000);
      expect(await sweep()).toBe(0);
      clock.advance(1001);
      expect(await sweep()).toBe(1);
      expect((await rows([short.id])).get(short.id)?.status).toBe('EXPIRED');

      // a gateway whose clock is behind starts a session that is due by the sweeper's clock: below the mark,
      // which its start lowers
      const behind = started(new Date(t.getTime() - 60 * MINUTE), 10 * MINUTE);
      await insertAll([behind]);
      expect((await mark())?.getTime()).toBe(behind.expiresAt.getTime() - 1);
      expect(await sweep()).toBe(1);
      expect((await rows([behind.id])).get(behind.id)?.status).toBe('EXPIRED');

      // a write that keeps a session PENDING and brings its expiry below the mark lowers it too
      const later = started(new Date(clock.now().getTime()), 10 * MINUTE);
      await insertAll([later]);
      expect(await sweep()).toBe(0);
      const shortened = { ...later, expiresAt: new Date(clock.now().getTime() - 1000), version: 2 };
      expect(await repo.update(shortened, 1, anEventFor(shortened))).toBe(true);
      expect(await sweep()).toBe(1);
      expect((await rows([later.id])).get(later.id)?.status).toBe('EXPIRED');
    });

    it('ending a session does not move the mark; a failed attempt that keeps it PENDING neither', async () => {
      const t = nextDay();
      const { sweep } = sweeperOn(repo, new FixedClock(t));
      await sweep();
      const s = started(t, 10 * MINUTE);
      await insertAll([s]);
      const outcome: RecordedOutcome = {
        status: 'FAILED',
        failure: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004, rule: 'identify_ret' },
        attempt: 1,
      };
      const retry = { ...s, attempts: 1, lastError: outcome.failure, version: 2 };
      await repo.claimEvidence({ evidenceHash: `ev_${s.id}`, sessionId: s.id, now: t, leaseMs: 30_000 });
      expect(await repo.completeEvidence(`ev_${s.id}`, outcome, retry, 1, anEventFor(retry))).toBe(true);
      expect(await mark()).toEqual(t);
      // and the session left PENDING is expired when due
      expect(await sweeperOn(repo, new FixedClock(s.expiresAt)).sweep()).toBe(1);
    });

    it('two sweepers at once expire each due session once', async () => {
      const t = nextDay();
      const due = Array.from({ length: 300 }, (_, i) =>
        started(new Date(t.getTime() - 40 * MINUTE + i * 997), 10 * MINUTE),
      );
      await insertAll(due);
      // PostgreSQL: two connections, as two gateway instances; PGlite: one connection, statements interleaved
      const other = harness.openSecond === undefined ? db : await harness.openSecond();
      try {
        const a = sweeperOn(repo, new FixedClock(t));
        const b = sweeperOn(new SqlVerificationSessionRepository(other, cipher), new FixedClock(t));
        const [byA, byB] = await Promise.all([a.sweep(20), b.sweep(20)]);
        // a sweeper that lost every race of a batch stops early, as the gateway's does: the next sweep finishes
        const rest = await sweeperOn(repo, new FixedClock(t)).sweep();
        expect(byA + byB + rest).toBe(due.length);
        expect(await sweeperOn(repo, new FixedClock(t)).sweep()).toBe(0);
        const published = [...a.events.events, ...b.events.events].map((e) => e.sessionId);
        expect(new Set(published).size).toBe(published.length);
        const stored = await expiredEvents(due.map((s) => s.id));
        expect(stored).toHaveLength(due.length);
        expect(new Set(stored).size).toBe(due.length);
        expect(await mark()).toEqual(t);
      } finally {
        if (other !== db) await other.close();
      }
    });

    if (harness.durable) {
      it('resumes from its mark after a restart', async () => {
        const t = nextDay();
        await insertAll([started(new Date(t.getTime() - 20 * MINUTE), 10 * MINUTE)]);
        expect(await sweeperOn(repo, new FixedClock(t)).sweep()).toBe(1);
        expect(await sweeperOn(repo, new FixedClock(t)).sweep()).toBe(0);
        expect(await mark()).toEqual(t);
        // below the mark, written behind the repository's back: a sweep that starts from the mark never reads it
        const hidden = started(new Date(t.getTime() - 15 * MINUTE), 10 * MINUTE);
        await insertAll([hidden]);
        await db.query('UPDATE expiry_sweep_position SET swept_to = $1', [t]);
        const due = started(new Date(t.getTime() + 1000), 10 * MINUTE);
        await insertAll([due]);

        await db.close();
        db = await harness.open();
        repo = new SqlVerificationSessionRepository(db, cipher);
        expect(await mark()).toEqual(t);
        const clock = new FixedClock(new Date(t.getTime() + 11 * MINUTE));
        const { events, sweep } = sweeperOn(repo, clock);
        expect(await sweep()).toBe(1);
        expect(events.events.map((e) => e.sessionId)).toEqual([due.id]);
        expect((await rows([hidden.id])).get(hidden.id)?.status).toBe('PENDING');
        expect(await sweep()).toBe(0);
        expect(await mark()).toEqual(clock.now());
      });
    }

    if (harness.kind === 'postgres') {
      it('ends a session with a HOT update (no index names a column an ending changes)', async () => {
        // An ending finds room on its page once the versions it left behind are pruned; an autovacuum
        // ANALYZE of this table (its snapshot holds them) would take that room on a busy machine, and what is
        // asked here is whether the indexes allow a HOT update, not when autovacuum runs.
        await db.exec('ALTER TABLE verification_sessions SET (autovacuum_enabled = false)');
        const t = nextDay();
        const sessions = Array.from({ length: 20 }, (_, i) =>
          started(new Date(t.getTime() + i), 10 * MINUTE),
        );
        await insertAll(sessions);
        const read = async () => {
          await db.query('SELECT pg_stat_force_next_flush()');
          await db.query('SELECT pg_stat_clear_snapshot()');
          const [row] = await db.query<{ upd: number; hot: number }>(
            `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables
             WHERE relname = 'verification_sessions'`,
          );
          return row!;
        };
        // a backend of the pool other than the reading one reports its counts when idle, within seconds
        const counts = async (atLeast = 0) => {
          for (let i = 0; ; i++) {
            const row = await read();
            if (row.upd >= atLeast || i === 150) return row;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        };
        const before = await counts();
        for (const s of sessions) {
          const hash = `ev_${s.id}`;
          const found = await repo.findAndClaim({
            sessionId: s.id,
            evidenceHash: hash,
            now: t,
            protocol: 'LEGACY',
            openid: null,
          });
          expect(found.claimed).toBe(true);
          const done = { ...ended(s, 'VERIFIED'), attempts: 1, endedAt: t, verifiedAt: t, version: 2 };
          const outcome: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 1 };
          expect(await repo.completeEvidence(hash, outcome, done, 1, anEventFor(done))).toBe(true);
        }
        const after = await counts(before.upd + sessions.length);
        expect(after.upd - before.upd).toBe(sessions.length);
        expect(after.hot - before.hot).toBe(sessions.length);
      });
    }
  });
}
