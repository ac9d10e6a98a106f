/**
 * The VerificationSessionRepository contract as a reusable vitest suite: the in-memory fake and the SQL
 * repositories run the same tests. The only domain file that imports vitest (a separate package export).
 *
 *   verificationSessionRepositoryContract('SqlVerificationSessionRepository', async () => ({ repo, close }))
 *
 * `makeRepo` is called before every test and must return an EMPTY store; `close` is called after it.
 * Session ids are plain text ids (e.g. 'ses_ab12_3').
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VerificationEvent } from '../ports/event-publisher.port.js';
import type {
  RecordedOutcome,
  VerificationSessionRepository,
} from '../ports/verification-session.repository.port.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import { anEventFor, aSessionSnapshot, aV2Binding } from './object-mothers.js';

export interface RepositoryUnderTest {
  readonly repo: VerificationSessionRepository;
  /** The events the store holds for this session (its outbox), oldest first. */
  storedEvents(sessionId: string): Promise<VerificationEvent[]>;
  close(): Promise<void>;
}

const at = (iso: string) => new Date(iso);
const T0 = at('2025-06-01T00:00:00.000Z');
const plus = (ms: number, from: Date = T0) => new Date(from.getTime() + ms);

/** The event a write of `s` would carry (occurredAt is fixed: the store keeps what it is given). */
const eventOf = (s: VerificationSessionSnapshot): VerificationEvent => anEventFor(s, T0);

const failedOutcome: RecordedOutcome = {
  status: 'PENDING',
  failure: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004, rule: 'identify_ret' },
  attempt: 1,
};

export function verificationSessionRepositoryContract(
  name: string,
  makeRepo: () => Promise<RepositoryUnderTest>,
): void {
  describe(`${name} honours the VerificationSessionRepository contract`, () => {
    let subject: RepositoryUnderTest;
    let repo: VerificationSessionRepository;
    const run = Math.random().toString(36).slice(2, 8);
    let counter = 0;
    const uid = (label: string) => `${label}_${run}_${++counter}`;
    const session = (overrides: Partial<VerificationSessionSnapshot> = {}) =>
      aSessionSnapshot({ id: uid('ses'), openid: uid('o'), ...overrides });
    const ended = (s: VerificationSessionSnapshot, status: 'VERIFIED' | 'FAILED', when: Date) =>
      ({
        ...s,
        status,
        binding: null,
        attempts: 1,
        verifiedAt: status === 'VERIFIED' ? when : null,
        endedAt: when,
        version: s.version + 1,
      }) satisfies VerificationSessionSnapshot;

    beforeEach(async () => {
      subject = await makeRepo();
      repo = subject.repo;
    });
    afterEach(async () => {
      await subject.close();
    });

    describe('storing sessions', () => {
      it('round-trips a pending legacy session exactly', async () => {
        const s = session({ clientReferenceId: 'order-42', initiator: 'key_1' });
        await repo.insert(s, eventOf(s));
        expect(await repo.findById(s.id)).toEqual(s);
      });

      it('round-trips a pending v2 session, binding dates included', async () => {
        const s = session({
          protocol: 'V2',
          livenessType: null,
          binding: aV2Binding({
            verifyId: uid('vid'),
            spares: [
              { outSeqNo: uid('seq'), verifyId: uid('vid'), verifyIdExpiresAt: plus(3_600_000) },
              { outSeqNo: uid('seq'), verifyId: uid('vid'), verifyIdExpiresAt: plus(3_599_999) },
            ],
          }),
        });
        await repo.insert(s, eventOf(s));
        const found = await repo.findById(s.id);
        expect(found).toEqual(s);
        const binding = found?.binding?.protocol === 'V2' ? found.binding : null;
        expect(binding?.verifyIdExpiresAt).toBeInstanceOf(Date);
        expect(binding?.spares).toHaveLength(2);
        for (const spare of binding?.spares ?? []) expect(spare.verifyIdExpiresAt).toBeInstanceOf(Date);
      });

      it('round-trips an ended session with its outcome and no binding', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const done = {
          ...ended(s, 'FAILED', plus(60_000)),
          observedLiveness: 'READ_DIGITS' as const,
          lastError: {
            code: 'ID_NUMBER_MISMATCH' as const,
            retryable: false,
            upstreamCode: 10003,
            rule: 'identify_ret',
          },
        };
        expect(await repo.update(done, s.version, eventOf(done))).toBe(true);
        const found = await repo.findById(s.id);
        expect(found).toEqual(done);
        expect(found?.binding).toBeNull();
      });

      it('answers null for an unknown id', async () => {
        expect(await repo.findById(uid('missing'))).toBeNull();
      });

      it('refuses a second session with the same id', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        await expect(
          repo.insert({ ...s, openid: 'someone-else' }, eventOf({ ...s, openid: 'someone-else' })),
        ).rejects.toThrow();
        expect((await repo.findById(s.id))?.openid).toBe(s.openid);
      });

      it('does not let callers mutate what it stored', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const found = await repo.findById(s.id);
        expect(found).not.toBeNull();
        found!.createdAt.setTime(0);
        expect((await repo.findById(s.id))?.createdAt).toEqual(s.createdAt);
      });
    });

    describe('optimistic updates', () => {
      it('writes when the stored version is the expected one', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const next = { ...s, attempts: 1, version: s.version + 1 };
        expect(await repo.update(next, s.version, eventOf(next))).toBe(true);
        expect(await repo.findById(s.id)).toEqual(next);
      });

      it('writes nothing and answers false when the version moved', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        await repo.update(
          { ...s, attempts: 1, version: s.version + 1 },
          s.version,
          eventOf({ ...s, attempts: 1, version: s.version + 1 }),
        );
        expect(
          await repo.update(
            { ...s, attempts: 2, version: s.version + 1 },
            s.version,
            eventOf({ ...s, attempts: 2, version: s.version + 1 }),
          ),
        ).toBe(false);
        expect((await repo.findById(s.id))?.attempts).toBe(1);
      });

      it('answers false for a session that does not exist', async () => {
        expect(await repo.update(session(), 1, eventOf(session()))).toBe(false);
      });

      it('lets exactly one of several concurrent writers at one version win', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const results = await Promise.all(
          [1, 2, 3, 4, 5].map((n) =>
            repo.update(
              { ...s, attempts: n, version: s.version + 1 },
              s.version,
              eventOf({ ...s, attempts: n, version: s.version + 1 }),
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true) + 1;
        expect((await repo.findById(s.id))?.attempts).toBe(winner);
      });
    });

    describe('evidence claims (the replay guard)', () => {
      const claim = (evidenceHash: string, sessionId: string, now = T0, leaseMs = 30_000) =>
        repo.claimEvidence({ evidenceHash, sessionId, now, leaseMs });

      it('gives new evidence to the first claimant and reports it busy to the next', async () => {
        const [a, b] = [session(), session()];
        await repo.insert(a, eventOf(a));
        await repo.insert(b, eventOf(b));
        const hash = uid('ev');
        expect(await claim(hash, a.id)).toEqual({ kind: 'acquired' });
        expect(await claim(hash, b.id, plus(1000))).toEqual({ kind: 'busy', sessionId: a.id });
        expect(await claim(hash, a.id, plus(1000))).toEqual({ kind: 'busy', sessionId: a.id });
      });

      it('hands evidence to exactly one of many concurrent claimants', async () => {
        const sessions = [session(), session(), session(), session(), session(), session()];
        for (const s of sessions) await repo.insert(s, eventOf(s));
        const hash = uid('ev');
        const results = await Promise.all(sessions.map((s) => claim(hash, s.id)));
        expect(results.filter((r) => r.kind === 'acquired')).toHaveLength(1);
        const winner = sessions[results.findIndex((r) => r.kind === 'acquired')]!;
        for (const r of results.filter((x) => x.kind !== 'acquired')) {
          expect(r).toEqual({ kind: 'busy', sessionId: winner.id });
        }
      });

      it('records the outcome with the session change, for every later claimant', async () => {
        const [a, b] = [session(), session()];
        await repo.insert(a, eventOf(a));
        await repo.insert(b, eventOf(b));
        const hash = uid('ev');
        await claim(hash, a.id);
        const next = { ...a, attempts: 1, lastError: failedOutcome.failure, version: a.version + 1 };
        expect(await repo.completeEvidence(hash, failedOutcome, next, a.version, eventOf(next))).toBe(true);
        expect(await repo.findById(a.id)).toEqual(next);
        const expected = { kind: 'completed', sessionId: a.id, outcome: failedOutcome };
        expect(await claim(hash, a.id, plus(1000))).toEqual(expected);
        expect(await claim(hash, b.id, plus(3_600_000))).toEqual(expected);
      });

      it('records a passing outcome with a null failure', async () => {
        const a = session();
        await repo.insert(a, eventOf(a));
        const hash = uid('ev');
        await claim(hash, a.id);
        const outcome: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 1 };
        expect(
          await repo.completeEvidence(
            hash,
            outcome,
            ended(a, 'VERIFIED', plus(5000)),
            a.version,
            eventOf(ended(a, 'VERIFIED', plus(5000))),
          ),
        ).toBe(true);
        expect(await claim(hash, a.id, plus(6000))).toEqual({ kind: 'completed', sessionId: a.id, outcome });
        expect(await repo.findLatestVerified(a.openid, 'default')).toEqual(ended(a, 'VERIFIED', plus(5000)));
      });

      it('completing an already-completed claim writes nothing and answers false', async () => {
        const a = session();
        await repo.insert(a, eventOf(a));
        const hash = uid('ev');
        await claim(hash, a.id);
        const first = { ...a, attempts: 1, lastError: failedOutcome.failure, version: a.version + 1 };
        expect(await repo.completeEvidence(hash, failedOutcome, first, a.version, eventOf(first))).toBe(true);
        // a second completion (at the session's current version) must neither record a second outcome
        // for the same evidence nor change the session
        const passed: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 2 };
        const second = ended(first, 'VERIFIED', plus(5000));
        expect(await repo.completeEvidence(hash, passed, second, first.version, eventOf(second))).toBe(false);
        expect(await repo.findById(a.id)).toEqual(first);
        expect(await claim(hash, a.id, plus(6000))).toEqual({
          kind: 'completed',
          sessionId: a.id,
          outcome: failedOutcome,
        });
      });

      it('writes nothing when the session version moved, leaving the claim unfinished', async () => {
        const a = session();
        await repo.insert(a, eventOf(a));
        const hash = uid('ev');
        await claim(hash, a.id);
        await repo.update(
          { ...a, attempts: 2, version: a.version + 1 },
          a.version,
          eventOf({ ...a, attempts: 2, version: a.version + 1 }),
        );
        const stale = { ...a, attempts: 1, version: a.version + 1 };
        expect(await repo.completeEvidence(hash, failedOutcome, stale, a.version, eventOf(stale))).toBe(
          false,
        );
        expect((await repo.findById(a.id))?.attempts).toBe(2);
        expect(await claim(hash, a.id, plus(1000))).toEqual({ kind: 'busy', sessionId: a.id });
      });

      it('lets an unfinished claim be taken over once its lease has passed', async () => {
        const [a, b] = [session(), session()];
        await repo.insert(a, eventOf(a));
        await repo.insert(b, eventOf(b));
        const hash = uid('ev');
        await claim(hash, a.id, T0, 30_000);
        expect(await claim(hash, b.id, plus(29_000), 30_000)).toEqual({ kind: 'busy', sessionId: a.id });
        expect(await claim(hash, b.id, plus(31_000), 30_000)).toEqual({ kind: 'acquired' });
        expect(await claim(hash, a.id, plus(32_000), 30_000)).toEqual({ kind: 'busy', sessionId: b.id });
      });

      it('never lets a completed claim be taken over, however old', async () => {
        const [a, b] = [session(), session()];
        await repo.insert(a, eventOf(a));
        await repo.insert(b, eventOf(b));
        const hash = uid('ev');
        await claim(hash, a.id);
        await repo.completeEvidence(
          hash,
          failedOutcome,
          { ...a, version: a.version + 1 },
          a.version,
          eventOf({ ...a, version: a.version + 1 }),
        );
        const later = await claim(hash, b.id, plus(365 * 86_400_000));
        expect(later.kind).toBe('completed');
      });

      it('frees a released claim for the next claimant', async () => {
        const [a, b] = [session(), session()];
        await repo.insert(a, eventOf(a));
        await repo.insert(b, eventOf(b));
        const hash = uid('ev');
        await claim(hash, a.id);
        await repo.releaseEvidence(hash, a.id);
        expect(await claim(hash, b.id, plus(1000))).toEqual({ kind: 'acquired' });
      });

      it('ignores a release by a session that does not hold the claim, and of completed claims', async () => {
        const [a, b] = [session(), session()];
        await repo.insert(a, eventOf(a));
        await repo.insert(b, eventOf(b));
        const [held, done] = [uid('ev'), uid('ev')];
        await claim(held, a.id);
        await repo.releaseEvidence(held, b.id);
        expect(await claim(held, b.id, plus(1000))).toEqual({ kind: 'busy', sessionId: a.id });
        await claim(done, a.id);
        await repo.completeEvidence(
          done,
          failedOutcome,
          { ...a, version: a.version + 1 },
          a.version,
          eventOf({ ...a, version: a.version + 1 }),
        );
        await repo.releaseEvidence(done, a.id);
        expect((await claim(done, a.id, plus(1000))).kind).toBe('completed');
      });
    });

    describe('findAndClaim (the read that claims)', () => {
      const request = (s: VerificationSessionSnapshot, evidenceHash: string, over = {}) => ({
        sessionId: s.id,
        evidenceHash,
        protocol: s.protocol,
        openid: s.openid,
        now: T0,
        ...over,
      });
      const holder = async (evidenceHash: string, sessionId: string) =>
        (await repo.claimEvidence({ evidenceHash, sessionId, now: T0, leaseMs: 60_000 })).kind;

      it('reads the session and claims fresh evidence for its owner, or for a caller with no openid', async () => {
        const s = session({ expiresAt: plus(60_000) });
        await repo.insert(s, eventOf(s));
        const mine = uid('ev');
        expect(await repo.findAndClaim(request(s, mine))).toEqual({ session: s, claimed: true });
        expect(await holder(mine, s.id)).toBe('busy');
        const services = uid('ev');
        expect((await repo.findAndClaim(request(s, services, { openid: null }))).claimed).toBe(true);
        expect(await holder(services, s.id)).toBe('busy');
      });

      it('reads without claiming: held evidence, another protocol, another user, an ended or expired session', async () => {
        const s = session({ expiresAt: plus(60_000) });
        await repo.insert(s, eventOf(s));
        const held = uid('ev');
        await repo.claimEvidence({ evidenceHash: held, sessionId: s.id, now: T0, leaseMs: 60_000 });
        const refused = [
          request(s, held),
          request(s, uid('ev'), { protocol: s.protocol === 'V2' ? 'LEGACY' : 'V2' }),
          request(s, uid('ev'), { openid: uid('o') }),
          request(s, uid('ev'), { now: plus(60_000) }),
        ];
        for (const r of refused) {
          expect(await repo.findAndClaim(r)).toEqual({ session: s, claimed: false });
          if (r.evidenceHash !== held) expect(await holder(r.evidenceHash, s.id)).toBe('acquired');
        }
        const done = ended(s, 'FAILED', plus(1000));
        await repo.update(done, s.version, eventOf(done));
        const late = uid('ev');
        expect(await repo.findAndClaim(request(done, late))).toEqual({ session: done, claimed: false });
        expect(await holder(late, s.id)).toBe('acquired');
      });

      it('claims for its owner within its app only: the same openid in another app reads without claiming', async () => {
        const s = session({ app: 'card', expiresAt: plus(60_000) });
        await repo.insert(s, eventOf(s));
        const elsewhere = uid('ev');
        expect(await repo.findAndClaim(request(s, elsewhere, { app: 'default' }))).toEqual({
          session: s,
          claimed: false,
        });
        expect(await holder(elsewhere, s.id)).toBe('acquired');
        const mine = uid('ev');
        expect(await repo.findAndClaim(request(s, mine, { app: 'card' }))).toEqual({
          session: s,
          claimed: true,
        });
        expect(await holder(mine, s.id)).toBe('busy');
      });

      it('finds nothing, and claims nothing, for an unknown session', async () => {
        const ghost = session();
        const evidence = uid('ev');
        expect(await repo.findAndClaim(request(ghost, evidence))).toEqual({ session: null, claimed: false });
        expect(await holder(evidence, ghost.id)).toBe('acquired');
      });
    });

    describe('events stored with the writes (the outbox)', () => {
      const statuses = async (id: string) =>
        (await subject.storedEvents(id)).map((e) => `${e.status}/${e.attempts}`);

      it('an insert, an update and a completion each store their own event, in order', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const retried = { ...s, attempts: 1, version: s.version + 1 };
        expect(await repo.update(retried, s.version, eventOf(retried))).toBe(true);
        const hash = uid('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: 60_000 });
        const done = { ...ended(retried, 'VERIFIED', plus(5000)), attempts: 2 };
        const outcome: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 2 };
        expect(await repo.completeEvidence(hash, outcome, done, retried.version, eventOf(done))).toBe(true);
        expect(await subject.storedEvents(s.id)).toEqual([eventOf(s), eventOf(retried), eventOf(done)]);
      });

      it('a write that loses on version stores no event', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const first = { ...s, attempts: 1, version: s.version + 1 };
        await repo.update(first, s.version, eventOf(first));
        const stale = { ...s, status: 'CANCELED' as const, endedAt: plus(1000), version: s.version + 1 };
        expect(await repo.update(stale, s.version, eventOf(stale))).toBe(false);
        const hash = uid('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: 60_000 });
        const staleDone = ended(s, 'VERIFIED', plus(5000));
        const passed: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 1 };
        expect(await repo.completeEvidence(hash, passed, staleDone, s.version, eventOf(staleDone))).toBe(
          false,
        );
        expect(await statuses(s.id)).toEqual(['PENDING/0', 'PENDING/1']);
      });

      it('a completion onto evidence that already has an outcome stores no event', async () => {
        const s = session();
        await repo.insert(s, eventOf(s));
        const hash = uid('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: 60_000 });
        const first = { ...s, attempts: 1, version: s.version + 1 };
        expect(await repo.completeEvidence(hash, failedOutcome, first, s.version, eventOf(first))).toBe(true);
        const again = ended(first, 'VERIFIED', plus(5000));
        const passed: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 2 };
        expect(await repo.completeEvidence(hash, passed, again, first.version, eventOf(again))).toBe(false);
        expect(await statuses(s.id)).toEqual(['PENDING/0', 'PENDING/1']);
      });
    });

    describe('queries', () => {
      it('finds pending sessions due to expire, oldest expiry first, up to the limit', async () => {
        const due1 = session({ expiresAt: plus(-3000) });
        const due2 = session({ expiresAt: plus(-2000) });
        const due3 = session({ expiresAt: T0 });
        const notYet = session({ expiresAt: plus(1) });
        const endedDue = session({ expiresAt: plus(-5000) });
        for (const s of [due3, notYet, due1, endedDue, due2]) await repo.insert(s, eventOf(s));
        await repo.update(
          ended(endedDue, 'FAILED', plus(-6000)),
          endedDue.version,
          eventOf(ended(endedDue, 'FAILED', plus(-6000))),
        );
        expect((await repo.findExpirable(T0, 10)).map((s) => s.id)).toEqual([due1.id, due2.id, due3.id]);
        expect((await repo.findExpirable(T0, 2)).map((s) => s.id)).toEqual([due1.id, due2.id]);
      });

      it('lists newest first, ties by id descending, in keyset pages', async () => {
        const openid = uid('o');
        const sameTime = plus(5000);
        const made = [
          session({ openid, id: `${uid('ses')}_a`, createdAt: plus(1000) }),
          session({ openid, id: `${uid('ses')}_b`, createdAt: sameTime }),
          session({ openid, id: `${uid('ses')}_c`, createdAt: sameTime }),
          session({ openid, id: `${uid('ses')}_d`, createdAt: plus(9000) }),
          session({ createdAt: plus(7000) }),
        ];
        for (const s of made) await repo.insert(s, eventOf(s));
        const byTime = [made[3]!, ...[made[1]!, made[2]!].sort((x, y) => (x.id < y.id ? 1 : -1)), made[0]!];
        const page1 = await repo.list({ openid }, 2, null);
        expect(page1.items.map((s) => s.id)).toEqual(byTime.slice(0, 2).map((s) => s.id));
        expect(page1.hasNextPage).toBe(true);
        const last = page1.items[1]!;
        const page2 = await repo.list({ openid }, 2, { createdAt: last.createdAt, id: last.id });
        expect(page2.items.map((s) => s.id)).toEqual(byTime.slice(2).map((s) => s.id));
        expect(page2.hasNextPage).toBe(false);
        expect(page2.items[0]).toEqual(byTime[2]);
      });

      it('filters by status and creation time', async () => {
        const openid = uid('o');
        const early = session({ openid, createdAt: plus(1000) });
        const middle = session({ openid, createdAt: plus(60_000) });
        const late = session({ openid, createdAt: plus(120_000) });
        for (const s of [early, middle, late]) await repo.insert(s, eventOf(s));
        await repo.update(
          ended(middle, 'VERIFIED', plus(90_000)),
          middle.version,
          eventOf(ended(middle, 'VERIFIED', plus(90_000))),
        );
        const ids = async (filter: Parameters<VerificationSessionRepository['list']>[0]) =>
          (await repo.list({ openid, ...filter }, 10, null)).items.map((s) => s.id);
        expect(await ids({ status: 'VERIFIED' })).toEqual([middle.id]);
        expect(await ids({ status: 'PENDING' })).toEqual([late.id, early.id]);
        expect(await ids({ createdAfter: plus(30_000) })).toEqual([late.id, middle.id]);
        expect(await ids({ createdBefore: plus(90_000) })).toEqual([middle.id, early.id]);
        expect(await ids({ createdAfter: plus(30_000), createdBefore: plus(90_000) })).toEqual([middle.id]);
        expect(await ids({ status: null, openid: null, createdAfter: null, createdBefore: null })).toContain(
          early.id,
        );
      });

      it('filters by one app and by a list of apps', async () => {
        const openid = uid('o');
        const inDefault = session({ openid, createdAt: plus(1000) });
        const inCard = session({ openid, app: 'card', createdAt: plus(2000) });
        const inShop = session({ openid, app: 'shop', createdAt: plus(3000) });
        for (const s of [inDefault, inCard, inShop]) await repo.insert(s, eventOf(s));
        expect(await repo.findById(inCard.id)).toEqual(inCard);
        const ids = async (filter: Parameters<VerificationSessionRepository['list']>[0]) =>
          (await repo.list({ openid, ...filter }, 10, null)).items.map((s) => s.id);
        expect(await ids({ app: 'card' })).toEqual([inCard.id]);
        expect(await ids({ app: 'default' })).toEqual([inDefault.id]);
        expect(await ids({ app: 'elsewhere' })).toEqual([]);
        expect(await ids({ apps: ['card', 'shop'] })).toEqual([inShop.id, inCard.id]);
        expect(await ids({ apps: ['card'], app: 'shop' })).toEqual([]);
        expect(await ids({ apps: ['card', 'shop'], app: 'shop' })).toEqual([inShop.id]);
        // limited to no app at all: nothing, never everything
        expect(await ids({ apps: [] })).toEqual([]);
        expect(await ids({ app: null, apps: null })).toEqual([inShop.id, inCard.id, inDefault.id]);
      });

      it("finds a user's latest verified session within their app, never the same openid's in another", async () => {
        const openid = uid('o');
        const inCard = session({ openid, app: 'card', createdAt: plus(1000) });
        const inDefault = session({ openid, createdAt: plus(2000) });
        for (const s of [inCard, inDefault]) await repo.insert(s, eventOf(s));
        const verifiedCard = ended(inCard, 'VERIFIED', plus(20_000));
        await repo.update(verifiedCard, inCard.version, eventOf(verifiedCard));
        expect(await repo.findLatestVerified(openid, 'default')).toBeNull();
        expect(await repo.findLatestVerified(openid, 'card')).toEqual(verifiedCard);
        // verified earlier than the card session: still the default app's latest
        const verifiedDefault = ended(inDefault, 'VERIFIED', plus(10_000));
        await repo.update(verifiedDefault, inDefault.version, eventOf(verifiedDefault));
        expect((await repo.findLatestVerified(openid, 'default'))?.id).toBe(inDefault.id);
        expect((await repo.findLatestVerified(openid, 'card'))?.id).toBe(inCard.id);
        expect(await repo.findLatestVerified(openid, 'shop')).toBeNull();
      });

      it('finds the latest verified session of a user, or null', async () => {
        const openid = uid('o');
        const older = session({ openid, createdAt: plus(1000) });
        const newer = session({ openid, createdAt: plus(2000) });
        const failed = session({ openid, createdAt: plus(3000) });
        const pending = session({ openid, createdAt: plus(4000) });
        const otherUser = session({ createdAt: plus(5000) });
        for (const s of [older, newer, failed, pending, otherUser]) await repo.insert(s, eventOf(s));
        expect(await repo.findLatestVerified(openid, 'default')).toBeNull();
        await repo.update(
          ended(older, 'VERIFIED', plus(10_000)),
          older.version,
          eventOf(ended(older, 'VERIFIED', plus(10_000))),
        );
        await repo.update(
          ended(newer, 'VERIFIED', plus(20_000)),
          newer.version,
          eventOf(ended(newer, 'VERIFIED', plus(20_000))),
        );
        await repo.update(
          ended(failed, 'FAILED', plus(30_000)),
          failed.version,
          eventOf(ended(failed, 'FAILED', plus(30_000))),
        );
        await repo.update(
          ended(otherUser, 'VERIFIED', plus(40_000)),
          otherUser.version,
          eventOf(ended(otherUser, 'VERIFIED', plus(40_000))),
        );
        expect((await repo.findLatestVerified(openid, 'default'))?.id).toBe(newer.id);
        expect(await repo.findLatestVerified(uid('nobody'), 'default')).toBeNull();
      });
    });
  });
}
