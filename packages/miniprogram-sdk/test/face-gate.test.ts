import { waitFor } from '@facegate/test-support';
import { beforeEach, describe, expect, it } from 'vitest';
import { signOut } from '../src/core';
import { createFaceGate, FaceGateError, outcomeOf } from '../src/lib/face-gate';
import { verifyViewOf } from '../src/lib/verify-view';
import { aVerification } from './support/fake-flow-deps';
import { fakeTransport, gqlError, ok } from './support/fake-transport';

const GATEWAY = 'https://gateway.test/graphql';
const signedIn = ok({ signIn: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } });

/** A wx for the plain API: scripted requests, and a phone with both face APIs. */
function wxWith(answers: Parameters<typeof fakeTransport>[0]) {
  const transport = fakeTransport(answers);
  const wx = {
    ...transport,
    request: transport.request,
    login: transport.login,
    getAppBaseInfo: () => ({ SDKVersion: '3.9.2', version: '8.0.55' }),
    getSystemInfoSync: () => ({ SDKVersion: '3.9.2', version: '8.0.55' }),
    canIUse: () => true,
    requestFacialVerify: (o: { success?: (r: unknown) => void }) =>
      queueMicrotask(() => o.success?.({ errCode: 0, errMsg: 'requestFacialVerify:ok' })),
  };
  return { transport, wx: wx as never };
}

describe('createFaceGate', () => {
  beforeEach(() => signOut());

  it('refuses a missing or malformed gateway address at once, in zh-CN', () => {
    expect(() => createFaceGate({ gateway: '' })).toThrow(FaceGateError);
    expect(() => createFaceGate({ gateway: 'facegate.example.com' })).toThrow(
      'FaceGate 服务地址未配置或格式不正确',
    );
  });

  it('signs in to the mini program it runs in: the appid from wx.getAccountInfoSync, read once', async () => {
    const { transport, wx } = wxWith([signedIn]);
    let reads = 0;
    const withAccount = Object.assign(wx as object, {
      getAccountInfoSync: () => {
        reads += 1;
        return { miniProgram: { appId: 'wx0123456789abcdef', envVersion: 'release' } };
      },
    });
    const faceGate = createFaceGate({ gateway: GATEWAY, wx: withAccount as never });
    await faceGate.signIn();
    await faceGate.signIn();
    // a second set-up in the same mini program (the component makes one per step) asks no more
    createFaceGate({ gateway: GATEWAY, wx: withAccount as never });
    expect(transport.requests.map((r) => r.body.variables)).toEqual([
      { code: 'code-1', app: 'wx0123456789abcdef' },
    ]);
    expect(reads).toBe(1);
  });

  it('sends the app the integrator named instead of the detected appid', async () => {
    const { transport, wx } = wxWith([signedIn]);
    const withAccount = Object.assign(wx as object, {
      getAccountInfoSync: () => ({ miniProgram: { appId: 'wx0123456789abcdef', envVersion: 'release' } }),
    });
    await createFaceGate({ gateway: GATEWAY, app: 'retail', wx: withAccount as never }).signIn();
    expect(transport.requests[0]?.body.variables).toEqual({ code: 'code-1', app: 'retail' });
  });

  it('sends no app when the base library cannot tell its appid (the gateway uses its default app)', async () => {
    const missing = wxWith([signedIn]);
    await createFaceGate({ gateway: GATEWAY, wx: missing.wx }).signIn();
    expect(missing.transport.requests[0]?.body.variables).toEqual({ code: 'code-1' });

    signOut();
    const broken = wxWith([signedIn]);
    const throwing = Object.assign(broken.wx as object, {
      getAccountInfoSync: () => {
        throw new Error('getAccountInfoSync:fail not supported');
      },
    });
    await createFaceGate({ gateway: GATEWAY, wx: throwing as never }).signIn();
    expect(broken.transport.requests[0]?.body.variables).toEqual({ code: 'code-1' });
  });

  it("does not reuse one app's token for another app on the same gateway", async () => {
    const { transport, wx } = wxWith([
      ok({ signIn: { token: 'retail-token', expiresAt: '2099-01-01T00:00:00Z' } }),
      ok({ signIn: { token: 'card-token', expiresAt: '2099-01-01T00:00:00Z' } }),
      ok({ verification: null }),
    ]);
    await createFaceGate({ gateway: GATEWAY, app: 'retail', wx }).signIn();
    await expect(createFaceGate({ gateway: GATEWAY, app: 'card', wx }).get('ver-1')).resolves.toBeNull();
    expect(transport.requests.map((r) => r.body.operationName)).toEqual([
      'SignIn',
      'SignIn',
      'GetVerification',
    ]);
    expect(transport.requests[1]?.body.variables).toMatchObject({ app: 'card' });
    expect(transport.requests[2]?.options.header?.authorization).toBe('Bearer card-token');
  });

  it('refuses a malformed app at once', () => {
    for (const app of ['', 'retail shop', 'x'.repeat(65), 42]) {
      expect(() => createFaceGate({ gateway: GATEWAY, app: app as string })).toThrow(
        expect.objectContaining({ code: 'INVALID_APP', field: 'app' }),
      );
    }
  });

  it('checks the name with the domain rule before any request', async () => {
    const { transport, wx } = wxWith([]);
    const error = await createFaceGate({ gateway: GATEWAY, wx })
      .start({ name: '', idCardNumber: '11010519491231002X' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_NAME', field: 'name', retryable: false });
    expect(transport.requests).toEqual([]);
  });

  it('watch reads until the session ends, reporting each state', async () => {
    const pending = aVerification({ status: 'PENDING' });
    const done = aVerification({
      status: 'FAILED',
      lastError: { code: 'FACE_MISMATCH', message: 'x', retryable: true, upstreamCode: null },
    });
    const { wx } = wxWith([
      signedIn,
      ok({ verification: pending }),
      ok({ verification: pending }),
      ok({ verification: done }),
    ]);
    const seen: string[] = [];
    const final = await createFaceGate({ gateway: GATEWAY, wx }).watch('ver-1', {
      intervalMs: 1,
      onUpdate: (v) => seen.push(v.status),
    });
    expect(seen).toEqual(['PENDING', 'PENDING', 'FAILED']);
    expect(final.status).toBe('FAILED');
    // an ended session is never retryable, whatever the failure
    expect(outcomeOf(final)).toMatchObject({ code: 'FACE_MISMATCH', retryable: false });
  });

  it('watch.stop() ends the reads and rejects with STOPPED', async () => {
    const pending = aVerification({ status: 'PENDING' });
    const { transport, wx } = wxWith([signedIn, ok({ verification: pending })]);
    const watch = createFaceGate({ gateway: GATEWAY, wx }).watch('ver-1', { intervalMs: 60_000 });
    const settled = watch.catch((e: unknown) => e);
    await waitFor('the first read', () => transport.requests.length >= 2, { intervalMs: 5 });
    watch.stop();
    expect(await settled).toMatchObject({ code: 'STOPPED' });
    expect(transport.requests).toHaveLength(2);
  });

  it('confirm turns a gateway refusal into a typed error; a CONFLICT is answered by the session', async () => {
    const verified = aVerification({ status: 'VERIFIED' });
    const { wx } = wxWith([
      signedIn,
      gqlError('CONFLICT'),
      ok({ verification: verified }),
      gqlError('RATE_LIMITED'),
    ]);
    const faceGate = createFaceGate({ gateway: GATEWAY, wx });
    expect((await faceGate.confirm('ver-1', { id: 'ver-1', verifyId: 'v' })).status).toBe('VERIFIED');
    const limited = await faceGate.confirm('ver-1', { id: 'ver-1', verifyId: 'v' }).catch((e: unknown) => e);
    expect(limited).toMatchObject({
      code: 'RATE_LIMITED',
      message: '操作过于频繁，请稍后再试',
      retryable: true,
    });
  });

  it('runFaceCheck runs what the session asks for and returns the evidence', async () => {
    const { wx } = wxWith([]);
    const evidence = await createFaceGate({ gateway: GATEWAY, wx }).runFaceCheck(aVerification());
    expect(evidence).toEqual({ id: 'ver-1', verifyId: 'vid-1' });
  });
});

describe('the component view', () => {
  it('shows masked forms and a retry only when retryable', () => {
    const view = verifyViewOf({
      kind: 'attention',
      message: { code: 'X', text: 'm', retryable: false },
      verification: aVerification({ attempts: 1 }),
      needsIdentity: false,
    });
    expect(view).toMatchObject({
      phase: 'attention',
      canRetry: false,
      maskedName: '张*',
      attemptsText: '已尝试 1/3 次',
    });
  });
});
