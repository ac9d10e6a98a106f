import { beforeEach, describe, expect, it } from 'vitest';
import { signOut } from '../src/core';
import { createFaceGate } from '../src/lib/face-gate';
import { aConsentText, aVerification, MINOR_MESSAGE_ZH } from './support/fake-flow-deps';
import { fakeTransport, gqlError, ok } from './support/fake-transport';

const GATEWAY = 'https://gateway.test/graphql';
const signedIn = ok({ signIn: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } });
const OPTIONS = {
  alternative: { kind: 'PAGE', target: 'pages/counter/index', label: '到柜台办理' },
  contact: null,
  minors: 'REFUSE',
};

/** A wx for the plain API: scripted requests, a phone with v2, navigation and the clipboard recorded. */
function wxWith(answers: Parameters<typeof fakeTransport>[0], language = 'zh_CN') {
  const transport = fakeTransport(answers);
  const navigations: string[] = [];
  const clipboard: string[] = [];
  const faceRuns: string[] = [];
  const info = { SDKVersion: '3.9.2', version: '8.0.55', language };
  const wx = {
    request: transport.request,
    login: transport.login,
    getAppBaseInfo: () => info,
    getSystemInfoSync: () => info,
    canIUse: () => true,
    requestFacialVerify: (o: { verifyId: string; success?: (r: unknown) => void }) => {
      faceRuns.push(o.verifyId);
      queueMicrotask(() => o.success?.({ errCode: 0, errMsg: 'requestFacialVerify:ok' }));
    },
    navigateTo: (o: { url: string; success?: () => void }) => {
      navigations.push(o.url);
      queueMicrotask(() => o.success?.());
    },
    setClipboardData: (o: { data: string; success?: () => void }) => {
      clipboard.push(o.data);
      queueMicrotask(() => o.success?.());
    },
  };
  return { transport, wx: wx as never, navigations, clipboard, faceRuns };
}

const consentRequired = (currentVersion: string, consentKind = 'STANDARD') =>
  gqlError('BAD_USER_INPUT', 'consent required', { rule: 'CONSENT_REQUIRED', currentVersion, consentKind });

describe('createFaceGate: consent', () => {
  beforeEach(() => signOut());

  it('consentText: the current text without signing in, with what to show in the app’s language', async () => {
    const { transport, wx } = wxWith([ok({ consentText: aConsentText() })], 'en_US');
    const text = await createFaceGate({ gateway: GATEWAY, wx }).consentText();
    expect(text).toMatchObject({ version: 'v1', display: { language: 'en', declineLabel: 'Decline' } });
    expect(text.display.paragraphs[0]).toBe(
      'We will use your name, ID number and face to verify your identity.',
    );
    expect(transport.requests.map((r) => r.body.operationName)).toEqual(['ConsentText']);
    expect(transport.requests[0]?.options.header).not.toHaveProperty('authorization');
    expect(transport.requests[0]?.body.variables).toEqual({ kind: 'STANDARD' });
  });

  it("consentText names the app as signIn does: the mini program's appid, or the integrator's app", async () => {
    const detected = wxWith([ok({ consentText: aConsentText() })]);
    const inCard = Object.assign(detected.wx as object, {
      getAccountInfoSync: () => ({ miniProgram: { appId: 'wx0123456789abcdef', envVersion: 'release' } }),
    });
    await createFaceGate({ gateway: GATEWAY, wx: inCard as never }).consentText('GUARDIAN');
    expect(detected.transport.requests[0]?.body.variables).toEqual({
      kind: 'GUARDIAN',
      app: 'wx0123456789abcdef',
    });
    const named = wxWith([ok({ consentText: aConsentText() })]);
    await createFaceGate({ gateway: GATEWAY, app: 'card', wx: named.wx }).consentText();
    expect(named.transport.requests[0]?.body.variables).toEqual({ kind: 'STANDARD', app: 'card' });
    expect(named.transport.requests[0]?.options.header).not.toHaveProperty('authorization');
  });

  it('consentText rejects with CONSENT_UNAVAILABLE when nothing is published', async () => {
    const { wx } = wxWith([ok({ consentText: null })]);
    const error = await createFaceGate({ gateway: GATEWAY, wx })
      .consentText()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONSENT_UNAVAILABLE', retryable: true });
  });

  it('start sends the agreed version; CONSENT_REQUIRED is a typed error naming the version to show', async () => {
    const { transport, wx } = wxWith([signedIn, consentRequired('v2')]);
    const error = await createFaceGate({ gateway: GATEWAY, wx })
      .start({ name: '张三', idCardNumber: '11010519491231002X', consentVersion: 'v1' })
      .catch((e: unknown) => e);
    expect(transport.requests[1]?.body.variables).toMatchObject({ input: { consent: { version: 'v1' } } });
    expect(error).toMatchObject({
      code: 'CONSENT_REQUIRED',
      field: 'consent',
      details: { currentVersion: 'v2', consentKind: 'STANDARD' },
    });
  });

  it('MINOR_NEEDS_GUARDIAN: the gateway’s zh-CN message', async () => {
    const { wx } = wxWith([
      signedIn,
      gqlError('BAD_USER_INPUT', 'under 14', { rule: 'MINOR_NEEDS_GUARDIAN', messageZh: MINOR_MESSAGE_ZH }),
    ]);
    const error = await createFaceGate({ gateway: GATEWAY, wx })
      .start({ name: '李小', idCardNumber: '110105201801010019', consentVersion: 'v1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MINOR_NEEDS_GUARDIAN',
      message: MINOR_MESSAGE_ZH,
      retryable: false,
    });
  });

  it('runFaceCheck refuses a session without a receipt: no face API before consent is recorded', async () => {
    const { wx, faceRuns } = wxWith([]);
    const error = await createFaceGate({ gateway: GATEWAY, wx })
      .runFaceCheck(aVerification({ consentReceipt: null }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONSENT_REQUIRED' });
    expect(faceRuns).toEqual([]);
  });

  it('acceptConsent, then the face check runs', async () => {
    const accepted = aVerification({ id: 'biz' });
    const { transport, wx, faceRuns } = wxWith([signedIn, ok({ acceptConsent: accepted })]);
    const faceGate = createFaceGate({ gateway: GATEWAY, wx });
    const session = await faceGate.acceptConsent('biz', 'v1');
    expect(transport.requests[1]?.body).toMatchObject({
      operationName: 'AcceptConsent',
      variables: { verificationId: 'biz', version: 'v1' },
    });
    await faceGate.runFaceCheck(session);
    expect(faceRuns).toEqual(['vid-1']);
  });

  it('withdrawConsent cancels the session', async () => {
    const withdrawn = aVerification({ status: 'CANCELED', cancelReason: 'CONSENT_WITHDRAWN' });
    const { transport, wx } = wxWith([signedIn, ok({ withdrawConsent: withdrawn })]);
    const result = await createFaceGate({ gateway: GATEWAY, wx }).withdrawConsent(aVerification());
    expect(transport.requests[1]?.body.variables).toEqual({ verificationId: 'ver-1' });
    expect(result.cancelReason).toBe('CONSENT_WITHDRAWN');
  });
});

describe('createFaceGate: the other way to verify', () => {
  beforeEach(() => signOut());

  it('decline: what to offer, nothing recorded', async () => {
    const { transport, wx } = wxWith([ok({ verificationOptions: OPTIONS })]);
    expect(await createFaceGate({ gateway: GATEWAY, wx }).decline()).toEqual(OPTIONS);
    expect(transport.requests.map((r) => r.body.operationName)).toEqual(['VerificationOptions']);
  });

  it('chooseAlternative with a session: ends it, then navigates to the page', async () => {
    const ended = aVerification({ status: 'CANCELED', cancelReason: 'ALTERNATIVE_CHOSEN' });
    const { transport, wx, navigations } = wxWith([
      signedIn,
      ok({ chooseAlternative: ended }),
      ok({ verificationOptions: OPTIONS }),
    ]);
    const choice = await createFaceGate({ gateway: GATEWAY, wx }).chooseAlternative('ver-1');
    expect(transport.requests.map((r) => r.body.operationName)).toEqual([
      'SignIn',
      'ChooseAlternative',
      'VerificationOptions',
    ]);
    expect(choice.verification?.cancelReason).toBe('ALTERNATIVE_CHOSEN');
    expect(choice.opened).toEqual({ kind: 'PAGE', target: '/pages/counter/index', notice: '' });
    expect(navigations).toEqual(['/pages/counter/index']);
  });

  it('a web page: copies the link; without a session nothing is sent but the options', async () => {
    const url = {
      ...OPTIONS,
      alternative: { kind: 'URL', target: 'https://bank.example.com/x', label: '线下' },
    };
    const { transport, wx, clipboard, navigations } = wxWith([ok({ verificationOptions: url })]);
    const choice = await createFaceGate({ gateway: GATEWAY, wx }).chooseAlternative();
    expect(transport.requests.map((r) => r.body.operationName)).toEqual(['VerificationOptions']);
    expect(clipboard).toEqual(['https://bank.example.com/x']);
    expect(navigations).toEqual([]);
    expect(choice.opened).toMatchObject({ kind: 'URL', notice: expect.stringContaining('链接已复制') });
  });

  it('no alternative configured: the contact text; a failed chooseAlternative still opens', async () => {
    const none = { alternative: null, contact: '请致电 95555', minors: 'REFUSE' };
    const { wx } = wxWith([signedIn, { fail: 'request:fail timeout' }, ok({ verificationOptions: none })]);
    const choice = await createFaceGate({ gateway: GATEWAY, wx }).chooseAlternative('ver-1');
    expect(choice.verification).toBeNull();
    expect(choice.opened).toEqual({ kind: 'NONE', target: '', notice: '请致电 95555' });
  });
});
