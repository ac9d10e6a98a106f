import type { RecordedOutcome, VerificationSessionSnapshot } from '@facegate/domain';
import { anEventFor } from '@facegate/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmFieldCipher, type Database, SqlVerificationSessionRepository } from '../src/index';
import { allHarnesses, openMigrated } from './support/drivers';
import { aSession, legacyBinding, TEST_KEY, uniqueId, v2Binding, vectors } from './support/session-mother';

const harnesses = await allHarnesses();
const cipher = new AesGcmFieldCipher(TEST_KEY);
const LEASE_MS = 30_000;
const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const failedOutcome: RecordedOutcome = {
  status: 'FAILED',
  failure: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004, rule: 'identify_ret' },
  attempt: 1,
};

for (const harness of harnesses) {
  describe(`SqlVerificationSessionRepository on ${harness.name}`, () => {
    let db: Database;
    let repo: SqlVerificationSessionRepository;

    beforeAll(async () => {
      db = await openMigrated(harness);
      repo = new SqlVerificationSessionRepository(db, cipher);
    });

    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    const rawRow = async (id: string) =>
      (await db.query<Record<string, unknown>>('SELECT * FROM verification_sessions WHERE id = $1', [id]))[0];

    it('stores a session and reads back exactly the same snapshot (legacy and v2 bindings)', async () => {
      const legacy = aSession({
        clientReferenceId: 'order-42',
        lastError: { code: 'USER_CANCELED', retryable: true, upstreamCode: 90100, rule: 'client_err_code' },
        attempts: 1,
      });
      const v2 = aSession({ protocol: 'V2', livenessType: null, binding: v2Binding(1), initiator: 'key_1' });
      await repo.insert(legacy, anEventFor(legacy));
      await repo.insert(v2, anEventFor(v2));
      expect(await repo.findById(legacy.id)).toEqual(legacy);
      const readV2 = await repo.findById(v2.id);
      expect(readV2).toEqual(v2);
      expect(readV2?.binding?.protocol === 'V2' && readV2.binding.verifyIdExpiresAt).toBeInstanceOf(Date);
      const spares = readV2?.binding?.protocol === 'V2' ? readV2.binding.spares : [];
      expect(spares).toHaveLength(2);
      for (const spare of spares) expect(spare.verifyIdExpiresAt).toBeInstanceOf(Date);
      expect(await repo.findById('no-such-id')).toBeNull();
    });

    it('reads a v2 binding sealed before spares existed without its raw name and ID number', async () => {
      const v = vectors[2]!;
      const s = aSession({ protocol: 'V2', livenessType: null, binding: v2Binding(2) });
      await repo.insert(s, anEventFor(s));
      const { spares: _spares, ...current } = s.binding as Extract<typeof s.binding, { protocol: 'V2' }>;
      const old = { ...current, certName: v.name, certNo: v.idCardNumber };
      await db.query('UPDATE verification_sessions SET binding_sealed = $1 WHERE id = $2', [
        cipher.encrypt(JSON.stringify(old), s.id),
        s.id,
      ]);
      const read = await repo.findById(s.id);
      expect(read?.binding).toEqual({ ...current, spares: [] });
      expect(
        await repo.update(
          { ...read!, version: read!.version + 1 },
          read!.version,
          anEventFor({ ...read!, version: read!.version + 1 }),
        ),
      ).toBe(true);
      const resealed = cipher.decrypt((await rawRow(s.id))?.binding_sealed as string, s.id);
      expect(resealed).not.toContain(v.name);
      expect(resealed).not.toContain(v.idCardNumber);
    });

    it('rejects a second insert with the same id', async () => {
      const s = aSession();
      await repo.insert(s, anEventFor(s));
      await expect(repo.insert(s, anEventFor(s))).rejects.toThrow();
    });

    it('update writes only when the stored version is the expected one', async () => {
      const s = aSession();
      await repo.insert(s, anEventFor(s));
      const next = { ...s, attempts: 1, version: 2 };
      expect(await repo.update(next, 1, anEventFor(next))).toBe(true);
      expect(
        await repo.update(
          { ...s, attempts: 2, version: 2 },
          1,
          anEventFor({ ...s, attempts: 2, version: 2 }),
        ),
      ).toBe(false);
      expect(await repo.findById(s.id)).toEqual(next);
      expect(
        await repo.update(
          { ...s, id: 'missing', version: 2 },
          1,
          anEventFor({ ...s, id: 'missing', version: 2 }),
        ),
      ).toBe(false);
    });

    it('of concurrent updates from one version, exactly one wins', async () => {
      const s = aSession();
      await repo.insert(s, anEventFor(s));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          repo.update(
            { ...s, attempts: i + 1, version: 2 },
            1,
            anEventFor({ ...s, attempts: i + 1, version: 2 }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await repo.findById(s.id))?.attempts).toBe(winner + 1);
    });

    it('stores the binding sealed: the raw row holds no MD5, cert hash, userIdKey, verifyId, name or ID number in clear', async () => {
      const legacy = aSession({ binding: legacyBinding(2) });
      const v2 = aSession({ protocol: 'V2', livenessType: null, binding: v2Binding(3) });
      await repo.insert(legacy, anEventFor(legacy));
      await repo.insert(v2, anEventFor(v2));
      for (const s of [legacy, v2]) {
        const row = await rawRow(s.id);
        const sealed = row?.binding_sealed;
        expect(sealed).toMatch(/^v2\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        const wholeRow = JSON.stringify(row);
        // Every value of the binding (MD5s / cert hash, userIdKey, verifyIds and out_seq_nos, spares included).
        const stringsOf = (o: object): string[] =>
          Object.entries(o)
            .filter(([key, value]) => key !== 'protocol' && typeof value === 'string')
            .map(([, value]) => value as string);
        const binding = s.binding ?? {};
        const secrets = [
          ...stringsOf(binding),
          ...(s.binding?.protocol === 'V2' ? s.binding.spares.flatMap((spare) => stringsOf(spare)) : []),
        ];
        expect(secrets.length).toBeGreaterThanOrEqual(s.protocol === 'V2' ? 7 : 3);
        for (const secret of secrets) expect(wholeRow).not.toContain(secret);
        // It opens with the key, and only for its own session.
        expect(JSON.parse(cipher.decrypt(sealed as string, s.id)).protocol).toBe(s.protocol);
        expect(() => cipher.decrypt(sealed as string, 'another-session')).toThrow();
      }
    });

    it('drops the binding when the session ends, even if the snapshot still carries it', async () => {
      const s = aSession();
      await repo.insert(s, anEventFor(s));
      expect((await rawRow(s.id))?.binding_sealed).not.toBeNull();
      const ended = {
        ...s,
        status: 'VERIFIED' as const,
        verifiedAt: at(1000),
        endedAt: at(1000),
        version: 2,
      };
      expect(await repo.update(ended, 1, anEventFor(ended))).toBe(true);
      expect((await rawRow(s.id))?.binding_sealed).toBeNull();
      expect((await repo.findById(s.id))?.binding).toBeNull();
      // The schema refuses a sealed binding on an ended session outright.
      await expect(
        db.query("UPDATE verification_sessions SET binding_sealed = 'v1.a.b.c' WHERE id = $1", [s.id]),
      ).rejects.toThrow();
    });

    describe('claimEvidence', () => {
      it('gives 20 concurrent claims of one hash exactly one acquired; the rest are busy', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        const claims = await Promise.all(
          Array.from({ length: 20 }, () =>
            repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }),
          ),
        );
        expect(claims.filter((c) => c.kind === 'acquired')).toHaveLength(1);
        expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(19);
        for (const c of claims) if (c.kind === 'busy') expect(c.sessionId).toBe(s.id);
      });

      it('gives claims from different sessions of one hash exactly one winner', async () => {
        const sessions = Array.from({ length: 6 }, () => aSession());
        for (const s of sessions) await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        const claims = await Promise.all(
          sessions.map((s) =>
            repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }),
          ),
        );
        expect(claims.filter((c) => c.kind === 'acquired')).toHaveLength(1);
        const winner = sessions[claims.findIndex((c) => c.kind === 'acquired')]!;
        for (const c of claims) if (c.kind === 'busy') expect(c.sessionId).toBe(winner.id);
      });

      it('stays busy within the lease and lets exactly one of several take over after it', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        expect(
          await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }),
        ).toEqual({
          kind: 'acquired',
        });
        // Just inside the lease the holder still owns it; once leaseMs has passed one of several takes over.
        expect(
          await repo.claimEvidence({
            evidenceHash: hash,
            sessionId: s.id,
            now: at(LEASE_MS - 1),
            leaseMs: LEASE_MS,
          }),
        ).toEqual({ kind: 'busy', sessionId: s.id });

        const later = at(LEASE_MS);
        const takers = await Promise.all(
          Array.from({ length: 8 }, () =>
            repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: later, leaseMs: LEASE_MS }),
          ),
        );
        expect(takers.filter((c) => c.kind === 'acquired')).toHaveLength(1);
        expect(takers.filter((c) => c.kind === 'busy')).toHaveLength(7);
        // The takeover renewed the lease from its own time.
        expect(
          (
            await repo.claimEvidence({
              evidenceHash: hash,
              sessionId: s.id,
              now: at(LEASE_MS + 2),
              leaseMs: LEASE_MS,
            })
          ).kind,
        ).toBe('busy');
      });

      it('never takes over a completed claim: the recorded outcome comes back instead', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS });
        const failed = { ...s, attempts: 1, lastError: failedOutcome.failure, version: 2 };
        expect(await repo.completeEvidence(hash, failedOutcome, failed, 1, anEventFor(failed))).toBe(true);
        const other = aSession();
        await repo.insert(other, anEventFor(other));
        const far = at(10 * LEASE_MS);
        for (const sessionId of [s.id, other.id]) {
          expect(
            await repo.claimEvidence({ evidenceHash: hash, sessionId, now: far, leaseMs: LEASE_MS }),
          ).toEqual({
            kind: 'completed',
            sessionId: s.id,
            outcome: failedOutcome,
          });
        }
      });

      it('lets released evidence be claimed again', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS });
        // Another session's release does not free it.
        await repo.releaseEvidence(hash, 'someone-else');
        expect(
          (await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }))
            .kind,
        ).toBe('busy');
        await repo.releaseEvidence(hash, s.id);
        expect(
          (await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }))
            .kind,
        ).toBe('acquired');
      });

      it('stores the evidence hash only as given', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = 'f'.repeat(64);
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS });
        const rows = await db.query<{ evidence_hash: string }>(
          'SELECT evidence_hash FROM evidence_claims WHERE session_id = $1',
          [s.id],
        );
        expect(rows).toEqual([{ evidence_hash: hash }]);
      });
    });

    describe('completeEvidence', () => {
      it('updates the session and records the outcome together', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS });
        const verified: VerificationSessionSnapshot = {
          ...s,
          status: 'VERIFIED',
          attempts: 1,
          verifiedAt: at(5000),
          endedAt: at(5000),
          observedLiveness: 'SCREEN_FLASH',
          version: 2,
        };
        const outcome: RecordedOutcome = { status: 'VERIFIED', failure: null, attempt: 1 };
        expect(await repo.completeEvidence(hash, outcome, verified, 1, anEventFor(verified))).toBe(true);
        expect(await repo.findById(s.id)).toEqual({ ...verified, binding: null });
        expect(
          await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }),
        ).toEqual({
          kind: 'completed',
          sessionId: s.id,
          outcome,
        });
      });

      it('with a stale version returns false and writes nothing (neither the session nor the outcome)', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hash = uniqueId('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS });
        const moved = { ...s, attempts: 1, version: 2 };
        expect(await repo.update(moved, 1, anEventFor(moved))).toBe(true);

        const stale = { ...s, status: 'FAILED' as const, attempts: 1, endedAt: at(1), version: 2 };
        expect(await repo.completeEvidence(hash, failedOutcome, stale, 1, anEventFor(stale))).toBe(false);
        expect(await repo.findById(s.id)).toEqual(moved);
        expect(
          await repo.claimEvidence({ evidenceHash: hash, sessionId: s.id, now: T0, leaseMs: LEASE_MS }),
        ).toEqual({
          kind: 'busy',
          sessionId: s.id,
        });
        const claim = await db.query<{ completed_at: Date | null; outcome_status: string | null }>(
          'SELECT completed_at, outcome_status FROM evidence_claims WHERE evidence_hash = $1',
          [hash],
        );
        expect(claim).toEqual([{ completed_at: null, outcome_status: null }]);
      });

      it('returns false and rolls the session back when the evidence already has an outcome', async () => {
        const first = aSession();
        const second = aSession();
        await repo.insert(first, anEventFor(first));
        await repo.insert(second, anEventFor(second));
        const hash = uniqueId('ev');
        await repo.claimEvidence({ evidenceHash: hash, sessionId: first.id, now: T0, leaseMs: LEASE_MS });
        expect(
          await repo.completeEvidence(
            hash,
            failedOutcome,
            { ...first, attempts: 1, version: 2 },
            1,
            anEventFor({ ...first, attempts: 1, version: 2 }),
          ),
        ).toBe(true);
        const verified = {
          ...second,
          status: 'VERIFIED' as const,
          verifiedAt: at(9),
          endedAt: at(9),
          version: 2,
        };
        expect(
          await repo.completeEvidence(
            hash,
            { status: 'VERIFIED', failure: null, attempt: 1 },
            verified,
            1,
            anEventFor(verified),
          ),
        ).toBe(false);
        expect(await repo.findById(second.id)).toEqual(second);
      });

      it('of concurrent completions of one session, exactly one is recorded', async () => {
        const s = aSession();
        await repo.insert(s, anEventFor(s));
        const hashes = Array.from({ length: 5 }, () => uniqueId('ev'));
        const results = await Promise.all(
          hashes.map((h, i) =>
            repo.completeEvidence(
              h,
              { ...failedOutcome, attempt: i + 1 },
              { ...s, attempts: i + 1, lastError: failedOutcome.failure, version: 2 },
              1,
              anEventFor({ ...s, attempts: i + 1, lastError: failedOutcome.failure, version: 2 }),
            ),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const rows = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM evidence_claims WHERE evidence_hash = ANY($1::text[])',
          [`{${hashes.join(',')}}`],
        );
        expect(rows[0]?.n).toBe(1);
      });
    });

    it('findExpirable returns PENDING sessions due at `now`, oldest expiry first, up to the limit', async () => {
      const base = at(1_000_000_000);
      const mk = (expiresInMs: number, status: VerificationSessionSnapshot['status'] = 'PENDING') =>
        aSession({
          status,
          createdAt: new Date(base.getTime() - 60_000),
          expiresAt: new Date(base.getTime() + expiresInMs),
          binding: status === 'PENDING' ? legacyBinding() : null,
          endedAt: status === 'PENDING' ? null : base,
        });
      const due1 = mk(-3000);
      const due2 = mk(-2000);
      const dueNow = mk(0);
      const notYet = mk(1);
      const ended = mk(-5000, 'CANCELED');
      for (const s of [dueNow, notYet, due2, ended, due1]) await repo.insert(s, anEventFor(s));
      const found = (await repo.findExpirable(base, 10_000)).filter((s) =>
        [due1, due2, dueNow, notYet, ended].some((x) => x.id === s.id),
      );
      expect(found.map((s) => s.id)).toEqual([due1.id, due2.id, dueNow.id]);
      const limited = await repo.findExpirable(base, 1);
      expect(limited).toHaveLength(1);
    });

    it('findLatestVerified returns the most recently verified session of that user only', async () => {
      const openid = uniqueId('o');
      const verified = (verifiedAtMs: number) =>
        aSession({
          openid,
          status: 'VERIFIED',
          binding: null,
          verifiedAt: at(verifiedAtMs),
          endedAt: at(verifiedAtMs),
        });
      const older = verified(1000);
      const newer = verified(5000);
      const failedLater = aSession({ openid, status: 'FAILED', binding: null, endedAt: at(9000) });
      const otherUser = aSession({
        status: 'VERIFIED',
        binding: null,
        verifiedAt: at(99_000),
        endedAt: at(99_000),
      });
      for (const s of [newer, older, failedLater, otherUser]) await repo.insert(s, anEventFor(s));
      expect((await repo.findLatestVerified(openid, 'default'))?.id).toBe(newer.id);
      expect(await repo.findLatestVerified(uniqueId('nobody'), 'default')).toBeNull();
    });

    describe('list', () => {
      const openid = uniqueId('list');
      const sessions: VerificationSessionSnapshot[] = [];

      beforeAll(async () => {
        // 12 sessions, two sharing each timestamp so the id tie-break matters; some VERIFIED.
        for (let i = 0; i < 12; i++) {
          const createdAt = at(2_000_000_000 + Math.floor(i / 2) * 1000);
          const verifiedSession = i % 3 === 0;
          const s = aSession({
            id: `list_${openid}_${String(i).padStart(2, '0')}`,
            openid,
            createdAt,
            expiresAt: new Date(createdAt.getTime() + 600_000),
            status: verifiedSession ? 'VERIFIED' : 'PENDING',
            binding: verifiedSession ? null : legacyBinding(),
            verifiedAt: verifiedSession ? createdAt : null,
            endedAt: verifiedSession ? createdAt : null,
          });
          sessions.push(s);
          await repo.insert(s, anEventFor(s));
        }
        // Someone else's, interleaved in time.
        const someoneElses = aSession({ createdAt: at(2_000_000_000 + 2500) });
        await repo.insert(someoneElses, anEventFor(someoneElses));
      });

      const newestFirst = () =>
        [...sessions].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));

      it('pages newest first by (createdAt, id) with no gaps or repeats', async () => {
        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | null = null;
        let pages = 0;
        for (;;) {
          const page = await repo.list({ openid }, 5, after);
          pages++;
          seen.push(...page.items.map((s) => s.id));
          if (!page.hasNextPage) break;
          const last = page.items[page.items.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        expect(pages).toBe(3);
        expect(seen).toEqual(newestFirst().map((s) => s.id));
      });

      it('reports hasNextPage false when the page ends exactly at the last row', async () => {
        const page = await repo.list({ openid }, 12, null);
        expect(page.items).toHaveLength(12);
        expect(page.hasNextPage).toBe(false);
        const short = await repo.list({ openid }, 11, null);
        expect(short.hasNextPage).toBe(true);
      });

      it('filters by status and by created time window (createdAfter inclusive, createdBefore exclusive)', async () => {
        const verified = await repo.list({ openid, status: 'VERIFIED' }, 100, null);
        expect(verified.items.map((s) => s.id)).toEqual(
          newestFirst()
            .filter((s) => s.status === 'VERIFIED')
            .map((s) => s.id),
        );
        const createdAfter = at(2_000_000_000 + 1000);
        const createdBefore = at(2_000_000_000 + 4000);
        const windowed = await repo.list({ openid, createdAfter, createdBefore }, 100, null);
        expect(windowed.items.map((s) => s.id)).toEqual(
          newestFirst()
            .filter((s) => s.createdAt >= createdAfter && s.createdAt < createdBefore)
            .map((s) => s.id),
        );
        expect(windowed.items).toHaveLength(6);
      });

      it('lists across users when no openid is given', async () => {
        const page = await repo.list(
          { createdAfter: at(2_000_000_000 + 2001), createdBefore: at(2_000_000_000 + 3000) },
          100,
          null,
        );
        expect(page.items.some((s) => s.openid !== openid)).toBe(true);
        expect(page.items).toHaveLength(1);
      });
    });

    it('keeps no name or ID number in any text column of any table (full dump)', async () => {
      // Exercise every table first, with every vector.
      for (let i = 0; i < vectors.length; i++) {
        const s = aSession({
          binding: i % 2 === 0 ? legacyBinding(i) : v2Binding(i),
          protocol: i % 2 === 0 ? 'LEGACY' : 'V2',
        });
        await repo.insert(s, anEventFor(s));
        await repo.claimEvidence({
          evidenceHash: uniqueId('ev'),
          sessionId: s.id,
          now: T0,
          leaseMs: LEASE_MS,
        });
      }
      await db.query(
        `INSERT INTO api_keys (id, name, prefix, secret_hash) VALUES ($1, 'svc', $2, 'hash') ON CONFLICT DO NOTHING`,
        [uniqueId('k'), uniqueId('p')],
      );
      await db.query(
        `INSERT INTO event_outbox (event_type, session_id, payload) VALUES ('verification.updated', 'x', '{}'::jsonb)`,
      );
      const dump = await dumpAllText(db);
      expect(dump.tables).toEqual(
        expect.arrayContaining([
          'verification_sessions',
          'evidence_claims',
          'api_keys',
          'event_outbox',
          'schema_migrations',
        ]),
      );
      expect(dump.text.length).toBeGreaterThan(1000);
      for (const v of vectors) {
        expect(dump.text).not.toContain(v.name);
        expect(dump.text).not.toContain(v.idCardNumber);
        expect(dump.text).not.toContain(v.idCardNumber.toLowerCase());
        // The hashes the rules compare are sealed, never in clear.
        expect(dump.text).not.toContain(v.idCardNumberMd5);
        expect(dump.text).not.toContain(v.nameUtf8Md5);
        expect(dump.text).not.toContain(v.certHash);
      }
    });

    if (harness.durable) {
      it('keeps its data across close and reopen', async () => {
        const s = aSession({ protocol: 'V2', livenessType: null, binding: v2Binding(4) });
        await repo.insert(s, anEventFor(s));
        await db.close();
        db = await openMigrated(harness);
        repo = new SqlVerificationSessionRepository(db, cipher);
        expect(await repo.findById(s.id)).toEqual(s);
      });
    }
  });
}

/** Every text-like column (text, varchar, json, jsonb, arrays) of every table in the public schema, as one string. */
async function dumpAllText(db: Database): Promise<{ tables: string[]; text: string }> {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
     ORDER BY table_name, ordinal_position`,
  );
  const tables = [...new Set(columns.map((c) => c.table_name))];
  const parts: string[] = [];
  for (const table of tables) {
    const cols = columns
      .filter((c) => c.table_name === table)
      .map((c) => `coalesce("${c.column_name}"::text, '')`);
    const rows = await db.query<{ t: string }>(
      `SELECT concat_ws(' | ', ${cols.join(', ')}) AS t FROM "${table}"`,
    );
    parts.push(...rows.map((r) => r.t));
  }
  return { tables, text: parts.join('\n') };
}
