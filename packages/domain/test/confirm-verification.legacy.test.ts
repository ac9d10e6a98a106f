import {
  ConcurrentModificationError,
  clientParamsOf,
  EvidenceAlreadyUsedError,
  EvidenceInProgressError,
  InvalidInputError,
  InvalidStateError,
  SessionNotFoundError,
  UpstreamProtocolError,
  UpstreamUnavailableError,
  type VerificationSessionSnapshot,
} from '@facegate/domain';
import {
  anEventFor,
  emptyLegacyInfo,
  InMemoryVerificationSessionRepository,
  makeVerificationDeps,
  TEST_OPENID,
  testIdentities,
} from '@facegate/domain/testing';
import { describe, expect, it, vi } from 'vitest';
import { confirm, error, identity, start, value } from './support/flows';

const setup = async (settings = {}) => {
  const deps = makeVerificationDeps({ settings });
  const session = await start(deps);
  const evidence = (over: Partial<Parameters<typeof deps.provider.issueLegacyEvidence>[0]> = {}) =>
    deps.provider.issueLegacyEvidence({
      openid: TEST_OPENID,
      name: identity.name,
      idCardNumber: identity.idCardNumber,
      ...over,
    });
  return { deps, session, evidence };
};

describe('ConfirmVerification, legacy', () => {
  it('verifies with passing evidence bound to the user and identity, dropping the binding', async () => {
    const { deps, session, evidence } = await setup();
    deps.clock.advance(60_000);
    const verifyResult = evidence();
    const s = value(await confirm(deps, { sessionId: session.id, verifyResult, clientErrCode: 0 }));
    expect(s).toMatchObject({
      status: 'VERIFIED',
      attempts: 1,
      binding: null,
      observedLiveness: 'SCREEN_FLASH',
      verifiedAt: deps.clock.now(),
      endedAt: deps.clock.now(),
      version: 2,
    });
    expect(deps.provider.legacyQueries).toEqual([verifyResult]);
    expect(await deps.repository.findById(session.id)).toEqual(s);
    expect(deps.events.of(session.id).map((e) => e.status)).toEqual(['PENDING', 'VERIFIED']);
    expect(clientParamsOf(s)).toBeNull();
    // Only the HMAC of the evidence is kept.
    expect(deps.repository.evidenceClaims()).toEqual([
      {
        evidenceHash: deps.digests.hmacHex('evidence', `legacy:${verifyResult}`),
        sessionId: session.id,
        completed: true,
      },
    ]);
  });

  it('records that digits were read when validate_data is present', async () => {
    const { deps, session, evidence } = await setup();
    const s = value(
      await confirm(deps, { sessionId: session.id, verifyResult: evidence({ validateData: '4821' }) }),
    );
    expect(s.observedLiveness).toBe('READ_DIGITS');
  });

  it('answers the same evidence again with the recorded outcome and no second upstream call', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence();
    const first = value(await confirm(deps, { sessionId: session.id, verifyResult }));
    const again = value(await confirm(deps, { sessionId: session.id, verifyResult }));
    expect(again).toEqual(first);
    expect(deps.provider.calls.fetchLegacyResult).toBe(1);
    expect(deps.events.of(session.id)).toHaveLength(2);
  });

  it('keeps the session pending after a retryable failure, and answers a repeat without an upstream call', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence({ identifyRet: 10004 });
    const s = value(await confirm(deps, { sessionId: session.id, verifyResult }));
    expect(s).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      lastError: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004, rule: 'identify_ret' },
      binding: session.binding,
    });
    expect(value(await confirm(deps, { sessionId: session.id, verifyResult }))).toEqual(s);
    expect(deps.provider.calls.fetchLegacyResult).toBe(1);
    const passed = value(await confirm(deps, { sessionId: session.id, verifyResult: evidence() }));
    expect(passed).toMatchObject({ status: 'VERIFIED', attempts: 2, lastError: { code: 'FACE_MISMATCH' } });
  });

  describe('the read that claims (findAndClaim)', () => {
    const hashOf = (deps: ReturnType<typeof makeVerificationDeps>, verifyResult: string) =>
      deps.digests.hmacHex('evidence', `legacy:${verifyResult}`);
    const isFree = async (deps: ReturnType<typeof makeVerificationDeps>, hash: string, sessionId: string) =>
      (
        await deps.repository.claimEvidence({
          evidenceHash: hash,
          sessionId,
          now: deps.clock.now(),
          leaseMs: 60_000,
        })
      ).kind === 'acquired';

    it('reads the session and claims its evidence in one call on the success path', async () => {
      const { deps, session, evidence } = await setup();
      const reads = vi.spyOn(deps.repository, 'findById');
      const claims = vi.spyOn(deps.repository, 'claimEvidence');
      const fused = vi.spyOn(deps.repository, 'findAndClaim');
      const s = value(await confirm(deps, { sessionId: session.id, verifyResult: evidence() }));
      expect(s).toMatchObject({ status: 'VERIFIED', attempts: 1, version: 2 });
      expect(fused).toHaveBeenCalledTimes(1);
      expect(reads).not.toHaveBeenCalled();
      expect(claims).not.toHaveBeenCalled();
    });

    it("another user's session is not found, and its evidence is left unclaimed", async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      const stranger = error(
        await confirm(deps, { sessionId: session.id, verifyResult, openid: 'o_someone_else' }),
      );
      expect(stranger).toBeInstanceOf(SessionNotFoundError);
      expect(deps.provider.calls.fetchLegacyResult).toBe(0);
      const owner = value(await confirm(deps, { sessionId: session.id, verifyResult, openid: TEST_OPENID }));
      expect(owner).toMatchObject({ status: 'VERIFIED', attempts: 1 });
    });

    it('gives the claim back when the session expires between the read and the confirmation', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      const read = deps.repository.findAndClaim.bind(deps.repository);
      vi.spyOn(deps.repository, 'findAndClaim').mockImplementationOnce(async (request) => {
        const answer = await read(request);
        deps.clock.set(session.expiresAt);
        return answer;
      });
      const e = error(await confirm(deps, { sessionId: session.id, verifyResult }));
      expect(e).toBeInstanceOf(InvalidStateError);
      expect(deps.provider.calls.fetchLegacyResult).toBe(0);
      expect(await isFree(deps, hashOf(deps, verifyResult), session.id)).toBe(true);
    });

    it('gives the claim back when the confirmation throws before using it', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      const read = deps.repository.findAndClaim.bind(deps.repository);
      vi.spyOn(deps.repository, 'findAndClaim').mockImplementationOnce(async (request) => {
        const answer = await read(request);
        deps.clock.set(session.expiresAt); // due: the confirmation first writes the expiry, which fails
        return answer;
      });
      vi.spyOn(deps.repository, 'update').mockRejectedValueOnce(new Error('connection lost'));
      await expect(confirm(deps, { sessionId: session.id, verifyResult })).rejects.toThrow('connection lost');
      expect(await isFree(deps, hashOf(deps, verifyResult), session.id)).toBe(true);
    });
  });

  it('fails the session on the last allowed attempt', async () => {
    const { deps, session, evidence } = await setup({ maxAttempts: 2 });
    value(await confirm(deps, { sessionId: session.id, verifyResult: evidence({ identifyRet: 10002 }) }));
    const s = value(
      await confirm(deps, { sessionId: session.id, verifyResult: evidence({ identifyRet: 10004 }) }),
    );
    expect(s).toMatchObject({
      status: 'FAILED',
      attempts: 2,
      binding: null,
      lastError: { code: 'FACE_MISMATCH' },
    });
  });

  it.each([
    [{ identifyRet: 10003 }, 'ID_NUMBER_MISMATCH', 'identify_ret'],
    [{ identifyRet: 10009 }, 'NO_ID_PHOTO', 'identify_ret'],
    [{ identifyRet: 90109 }, 'DEVICE_UNSUPPORTED', 'identify_ret'],
    [{ openid: 'o_someone_else' }, 'OPENID_MISMATCH', 'openid'],
    [{ idCardNumber: testIdentities.valid[1].idCardNumber }, 'IDENTITY_MISMATCH', 'id_card_number_md5'],
    [{ name: testIdentities.valid[1].name }, 'IDENTITY_MISMATCH', 'name_utf8_md5'],
  ])('ends the session FAILED at once for %j (%s)', async (over, code, rule) => {
    const { deps, session, evidence } = await setup();
    const s = value(await confirm(deps, { sessionId: session.id, verifyResult: evidence(over) }));
    expect(s).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      binding: null,
      lastError: { code, rule, retryable: false },
    });
  });

  it('fails evidence from before the session began', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence({ at: new Date(session.createdAt.getTime() - 61_000) });
    const s = value(await confirm(deps, { sessionId: session.id, verifyResult }));
    expect(s.lastError).toMatchObject({ code: 'STALE_EVIDENCE', rule: 'identify_time' });
  });

  it('a garbage or expired verifyResult is refused as input and uses up no attempt (attack: failing a session with garbage)', async () => {
    const { deps, session, evidence } = await setup();
    for (let i = 0; i < 4; i++) {
      const refused = error(await confirm(deps, { sessionId: session.id, verifyResult: 'forged' }));
      expect(refused).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'verifyResult',
        rule: 'EVIDENCE_REJECTED',
      });
    }
    const old = evidence();
    deps.clock.advance(5 * 60_000 + 1);
    expect(error(await confirm(deps, { sessionId: session.id, verifyResult: old }))).toMatchObject({
      rule: 'EVIDENCE_REJECTED',
    });
    expect(await deps.repository.findById(session.id)).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      lastError: null,
    });
    // the refused evidence was given back: a real result still confirms
    expect(value(await confirm(deps, { sessionId: session.id, verifyResult: evidence() }))).toMatchObject({
      status: 'VERIFIED',
      attempts: 1,
    });
  });

  it('refuses a verifyId (v2 evidence) for a legacy session, with no upstream call', async () => {
    const { deps, session, evidence } = await setup();
    expect(
      error(await confirm(deps, { sessionId: session.id, verifyResult: evidence(), verifyId: 'v' })),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'verifyId', rule: 'NOT_FOR_LEGACY' });
    expect(deps.provider.calls.fetchLegacyResult).toBe(0);
  });

  it('fails a passing answer with a missing field as RESULT_INCOMPLETE, never a pass', async () => {
    const { deps, session, evidence } = await setup();
    deps.provider.scriptLegacyResult({ ...emptyLegacyInfo(0), identifyRet: 0, openid: TEST_OPENID });
    const s = value(await confirm(deps, { sessionId: session.id, verifyResult: evidence() }));
    expect(s).toMatchObject({
      status: 'PENDING',
      lastError: { code: 'RESULT_INCOMPLETE', rule: 'id_card_number_md5' },
    });
  });

  it('refuses evidence another session used, leaving this one untouched', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence();
    value(await confirm(deps, { sessionId: session.id, verifyResult }));
    const other = await start(deps);
    expect(error(await confirm(deps, { sessionId: other.id, verifyResult }))).toBeInstanceOf(
      EvidenceAlreadyUsedError,
    );
    expect(await deps.repository.findById(other.id)).toEqual(other);
    expect(deps.provider.calls.fetchLegacyResult).toBe(1);
  });

  describe('client-reported errors', () => {
    it('fail an attempt without an upstream call when there is no verifyResult', async () => {
      const { deps, session } = await setup();
      const s = value(await confirm(deps, { sessionId: session.id, clientErrCode: 90100 }));
      expect(s).toMatchObject({
        status: 'PENDING',
        attempts: 1,
        lastError: { code: 'USER_CANCELED', retryable: true, upstreamCode: 90100, rule: 'client_err_code' },
      });
      expect(deps.provider.calls.fetchLegacyResult).toBe(0);
      expect(deps.events.of(session.id)).toHaveLength(2);
      const t = value(await confirm(deps, { sessionId: session.id, clientErrCode: 90109 }));
      expect(t).toMatchObject({
        status: 'FAILED',
        lastError: { code: 'DEVICE_UNSUPPORTED', retryable: false },
      });
    });

    it('can never make an attempt pass: passing evidence with a client error fails', async () => {
      const { deps, session, evidence } = await setup();
      const s = value(
        await confirm(deps, { sessionId: session.id, verifyResult: evidence(), clientErrCode: 90100 }),
      );
      expect(s).toMatchObject({ status: 'PENDING', lastError: { code: 'USER_CANCELED' } });
    });

    it('cannot soften an upstream failure', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence({ identifyRet: 10003 });
      const s = value(await confirm(deps, { sessionId: session.id, verifyResult, clientErrCode: 90100 }));
      expect(s).toMatchObject({ status: 'FAILED', lastError: { code: 'ID_NUMBER_MISMATCH' } });
    });

    it('prove nothing when zero: a verifyResult is required', async () => {
      const { deps, session } = await setup();
      for (const command of [
        { clientErrCode: 0 },
        {},
        { verifyResult: '' },
        { verifyResult: null, clientErrCode: null },
      ]) {
        const e = error(await confirm(deps, { sessionId: session.id, ...command }));
        expect(e).toBeInstanceOf(InvalidInputError);
        expect(e).toMatchObject({ field: 'verifyResult', rule: 'VERIFY_RESULT_REQUIRED' });
      }
      expect(await deps.repository.findById(session.id)).toEqual(session);
    });
  });

  describe('upstream trouble', () => {
    it('uses up no attempt and frees the evidence for a retry', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      deps.provider.scriptLegacyResult(new UpstreamUnavailableError(), { ...emptyLegacyInfo(-1) });
      await expect(confirm(deps, { sessionId: session.id, verifyResult })).rejects.toBeInstanceOf(
        UpstreamUnavailableError,
      );
      await expect(confirm(deps, { sessionId: session.id, verifyResult })).rejects.toMatchObject({
        upstreamCode: -1,
      });
      expect(await deps.repository.findById(session.id)).toEqual(session);
      expect(deps.repository.evidenceClaims()).toEqual([]);
      const s = value(await confirm(deps, { sessionId: session.id, verifyResult }));
      expect(s.status).toBe('VERIFIED');
    });

    it('lets a malformed answer propagate, releasing the claim', async () => {
      const { deps, session, evidence } = await setup();
      deps.provider.scriptLegacyResult(new UpstreamProtocolError('not JSON'));
      await expect(confirm(deps, { sessionId: session.id, verifyResult: evidence() })).rejects.toBeInstanceOf(
        UpstreamProtocolError,
      );
      expect(deps.repository.evidenceClaims()).toEqual([]);
    });
  });

  describe('state', () => {
    it('refuses new evidence for an ended session without keeping a claim on it', async () => {
      const { deps, session, evidence } = await setup();
      const verified = value(await confirm(deps, { sessionId: session.id, verifyResult: evidence() }));
      const e = error(await confirm(deps, { sessionId: session.id, verifyResult: evidence() }));
      expect(e).toBeInstanceOf(InvalidStateError);
      expect(e).toMatchObject({ status: 'VERIFIED', command: 'confirm' });
      expect(error(await confirm(deps, { sessionId: session.id, clientErrCode: 90100 }))).toBeInstanceOf(
        InvalidStateError,
      );
      expect(deps.repository.evidenceClaims()).toHaveLength(1);
      expect(await deps.repository.findById(session.id)).toEqual(verified);
    });

    it('expires a pending session past its expiry first', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      deps.clock.advance(30 * 60_000);
      const e = error(await confirm(deps, { sessionId: session.id, verifyResult }));
      expect(e).toMatchObject({ code: 'INVALID_STATE', status: 'EXPIRED' });
      expect(await deps.repository.findById(session.id)).toMatchObject({ status: 'EXPIRED', binding: null });
      expect(deps.events.of(session.id).map((x) => x.status)).toEqual(['PENDING', 'EXPIRED']);
      expect(deps.provider.calls.fetchLegacyResult).toBe(0);
    });

    it('answers an unknown session with SessionNotFoundError', async () => {
      const deps = makeVerificationDeps();
      expect(error(await confirm(deps, { sessionId: 'ses_nope', verifyResult: 'x' }))).toBeInstanceOf(
        SessionNotFoundError,
      );
      expect(error(await confirm(deps, { sessionId: '', verifyResult: 'x' }))).toBeInstanceOf(
        SessionNotFoundError,
      );
    });

    it.each([
      [{ clientErrCode: 1.5 }, 'clientErrCode'],
      [{ clientErrCode: Number.NaN }, 'clientErrCode'],
      [{ verifyResult: 'v'.repeat(4097) }, 'verifyResult'],
      [{ verifyResult: 42 as unknown as string }, 'verifyResult'],
    ])('rejects malformed input %#', async (command, field) => {
      const { deps, session } = await setup();
      expect(error(await confirm(deps, { sessionId: session.id, ...command }))).toMatchObject({
        code: 'INVALID_INPUT',
        field,
      });
    });
  });

  describe('concurrency', () => {
    it('makes one upstream call for concurrent confirmations of one piece of evidence', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      const release = deps.provider.hold();
      const first = confirm(deps, { sessionId: session.id, verifyResult });
      const second = confirm(deps, { sessionId: session.id, verifyResult });
      // Let the second one find the evidence busy and start waiting, then let the first one's call finish.
      await vi.waitUntil(() => deps.sleeps.length > 0, { timeout: 10_000 });
      release();
      const [a, b] = [value(await first), value(await second)];
      expect(a.status).toBe('VERIFIED');
      expect(b).toEqual(a);
      expect(deps.provider.calls.fetchLegacyResult).toBe(1);
    });

    it('gives up with EvidenceInProgressError when the holder does not finish within busyWaitMs', async () => {
      const { deps, session, evidence } = await setup({ busyWaitMs: 1000 });
      const verifyResult = evidence();
      const evidenceHash = deps.digests.hmacHex('evidence', `legacy:${verifyResult}`);
      await deps.repository.claimEvidence({
        evidenceHash,
        sessionId: session.id,
        now: deps.clock.now(),
        leaseMs: 30_000,
      });
      expect(error(await confirm(deps, { sessionId: session.id, verifyResult }))).toBeInstanceOf(
        EvidenceInProgressError,
      );
      expect(deps.sleeps.reduce((a, b) => a + b, 0)).toBe(1000);
      expect(deps.provider.calls.fetchLegacyResult).toBe(0);
    });

    it('takes over a claim whose holder died (lease passed) while waiting', async () => {
      const { deps, session, evidence } = await setup({ busyWaitMs: 10_000, evidenceLeaseMs: 1000 });
      const verifyResult = evidence();
      const evidenceHash = deps.digests.hmacHex('evidence', `legacy:${verifyResult}`);
      await deps.repository.claimEvidence({
        evidenceHash,
        sessionId: session.id,
        now: deps.clock.now(),
        leaseMs: 1000,
      });
      const s = value(await confirm(deps, { sessionId: session.id, verifyResult }));
      expect(s.status).toBe('VERIFIED');
      expect(deps.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1200);
    });

    it('refuses evidence another session is confirming right now', async () => {
      const { deps, session, evidence } = await setup();
      const verifyResult = evidence();
      const evidenceHash = deps.digests.hmacHex('evidence', `legacy:${verifyResult}`);
      await deps.repository.claimEvidence({
        evidenceHash,
        sessionId: 'ses_other',
        now: deps.clock.now(),
        leaseMs: 30_000,
      });
      expect(error(await confirm(deps, { sessionId: session.id, verifyResult }))).toBeInstanceOf(
        EvidenceAlreadyUsedError,
      );
      expect(deps.sleeps).toEqual([]);
    });

    /** A repository where another writer changes the session just before each of the first `n` completions. */
    class RacingRepository extends InMemoryVerificationSessionRepository {
      constructor(
        private races: number,
        private readonly race: (s: VerificationSessionSnapshot) => VerificationSessionSnapshot,
      ) {
        super();
      }
      override async completeEvidence(
        ...args: Parameters<InMemoryVerificationSessionRepository['completeEvidence']>
      ): Promise<boolean> {
        if (this.races > 0) {
          this.races -= 1;
          const stored = (await this.findById(args[2].id))!;
          const raced = { ...this.race(stored), version: stored.version + 1 };
          await this.update(raced, stored.version, anEventFor(raced));
        }
        return super.completeEvidence(...args);
      }
    }
    const otherAttempt = (s: VerificationSessionSnapshot) => ({ ...s, attempts: s.attempts + 1 });

    it('re-applies the outcome once on a version conflict', async () => {
      const deps = makeVerificationDeps({ repository: new RacingRepository(1, otherAttempt) });
      const session = await start(deps);
      const verifyResult = deps.provider.issueLegacyEvidence({
        openid: TEST_OPENID,
        ...identity,
        identifyRet: 10004,
      });
      const s = value(await confirm(deps, { sessionId: session.id, verifyResult }));
      expect(s).toMatchObject({ status: 'PENDING', attempts: 2, version: 3 });
      expect(await deps.repository.findById(session.id)).toEqual(s);
    });

    it('throws ConcurrentModificationError after a second conflict, releasing the claim', async () => {
      const deps = makeVerificationDeps({ repository: new RacingRepository(2, otherAttempt) });
      const session = await start(deps);
      const verifyResult = deps.provider.issueLegacyEvidence({ openid: TEST_OPENID, ...identity });
      await expect(confirm(deps, { sessionId: session.id, verifyResult })).rejects.toBeInstanceOf(
        ConcurrentModificationError,
      );
      expect(deps.repository.evidenceClaims()).toEqual([]);
    });

    it('does not record onto a session that was cancelled meanwhile', async () => {
      const cancelled = (s: VerificationSessionSnapshot) => ({
        ...s,
        status: 'CANCELED' as const,
        binding: null,
        endedAt: s.createdAt,
      });
      const deps = makeVerificationDeps({ repository: new RacingRepository(1, cancelled) });
      const session = await start(deps);
      const verifyResult = deps.provider.issueLegacyEvidence({ openid: TEST_OPENID, ...identity });
      expect(error(await confirm(deps, { sessionId: session.id, verifyResult }))).toMatchObject({
        status: 'CANCELED',
      });
      expect(deps.repository.evidenceClaims()).toEqual([]);
    });
  });
});
