// @vitest-environment jsdom
/**
 * <facegate-verify>'s consent and alternative, rendered by miniprogram-simulate in a host mini program built
 * as teams build it (the SDK from miniprogram_npm), with wx.request answered by the in-memory gateway of the
 * flow tests (FakeGatewayApi) through the fake transport's response shapes.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRequestError } from '../src/lib/graphql-client';
import { buildSdkIntoTempDir } from './support/build-sdk';
import {
  aConsentText,
  aVerification,
  FakeGatewayApi,
  failsWith,
  MINOR_MESSAGE_ZH,
} from './support/fake-flow-deps';
import { gqlError, ok } from './support/fake-transport';
import { buildHostWith } from './support/host-fixture';
import { MiniProgramHarness, MODERN_PHONE } from './support/miniprogram-harness';

const GATEWAY = 'http://gateway.test/graphql';
const IDENTITY = { name: '张三', idCardNumber: '11010519491231002X' };
const CHILD_ID = '110105201801010019';

let sdkDist: string;
let host: string;

beforeAll(() => {
  sdkDist = buildSdkIntoTempDir();
  host = buildHostWith(sdkDist, GATEWAY);
});

afterAll(() => {
  for (const dir of [sdkDist, host]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const phones: MiniProgramHarness[] = [];
afterEach(() => {
  for (const h of phones.splice(0)) h.closePage();
});

/** The variables of every operation the component sends (input: each operation's own input type). */
type Vars = {
  kind: 'STANDARD' | 'GUARDIAN';
  id: string;
  verificationId: string;
  version: string;
  input: never;
};
type Body = { operationName: string; variables: Vars };

/** The gateway's GraphQL answers, from FakeGatewayApi; its GatewayRequestErrors as GraphQL errors. */
async function answer(api: FakeGatewayApi, body: Body) {
  const v = body.variables;
  const call: Record<string, () => Promise<unknown>> = {
    SignIn: async () => ({ signIn: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } }),
    ConsentText: async () => ({ consentText: await api.consentText(v.kind) }),
    VerificationOptions: async () => ({ verificationOptions: await api.verificationOptions() }),
    StartVerification: async () => ({ startVerification: await api.startVerification(v.input) }),
    GetVerification: async () => ({ verification: await api.verification(v.id) }),
    AcceptConsent: async () => ({ acceptConsent: await api.acceptConsent(v.verificationId, v.version) }),
    ChooseAlternative: async () => ({ chooseAlternative: await api.chooseAlternative(v.verificationId) }),
    ConfirmVerification: async () => ({ confirmVerification: await api.confirmVerification(v.input) }),
  };
  try {
    const op = call[body.operationName];
    if (!op) throw new Error(`unexpected ${body.operationName}`);
    return ok(await op());
  } catch (error) {
    if (!(error instanceof GatewayRequestError)) throw error;
    return gqlError(error.code, error.message, { field: error.field, ...error.extensions });
  }
}

function phone(options: { language?: string } = {}) {
  const api = new FakeGatewayApi();
  const h = new MiniProgramHarness(host, GATEWAY, 'http://sandbox.test', {
    openid: 'o_privacy',
    ...MODERN_PHONE,
  });
  phones.push(h);
  const operations: string[] = [];
  const signIns: unknown[] = [];
  const calls: string[] = [];
  const clipboard: string[] = [];
  const baseInfo = { SDKVersion: '3.9.2', version: '8.0.55', language: options.language ?? 'zh_CN' };
  Object.assign((globalThis as unknown as { wx: Record<string, unknown> }).wx, {
    getAppBaseInfo: () => baseInfo,
    getSystemInfoSync: () => baseInfo,
    login: (o: { success: (r: unknown) => void }) => setTimeout(() => o.success({ code: 'c' }), 0),
    request: (o: { data: string; success: (r: unknown) => void; fail: (r: unknown) => void }) => {
      const body = JSON.parse(o.data) as Body;
      operations.push(body.operationName);
      if (body.operationName === 'SignIn') signIns.push(body.variables);
      calls.push(body.operationName);
      answer(api, body).then(
        (res) => setTimeout(() => o.success(res), 0),
        (error: Error) => setTimeout(() => o.fail({ errMsg: `request:fail ${error.message}` }), 0),
      );
    },
    requestFacialVerify: (o: { verifyId: string; success: (r: unknown) => void }) => {
      calls.push('requestFacialVerify');
      setTimeout(() => o.success({ errCode: 0, errMsg: 'requestFacialVerify:ok' }), 0);
    },
    setClipboardData: (o: { data: string; success: () => void }) => {
      clipboard.push(o.data);
      setTimeout(() => o.success(), 0);
    },
  });
  return { h, api, operations, signIns, calls, clipboard };
}

const pageData = (h: MiniProgramHarness) => h.page?.instance.data as Record<string, unknown>;
const faceCalls = (calls: string[]) => calls.filter((c) => c === 'requestFacialVerify').length;

async function fillForm(h: MiniProgramHarness, idCardNumber = IDENTITY.idCardNumber) {
  await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
  await h.type('.name-input', IDENTITY.name);
  await h.type('.id-input', idCardNumber);
  await h.change('.consent-check', { value: ['agree'] });
}

describe('<facegate-verify>: consent from the gateway', () => {
  it('form: shows the current text (zh-CN) and sends its version with the start', async () => {
    const { h, api } = phone();
    h.open('/pages/index/index');
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    expect(h.text('.consent-text')).toContain('我们将使用您的姓名、身份证号码和人脸信息核验身份');
    expect(h.text('.consent-version')).toBe('版本 v1');
    await fillForm(h);
    await h.tap('.submit');
    await h.waitFor(() => h.text('.done') === 'VERIFIED', 'the verification');
    expect(api.started.map((s) => s.consent)).toEqual([{ version: 'v1' }]);
  });

  it("signs in to the host's own app: the appid wx.getAccountInfoSync tells, or the app property", async () => {
    const own = phone();
    own.h.open('/pages/index/index');
    await fillForm(own.h);
    await own.h.tap('.submit');
    await own.h.waitFor(() => own.h.text('.done') === 'VERIFIED', 'the verification');
    expect(own.signIns).toEqual([{ code: 'c', app: 'wx_sandbox_app' }]);

    const named = phone();
    named.h.open('/pages/index/index');
    named.h.page?.instance.setData?.({ app: 'retail' });
    await fillForm(named.h);
    await named.h.tap('.submit');
    await named.h.waitFor(() => named.h.text('.done') === 'VERIFIED', 'the verification');
    // the host page's own createFaceGate names no app: its appid, so the component's token is not reused
    expect(named.signIns).toEqual([
      { code: 'c', app: 'retail' },
      { code: 'c', app: 'wx_sandbox_app' },
    ]);
  });

  it('shows the English text when the mini program is in English and the operator published one', async () => {
    const { h } = phone({ language: 'en' });
    h.open('/pages/index/index');
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    expect(h.text('.consent-text')).toContain('We will use your name, ID number and face');
    expect(h.text('.decline')).toBe('Decline');
  });

  it('falls back to zh-CN in English when there is no English text', async () => {
    const { h, api } = phone({ language: 'en' });
    api.texts.STANDARD = aConsentText({ textEn: null });
    h.open('/pages/index/index');
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    expect(h.text('.consent-text')).toContain('我们将使用您的姓名');
  });

  it('CONSENT_REQUIRED on start: the new text is shown; agreeing starts again with its version', async () => {
    const { h, api, calls } = phone();
    h.open('/pages/index/index');
    await fillForm(h);
    // the operator publishes v2 while the form is open
    api.texts.STANDARD = aConsentText({ version: 'v2', textZh: '更新后的告知：第二版。' });
    await h.tap('.submit');
    await h.waitFor(() => h.exists('.agree'), 'the new text');
    expect(h.text('.consent-changed')).toBe('个人信息处理告知已更新，请阅读并同意后继续');
    expect(h.text('.consent-paragraph')).toBe('更新后的告知：第二版。');
    expect(faceCalls(calls)).toBe(0);
    await h.tap('.agree');
    await h.waitFor(() => h.text('.done') === 'VERIFIED', 'the verification');
    expect(api.started.map((s) => s.consent?.version)).toEqual(['v1', 'v2']);
  });

  it('a service-started session: the text first, acceptConsent, and only then the face API', async () => {
    const { h, api, calls } = phone();
    api.sessions.set('biz', aVerification({ id: 'biz', consentReceipt: null }));
    h.open('/pages/session/index?verificationId=biz');
    await h.waitFor(() => h.exists('.agree'), 'the consent screen');
    expect(h.exists('.name-input')).toBe(false);
    expect(faceCalls(calls)).toBe(0);
    await h.tap('.agree');
    await h.waitFor(() => h.text('.done') === 'VERIFIED', 'the verified event');
    const accept = calls.indexOf('AcceptConsent');
    expect(accept).toBeGreaterThan(-1);
    expect(calls.indexOf('requestFacialVerify')).toBeGreaterThan(accept);
    expect(api.accepted).toEqual([{ verificationId: 'biz', version: 'v1' }]);
  });

  it('declining: no face API, the canceled event, and the alternative offered', async () => {
    const { h, calls } = phone();
    h.open('/pages/index/index');
    await h.waitFor(() => h.exists('.decline'), 'the decline button');
    await h.tap('.decline');
    expect(pageData(h).failure).toBe('canceled:user');
    expect(h.exists('.declined-message')).toBe(true);
    expect(h.text('.alternative-button')).toBe('到柜台办理');
    expect(faceCalls(calls)).toBe(0);
  });

  it('MINOR_NEEDS_GUARDIAN: the gateway’s zh-CN message and the alternative', async () => {
    const { h, api, calls } = phone();
    api.minors.add(CHILD_ID);
    h.open('/pages/index/index');
    await fillForm(h, CHILD_ID);
    await h.tap('.submit');
    await h.waitFor(() => h.exists('.message'), 'the refusal');
    expect(h.text('.message')).toBe(MINOR_MESSAGE_ZH);
    expect(h.exists('.retry')).toBe(false);
    expect(h.text('.alternative-button')).toBe('到柜台办理');
    expect(faceCalls(calls)).toBe(0);
  });
});

describe('<facegate-verify>: never the only way', () => {
  it('before the face check: opens the operator’s page; there is no session to end', async () => {
    const { h, operations } = phone();
    h.open('/pages/index/index');
    await h.waitFor(() => h.exists('.alternative-button'), 'the alternative');
    await h.tap('.alternative-button');
    await h.waitFor(() => h.navigations.length > 0, 'the navigation');
    expect(h.navigations).toEqual(['/pages/counter/index']);
    expect(operations).not.toContain('ChooseAlternative');
  });

  it('after a failure: ends the session with chooseAlternative, then opens the page', async () => {
    const { h, api } = phone();
    api.confirmScript.push(
      failsWith({ code: 'FACE_MISMATCH', message: 'x', retryable: true, upstreamCode: 10004 }),
    );
    h.open('/pages/index/index');
    await fillForm(h);
    await h.tap('.submit');
    await h.waitFor(() => h.exists('.retry'), 'the failure');
    expect(h.text('.alternative-button')).toBe('到柜台办理');
    await h.tap('.alternative-button');
    await h.waitFor(() => h.navigations.length > 0, 'the navigation');
    expect(api.alternativesChosen).toEqual(['ver-1']);
    expect(api.sessions.get('ver-1')).toMatchObject({
      status: 'CANCELED',
      cancelReason: 'ALTERNATIVE_CHOSEN',
    });
    expect(h.navigations).toEqual(['/pages/counter/index']);
    // the identity is dropped with the session
    expect(h.componentData()).toMatchObject({ name: '', idCardNumber: '' });
  });

  it('a web page: the link is copied and the user told so', async () => {
    const { h, api, clipboard } = phone();
    api.options = {
      alternative: { kind: 'URL', target: 'https://bank.example.com/counter', label: '预约线下办理' },
      contact: null,
      minors: 'REFUSE',
    };
    h.open('/pages/index/index');
    await h.waitFor(() => h.text('.alternative-button') === '预约线下办理', 'the alternative');
    await h.tap('.alternative-button');
    await h.waitFor(() => h.exists('.alternative-notice'), 'the notice');
    expect(clipboard).toEqual(['https://bank.example.com/counter']);
    expect(h.text('.alternative-notice')).toContain('链接已复制');
    expect(h.navigations).toEqual([]);
  });

  it('without a configured alternative: the operator’s contact text, no button', async () => {
    const { h, api } = phone();
    api.options = { alternative: null, contact: '请致电 95555 办理', minors: 'REFUSE' };
    h.open('/pages/index/index');
    await h.waitFor(() => h.text('.alternative-contact') === '请致电 95555 办理', 'the contact text');
    expect(h.text('.alternative-contact')).toBe('请致电 95555 办理');
    expect(h.exists('.alternative-button')).toBe(false);
  });

  it('the options cannot be read: a default contact sentence, the form still works', async () => {
    const { h, api, operations } = phone();
    api.failNext.push({ op: 'options', error: new GatewayRequestError('UPSTREAM_UNAVAILABLE', 'x') });
    h.open('/pages/index/index');
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    await h.waitFor(() => !api.failNext.length, 'the options read');
    expect(h.text('.alternative-contact')).toContain('请联系本小程序的客服');
    expect(h.exists('.alternative-button')).toBe(false);
    // read once per set-up, though both the attach and the gateway property ask
    expect(operations.filter((o) => o === 'VerificationOptions')).toHaveLength(1);
  });
});
