import { clientParamsOf, InvalidStateError, UpstreamUnavailableError } from '@facegate/domain';
import { makeVerificationDeps, TEST_OPENID } from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import { confirm, error, identity, macrotask, start, value } from './support/flows';

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
    expect(deps.provider.calls).toEqual({ prepare: 1, fetchLegacyResult: 0, fetchV2Result: 1 });
  });

  it('prepares a fresh verifyId and out_seq_no after a retryable failure, then verifies with it', async () => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    deps.clock.advance(40_000);
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      lastError: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 10004, rule: 'verify_ret' },
      binding: { verifyId: 'fake-verify-id-2', outSeqNo: 'seq000002', certHash: identity.certHash },
    });
    expect(deps.provider.prepareInputs[1]).toEqual({
      protocol: 'V2',
      openid: TEST_OPENID,
      outSeqNo: 'seq000002',
      name: identity.name,
      idCardNumber: identity.idCardNumber,
    });
    expect(s.binding?.protocol === 'V2' && s.binding.verifyIdExpiresAt).toEqual(
      new Date(deps.clock.now().getTime() + 3600_000),
    );
    expect(s.expiresAt).toEqual(session.expiresAt);
    expect(clientParamsOf(s)).toEqual({ protocol: 'V2', verifyId: 'fake-verify-id-2' });
    const t = value(await confirm(deps, { sessionId: session.id }));
    expect(t).toMatchObject({ status: 'VERIFIED', attempts: 2 });
    expect(deps.provider.v2Queries.map((q) => q.verifyId)).toEqual(['fake-verify-id-1', 'fake-verify-id-2']);
  });

  it('shortens the session to a shorter-lived fresh verifyId', async () => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10002 });
    deps.provider.scriptPrepare({ expiresInSeconds: 60 });
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s.expiresAt).toEqual(new Date(deps.clock.now().getTime() + 60_000));
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

  it.each([
    [{ errcode: 0, verifyRet: 10003 }, 'ID_NUMBER_MISMATCH'],
    [{ errcode: 0, verifyRet: 90001 }, 'DEVICE_UNSUPPORTED'],
    [{ errcode: 84001, verifyRet: null }, 'EVIDENCE_INVALID'],
  ])('ends FAILED at once on %j', async (answer, code) => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', answer);
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({ status: 'FAILED', lastError: { code, retryable: false } });
    expect(deps.provider.calls.prepare).toBe(1);
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

  it('ends FAILED when WeChat refuses the next verifyId', async () => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    deps.provider.scriptPrepare({ errcode: 10042 });
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      binding: null,
      lastError: { code: 'FACE_MISMATCH' },
    });
  });

  it('uses up no attempt when WeChat is unavailable, for the query or for the next verifyId', async () => {
    const { deps, session } = await setup();
    deps.provider.scriptV2Result(new UpstreamUnavailableError(), { errcode: -1, verifyRet: null });
    await expect(confirm(deps, { sessionId: session.id })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(confirm(deps, { sessionId: session.id })).rejects.toMatchObject({ upstreamCode: -1 });
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    deps.provider.scriptPrepare(new UpstreamUnavailableError(), { errcode: -1 });
    await expect(confirm(deps, { sessionId: session.id })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(confirm(deps, { sessionId: session.id })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(await deps.repository.findById(session.id)).toEqual(session);
    expect(deps.repository.evidenceClaims()).toEqual([]);
    const s = value(await confirm(deps, { sessionId: session.id }));
    expect(s).toMatchObject({ status: 'PENDING', attempts: 1 });
  });

  it('throws for a getverifyid success without a verify_id', async () => {
    const { deps, session } = await setup();
    deps.provider.setV2Outcome('fake-verify-id-1', { errcode: 0, verifyRet: 10004 });
    deps.provider.scriptPrepare({ id: null });
    await expect(confirm(deps, { sessionId: session.id })).rejects.toMatchObject({
      code: 'UPSTREAM_PROTOCOL',
    });
    expect(deps.repository.evidenceClaims()).toEqual([]);
  });

  it('ignores a verifyResult: the session knows its verifyId', async () => {
    const { deps, session } = await setup();
    value(await confirm(deps, { sessionId: session.id, verifyResult: 'something' }));
    expect(deps.provider.v2Queries[0]?.verifyId).toBe('fake-verify-id-1');
  });

  it('refuses to confirm a cancelled or expired session', async () => {
    const { deps, session } = await setup();
    await deps.repository.update(
      { ...session, status: 'CANCELED', binding: null, endedAt: deps.clock.now(), version: 2 },
      1,
    );
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
    while (deps.sleeps.length === 0) await macrotask();
    release();
    const [a, b] = [value(await first), value(await second)];
    expect(a.status).toBe('VERIFIED');
    expect(b).toEqual(a);
    expect(deps.provider.calls.fetchV2Result).toBe(1);
  });
});
