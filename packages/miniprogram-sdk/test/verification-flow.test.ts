import { waitFor } from '@facegate/test-support';
import { describe, expect, it } from 'vitest';
import { GatewayRequestError } from '../src/lib/graphql-client';
import { chooseLivenessType, confirmInputOf, VerifyFlow } from '../src/lib/verification-flow';
import { NetworkError } from '../src/lib/wx-async';
import {
  ALL_CAPABILITIES,
  aConsentText,
  aVerification,
  FakeFaceClient,
  FakeGatewayApi,
  failsWith,
  recordStates,
} from './support/fake-flow-deps';

const IDENTITY = { name: '张三', idCardNumber: '11010519491231002X' };

function setup(
  options: {
    identity?: typeof IDENTITY | null;
    verificationId?: string;
    face?: FakeFaceClient;
    consent?: ReturnType<typeof aConsentText> | null;
  } = {},
) {
  const api = new FakeGatewayApi();
  const face = options.face ?? new FakeFaceClient();
  const recorder = recordStates();
  const identity = options.identity === undefined ? IDENTITY : options.identity;
  const flow = new VerifyFlow(
    { api, face, identity: () => identity, onState: recorder.onState },
    {
      verificationId: options.verificationId ?? null,
      // the form's text, agreed to (the consent tests below start without it)
      consent: options.consent === undefined ? aConsentText() : options.consent,
    },
  );
  return { api, face, flow, ...recorder };
}

describe('VerifyFlow', () => {
  it('runs v2 when the device supports it: start V2, requestFacialVerify with the verifyId, confirm', async () => {
    const { api, face, flow, last, states } = setup();
    await flow.run();
    expect(api.started).toEqual([{ ...IDENTITY, protocol: 'V2', consent: { version: 'v1' } }]);
    expect(face.v2Runs).toEqual([{ verifyId: 'vid-ver-1-0' }]);
    expect(face.legacyRuns).toEqual([]);
    expect(api.confirmed).toEqual([{ id: 'ver-1', verifyId: 'vid-ver-1-0' }]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
    expect(states.filter((s) => s.kind === 'working').map((s) => s.kind === 'working' && s.step)).toEqual([
      'device',
      'signing-in',
      'starting',
      'face',
      'confirming',
    ]);
  });

  it('runs legacy with the chosen liveness type when the device has no v2, passing the verifyResult', async () => {
    const face = new FakeFaceClient({ ...ALL_CAPABILITIES, v2: false, livenessTypes: ['READ_DIGITS'] });
    const { api, flow, last } = setup({ face });
    await flow.run();
    expect(api.started).toEqual([
      { ...IDENTITY, protocol: 'LEGACY', livenessType: 'READ_DIGITS', consent: { version: 'v1' } },
    ]);
    expect(face.supportChecks).toEqual([2]);
    expect(face.legacyRuns).toEqual([{ checkAliveType: 2, ...IDENTITY }]);
    expect(api.confirmed).toEqual([{ id: 'ver-1', verifyResult: 'vr-1' }]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('falls back to legacy when the gateway is not approved for v2', async () => {
    const { api, face, flow, last } = setup();
    api.enabledProtocols = ['LEGACY'];
    await flow.run();
    expect(api.started.map((s) => s.protocol)).toEqual(['V2', 'LEGACY']);
    expect(face.legacyRuns).toHaveLength(1);
    expect(last()).toMatchObject({ kind: 'finished' });
  });

  it('uses the userIdKey instead of the identity when the session provides one', async () => {
    const face = new FakeFaceClient({ ...ALL_CAPABILITIES, v2: false });
    const { api, flow } = setup({ face, identity: null, verificationId: 'biz-1' });
    api.sessions.set(
      'biz-1',
      aVerification({
        id: 'biz-1',
        protocol: 'LEGACY',
        clientParams: {
          __typename: 'LegacyClientParams',
          checkAliveType: 1,
          name: null,
          idCardNumber: null,
          userIdKey: 'uik',
        },
      }),
    );
    await flow.run();
    expect(api.started).toEqual([]);
    expect(face.legacyRuns).toEqual([{ checkAliveType: 1, userIdKey: 'uik' }]);
  });

  it('shows the failure reason from the taxonomy and retries with the fresh verifyId', async () => {
    const { api, face, flow, last } = setup();
    api.confirmScript.push(
      failsWith({ code: 'FACE_MISMATCH', message: 'x', retryable: true, upstreamCode: 10004 }),
    );
    await flow.run();
    expect(last()).toMatchObject({
      kind: 'attention',
      message: { text: '人脸与身份证照片不一致，请重试', retryable: true },
      verification: { attempts: 1 },
    });
    await flow.run();
    expect(api.started).toHaveLength(1);
    expect(face.v2Runs.map((r) => r.verifyId)).toEqual(['vid-ver-1-0', 'vid-ver-1-0+']);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('reports a client errCode (user cancel) to the gateway and stays usable', async () => {
    const { api, face, flow, last } = setup();
    face.nextErrCodes.push(90100);
    api.confirmScript.push(
      failsWith({ code: 'USER_CANCELED', message: 'x', retryable: true, upstreamCode: 90100 }),
    );
    await flow.run();
    expect(api.confirmed).toEqual([{ id: 'ver-1', verifyId: 'vid-ver-1-0', clientErrCode: 90100 }]);
    expect(last()).toMatchObject({ kind: 'attention', message: { retryable: true } });
    await flow.run();
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('offers no retry when the attempts are used up or the failure is final', async () => {
    const { api, flow, last } = setup();
    api.confirmScript.push((input, s) =>
      failsWith({ code: 'FACE_MISMATCH', message: 'x', retryable: true, upstreamCode: 10004 })(input, {
        ...s,
        attempts: 2,
      }),
    );
    await flow.run();
    expect(last()).toMatchObject({ kind: 'attention', message: { retryable: false } });
  });

  it('sends the failed session to the result page once it is FAILED', async () => {
    const { api, flow, last } = setup();
    api.confirmScript.push(
      failsWith({ code: 'NO_ID_PHOTO', message: 'x', retryable: false, upstreamCode: 10009 }, 'FAILED'),
    );
    await flow.run();
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'FAILED' } });
  });

  it('keeps the evidence when the confirm is lost to the network and re-sends it on retry', async () => {
    const face = new FakeFaceClient({ ...ALL_CAPABILITIES, v2: false });
    const { api, flow, last } = setup({ face });
    api.failNext.push({ op: 'confirm', error: new NetworkError('request:fail timeout') });
    await flow.run();
    expect(last()).toMatchObject({
      kind: 'attention',
      message: { text: '网络连接失败，请检查网络后重试', retryable: true },
    });
    await flow.run();
    expect(face.legacyRuns).toHaveLength(1);
    expect(api.confirmed).toEqual([{ id: 'ver-1', verifyResult: 'vr-1' }]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('reads the session when the re-sent confirm conflicts (the first one had arrived)', async () => {
    const { api, flow, last } = setup();
    api.confirmScript.push((_input, s) => {
      api.sessions.set(s.id, aVerification({ ...s, status: 'VERIFIED', clientParams: null }));
      return new GatewayRequestError('CONFLICT', 'already confirmed');
    });
    await flow.run();
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('replaces an expired session with a new one when it holds the identity', async () => {
    const { api, face, flow, last } = setup({ verificationId: 'old' });
    api.sessions.set('old', aVerification({ id: 'old', status: 'EXPIRED', clientParams: null }));
    await flow.run();
    expect(api.started).toHaveLength(1);
    expect(flow.currentVerificationId).toBe('ver-1');
    expect(face.v2Runs).toHaveLength(1);
    expect(last()).toMatchObject({ kind: 'finished', verification: { id: 'ver-1', status: 'VERIFIED' } });
  });

  it('ends on an expired business session (it cannot be replaced without the identity)', async () => {
    const { api, flow, last } = setup({ identity: null, verificationId: 'biz' });
    api.sessions.set('biz', aVerification({ id: 'biz', status: 'EXPIRED', clientParams: null }));
    await flow.run();
    expect(api.started).toEqual([]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'EXPIRED' } });
  });

  it('asks for the identity when there is neither a session nor an identity', async () => {
    const { api, flow, last } = setup({ identity: null });
    await flow.run();
    expect(api.started).toEqual([]);
    expect(last()).toMatchObject({ kind: 'attention', needsIdentity: true });
  });

  it('stops before any face API on a device that supports neither protocol', async () => {
    const face = new FakeFaceClient({ ...ALL_CAPABILITIES, v2: false, legacy: false });
    const { api, flow, last } = setup({ face });
    await flow.run();
    expect(api.signIns).toBe(0);
    expect(last()).toMatchObject({
      kind: 'attention',
      message: { text: '当前设备不支持人脸核身', retryable: false },
    });
  });

  it('stops when the legacy support check fails', async () => {
    const face = new FakeFaceClient({ ...ALL_CAPABILITIES, v2: false });
    face.supported = false;
    const { api, flow, last } = setup({ face });
    await flow.run();
    expect(face.legacyRuns).toEqual([]);
    expect(api.confirmed).toEqual([]);
    expect(last()).toMatchObject({ kind: 'attention', message: { retryable: false } });
  });

  it('resumes a face check that was left: re-reads the session and lets the user continue', async () => {
    const face = new FakeFaceClient();
    face.hold = true;
    const { api, flow, last } = setup({ face });
    const firstRun = flow.run();
    await waitFor('the face check', () => flow.isWaitingForFaceCheck);
    await flow.resume();
    expect(api.reads).toEqual(['ver-1']);
    expect(last()).toMatchObject({ kind: 'interrupted', verification: { id: 'ver-1' } });
    await flow.run({ supersede: true });
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
    face.release(); // the abandoned check answers late: it must not confirm again
    await firstRun;
    expect(api.confirmed).toHaveLength(1);
  });

  it('a resume finds the session already ended elsewhere and finishes', async () => {
    const face = new FakeFaceClient();
    face.hold = true;
    const { api, flow, last } = setup({ face });
    void flow.run();
    await waitFor('the face check', () => flow.isWaitingForFaceCheck);
    api.sessions.set('ver-1', aVerification({ id: 'ver-1', status: 'CANCELED', clientParams: null }));
    await flow.resume();
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'CANCELED' } });
  });

  it('a network failure while signing in is a clear, retryable message', async () => {
    const { api, flow, last } = setup();
    api.failNext.push({ op: 'signIn', error: new NetworkError('request:fail') });
    await flow.run();
    expect(last()).toMatchObject({
      kind: 'attention',
      message: { text: '网络连接失败，请检查网络后重试', retryable: true },
    });
    await flow.run();
    expect(last()).toMatchObject({ kind: 'finished' });
  });
});

describe('flow helpers', () => {
  it('prefers flash-or-digits, else what the client can run', () => {
    expect(chooseLivenessType(ALL_CAPABILITIES)).toBe('SCREEN_FLASH_OR_READ_DIGITS');
    expect(chooseLivenessType({ ...ALL_CAPABILITIES, livenessTypes: ['SCREEN_FLASH'] })).toBe('SCREEN_FLASH');
    expect(chooseLivenessType({ ...ALL_CAPABILITIES, livenessTypes: [] })).toBeUndefined();
  });

  it('confirm input carries only what the check produced', () => {
    expect(confirmInputOf('a', { errCode: 0, verifyResult: 'vr' })).toEqual({ id: 'a', verifyResult: 'vr' });
    expect(confirmInputOf('a', { errCode: 10004, verifyResult: 'vr' })).toEqual({
      id: 'a',
      verifyResult: 'vr',
      clientErrCode: 10004,
    });
    expect(confirmInputOf('a', { errCode: 90100, verifyResult: null })).toEqual({
      id: 'a',
      clientErrCode: 90100,
    });
  });
});
