import { clientParamsOf, InvalidStateError, UpstreamUnavailableError } from '@facegate/domain';
import {
  anEventFor,
  aSessionSnapshot,
  aV2Binding,
  makeVerificationDeps,
  TEST_OPENID,
} from '@facegate/domain/testing';
import { describe, expect, it, vi } from 'vitest';
import { confirm, error, identity, start, value } from './support/flows';

const setup = async (settings = {}) => {
  const deps = makeVerificationDeps({ settings });
  const session = await start(deps, { protocol: 'V2' });
  return { deps, session };
};

describe('ConfirmVerification, v2', () => {
  it('verifies when queryverifyinfo answers verify_ret 10000 for the bound verifyId, out_seq_no, cert_hash, openid', async () => {
    const { deps, session } = await setup();
    const s = value(await confirm(deps, { sessionId: session.id, clientErrCode: 0 }));
    expect(s).toMatchObject({
      status: 'VERIFIED',
      attempts: 1,
      binding: null,
      observedLiveness: null,
      version: 2,
    });
    expect(deps.provider.v2Queries).toEqual([
      {
        app: 'default',
        verifyId: 'fake-verify-id-1',
        outSeqNo: 'seq000001',
        certHash: identity.certHash,
        openid: TEST_OPENID,
      },
    ]);
    expect(deps.repository.evidenceClaims()).toEqual([
      {
        evidenceHash: deps.digests.hmacHex('evidence', 'v2:fake-verify-id-1'),
        sessionId: session.id,
        completed: true,
      },
    ]);
    expect(deps.events.of(session.id).map((e) => e.status)).toEqual(['PENDING', 'VERIFIED']);
  });

  it('answers a repeat after the outcome with the outcome, without upstream calls', async () => {
    const { deps, session } = await setup();
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(value(await confirm(deps, { sessionId: session.id }))).toEqual(s);
    expect(deps.provider.calls).toEqual({ prepare: 3, fetchLegacyResult: 0, fetchV2Result: 1 });
  });

  it('moves on to the next verifyId prepared at start after a retryable failure, with no getverifyid call', async () => {
    const { deps, session } = await setup();
    const spares = session.binding?.protocol === 'V2' ? session.binding.spares : [];
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    deps.clock.advance(40_000);
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      lastError: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004, rule: 'verify_ret' },
    });
    expect(s.binding).toEqual({
      protocol: 'V2',
      certHash: identity.certHash,
      ...spares[0],
      spares: spares.slice(1),
    });
    expect(s.binding).toMatchObject({ verifyId: 'fake-verify-id-2', outSeqNo: 'seq000002' });
    expect(deps.provider.calls.prepare).toBe(3);
    expect(s.expiresAt).toEqual(session.expiresAt);
    expect(clientParamsOf(s)).toEqual({ protocol: 'V2', verifyId: 'fake-verify-id-2' });
    const t = value(await confirm(deps, { sessionId: session.id }));
    expect(t).toMatchObject({ status: 'VERIFIED', attempts: 2 });
    expect(deps.provider.v2Queries.map((q) => [q.verifyId, q.outSeqNo])).toEqual([
      ['fake-verify-id-1', 'seq000001'],
      ['fake-verify-id-2', 'seq000002'],
    ]);
    expect(deps.provider.calls.prepare).toBe(3);
  });

  it('gives every attempt its own prepared verifyId, then fails on the last', async () => {
    const { deps, session } = await setup();
    for (const n of [1, 2, 3])
      deps.provider.setV2Outcome(`fake-verify-id-${n}`, { errcode: 0, verifyRet: 10004 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(value(await confirm(deps, { sessionId: session.id })).status);
    expect(statuses).toEqual(['PENDING', 'PENDING', 'FAILED']);
    expect(deps.provider.v2Queries.map((q) => q.verifyId)).toEqual([
      'fake-verify-id-1',
      'fake-verify-id-2',
      'fake-verify-id-3',
    ]);
    expect(deps.provider.calls).toEqual({ prepare: 3, fetchLegacyResult: 0, fetchV2Result: 3 });
    expect(await deps.repository.findById(session.id)).toMatchObject({ attempts: 3, binding: null });
  });

  it('fails on the last attempt without preparing another verifyId', async () => {
    const { deps, session } = await setup({ maxAttempts: 1 });
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      binding: null,
      lastError: { code: 'FACE_MISMATCH' },
    });
    expect(deps.provider.calls.prepare).toBe(1);
  });

  it('ends FAILED after a retryable failure when no prepared verifyId is left, attempts or not', async () => {
    const deps = makeVerificationDeps();
    const stored = aSessionSnapshot({ protocol: 'V2', binding: aV2Binding({ spares: [] }) });
    await deps.repository.insert(stored, anEventFor(stored));
    const s = value(await confirm(deps, { sessionId: stored.id, clientErrCode: 90003 }));
    expect(s).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      maxAttempts: 3,
      binding: null,
      // the kind of failure is retryable, the session is not: a FAILED session never says retryable
      lastError: { code: 'USER_CANCELED', retryable: false },
    });
    expect(deps.provider.calls.prepare).toBe(0);
  });

  it.each([
    [{ errcode: 0, verifyRet: 10003 }, 'ID_NUMBER_MISMATCH'],
    [{ errcode: 0, verifyRet: 90001 }, 'DEVICE_UNSUPPORTED'],
  ])('ends FAILED at once on %j', async (answer, code) => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', answer);
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({ status: 'FAILED', lastError: { code, retryable: false } });
    expect(deps.provider.calls.prepare).toBe(3);
  });

  it('confirming before the face check finished (84005) uses up no attempt, however often (attack)', async () => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 84005, verifyRet: null });
    for (let i = 0; i < 5; i++) {
      const refused = error(await confirm(deps, { sessionId: session.id }));
      expect(refused).toMatchObject({ code: 'ATTEMPT_NOT_FINISHED', upstreamCode: 84005 });
    }
    const stored = await deps.repository.findById(session.id);
    expect(stored).toMatchObject({ status: 'PENDING', attempts: 0, lastError: null, version: 1 });
    // the device then finishes: the same verifyId is confirmed and passes
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10000 });
    expect(value(await confirm(deps, { sessionId: session.id }))).toMatchObject({
      status: 'VERIFIED',
      attempts: 1,
    });
  });

  it.each([
    [84001, 'INVALID_INPUT'],
    [84003, 'INVALID_INPUT'],
    [40029, 'UPSTREAM_PROTOCOL'],
    [99999, 'UPSTREAM_PROTOCOL'],
  ])(
    'errcode %i from queryverifyinfo is no face-check outcome: %s, no attempt used',
    async (errcode, code) => {
      const { deps, session } = await setup();
      deps.provider.setV2Outcome('fake-verify-id-1', { errcode, verifyRet: null });
      let seen: unknown;
      try {
        const result = await confirm(deps, { sessionId: session.id });
        seen = result.ok ? result.value : result.error;
      } catch (thrown) {
        seen = thrown;
      }
      expect(seen).toMatchObject({ code });
      expect(await deps.repository.findById(session.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    },
  );

  it('refuses a verifyResult (legacy evidence) for a v2 session, with no upstream call', async () => {
    const { deps, session } = await setup();
    expect(error(await confirm(deps, { sessionId: session.id, verifyResult: 'x' }))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'verifyResult',
      rule: 'NOT_FOR_V2',
    });
    expect(deps.provider.calls.fetchV2Result).toBe(0);
  });

  it('fails a pass-less answer with no verify_ret as RESULT_INCOMPLETE', async () => {
    const { deps, session } = await setup();
    deps.provider.scriptV2Result({ errcode: 0, verifyRet: null });
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s.lastError).toMatchObject({ code: 'RESULT_INCOMPLETE', rule: 'verify_ret' });
  });

  it('records a client-reported failure without asking WeChat, and moves on to a fresh verifyId', async () => {
    const { deps, session } = await setup();
    const s = value(await confirm(deps, { sessionId: session.id, clientErrCode: 90003 }));
    expect(s).toMatchObject({
      status: 'PENDING',
      lastError: { code: 'USER_CANCELED', rule: 'client_err_code' },
    });
    expect(deps.provider.calls.fetchV2Result).toBe(0);
    expect(clientParamsOf(s)).toEqual({ protocol: 'V2', verifyId: 'fake-verify-id-2' });
  });

  it('answers a resend naming the verifyId of an earlier attempt with the session as it is, counting nothing twice', async () => {
    const { deps, session } = await setup();
    const first = { sessionId: session.id, clientErrCode: 10004, verifyId: 'fake-verify-id-1' };
    const s = value(await confirm(deps, first));
    expect(s).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(clientParamsOf(s)).toEqual({ protocol: 'V2', verifyId: 'fake-verify-id-2' });
    // the answer was lost and the client sends the same confirmation again
    expect(value(await confirm(deps, first))).toEqual(s);
    expect(deps.repository.evidenceClaims()).toHaveLength(1);
    expect(deps.events.of(session.id).map((e) => e.attempts)).toEqual([0, 1]);
    const t = value(
      await confirm(deps, { sessionId: session.id, clientErrCode: 0, verifyId: 'fake-verify-id-2' }),
    );
    expect(t).toMatchObject({ status: 'VERIFIED', attempts: 2 });
    expect(deps.provider.v2Queries.map((q) => q.verifyId)).toEqual(['fake-verify-id-2']);
  });

  it('refuses a verifyId the session never had current, and leaves no claim behind', async () => {
    const { deps, session } = await setup();
    for (const verifyId of ['fake-verify-id-2', 'made-up']) {
      expect(error(await confirm(deps, { sessionId: session.id, verifyId }))).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'verifyId',
        rule: 'VERIFY_ID_NOT_CURRENT',
      });
    }
    expect(error(await confirm(deps, { sessionId: session.id, verifyId: '' }))).toMatchObject({
      rule: 'VERIFY_ID_INVALID',
    });
    expect(deps.repository.evidenceClaims()).toEqual([]);
    expect(deps.provider.calls.fetchV2Result).toBe(0);
    expect(await deps.repository.findById(session.id)).toEqual(session);
  });

  it('uses up no attempt when WeChat is unavailable', async () => {
    const { deps, session } = await setup();
    deps.provider.scriptV2Result(new UpstreamUnavailableError(), { errcode: -1, verifyRet: null });
    await expect(confirm(deps, { sessionId: session.id })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(confirm(deps, { sessionId: session.id })).rejects.toMatchObject({ upstreamCode: -1 });
    expect(await deps.repository.findById(session.id)).toEqual(session);
    expect(deps.repository.evidenceClaims()).toEqual([]);
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(deps.provider.calls.prepare).toBe(3);
  });

  it('refuses to confirm a cancelled or expired session', async () => {
    const { deps, session } = await setup();
    const canceled = {
      ...session,
      status: 'CANCELED' as const,
      binding: null,
      endedAt: deps.clock.now(),
      version: 2,
    };
    await deps.repository.update(canceled, 1, anEventFor(canceled));
    expect(error(await confirm(deps, { sessionId: session.id }))).toBeInstanceOf(InvalidStateError);
    const other = await start(deps, { protocol: 'V2' });
    deps.clock.set(other.expiresAt);
    expect(error(await confirm(deps, { sessionId: other.id }))).toMatchObject({ status: 'EXPIRED' });
    expect(deps.provider.calls.fetchV2Result).toBe(0);
  });

  it('makes one upstream call for concurrent confirmations', async () => {
    const { deps, session } = await setup();
    const release = deps.provider.hold();
    const first = confirm(deps, { sessionId: session.id });
    const second = confirm(deps, { sessionId: session.id });
    await vi.waitUntil(() => deps.sleeps.length > 0, { timeout: 10_000 });
    release();
    const [a, b] = [value(await first), value(await second)];
    expect(a.status).toBe('VERIFIED');
    expect(b).toEqual(a);
    expect(deps.provider.calls.fetchV2Result).toBe(1);
  });
});
