import { describe, expect, it } from 'vitest';
import { GatewayRequestError } from '../src/lib/graphql-client';
import { requestErrorMessage } from '../src/lib/messages';
import { consentRequiredOf, minorRefusalOf } from '../src/lib/privacy';
import { VerifyFlow } from '../src/lib/verification-flow';
import {
  aConsentText,
  aVerification,
  consentRequired,
  FakeFaceClient,
  FakeGatewayApi,
  GUARDIAN_TEXT,
  MINOR_MESSAGE_ZH,
  recordStates,
} from './support/fake-flow-deps';

const IDENTITY = { name: '张三', idCardNumber: '11010519491231002X' };
const CHILD = { name: '李小', idCardNumber: '110105201801010019' };

function setup(
  options: {
    identity?: typeof IDENTITY | null;
    verificationId?: string;
    consent?: ReturnType<typeof aConsentText> | null;
  } = {},
) {
  const api = new FakeGatewayApi();
  const face = new FakeFaceClient();
  const recorder = recordStates();
  const identity = options.identity === undefined ? IDENTITY : options.identity;
  const flow = new VerifyFlow(
    { api, face, identity: () => identity, onState: recorder.onState },
    { verificationId: options.verificationId ?? null, consent: options.consent ?? null },
  );
  const faceRuns = () => face.v2Runs.length + face.legacyRuns.length;
  return { api, face, flow, faceRuns, ...recorder };
}

describe('consent before the face check', () => {
  it('without an agreed text: fetches the current one and asks; nothing is started, no face API runs', async () => {
    const { api, flow, last, faceRuns } = setup();
    await flow.run();
    expect(api.textReads).toEqual(['STANDARD']);
    expect(last()).toMatchObject({ kind: 'consent', text: { version: 'v1' }, changed: false });
    expect(api.started).toEqual([]);
    expect(faceRuns()).toBe(0);

    flow.agree(aConsentText());
    await flow.run();
    expect(api.started).toEqual([{ ...IDENTITY, protocol: 'V2', consent: { version: 'v1' } }]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('CONSENT_REQUIRED on start (the text changed meanwhile): shows the new text, then starts with it', async () => {
    const { api, flow, last, faceRuns } = setup({ consent: aConsentText({ version: 'v0' }) });
    await flow.run();
    expect(api.started.map((s) => s.consent)).toEqual([{ version: 'v0' }]);
    expect(last()).toMatchObject({ kind: 'consent', text: { version: 'v1' }, changed: true });
    expect(faceRuns()).toBe(0);

    flow.agree((last() as { text: ReturnType<typeof aConsentText> }).text);
    await flow.run();
    expect(api.started.map((s) => s.consent)).toEqual([{ version: 'v0' }, { version: 'v1' }]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('a child under 14 with FACEGATE_MINORS=guardian: the guardian text is shown and its version sent', async () => {
    const { api, flow, last } = setup({ identity: CHILD, consent: aConsentText() });
    api.minors.add(CHILD.idCardNumber);
    api.minorsPolicy = 'GUARDIAN';
    await flow.run();
    expect(api.textReads).toEqual(['GUARDIAN']);
    expect(last()).toMatchObject({ kind: 'consent', text: { kind: 'GUARDIAN', version: 'g1' } });
    flow.agree(GUARDIAN_TEXT);
    await flow.run();
    expect(api.started.at(-1)?.consent).toEqual({ version: 'g1' });
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('MINOR_NEEDS_GUARDIAN: the gateway’s zh-CN message, no retry, no face API', async () => {
    const { api, flow, last, faceRuns } = setup({ identity: CHILD, consent: aConsentText() });
    api.minors.add(CHILD.idCardNumber);
    await flow.run();
    expect(last()).toMatchObject({
      kind: 'attention',
      message: { code: 'MINOR_NEEDS_GUARDIAN', text: MINOR_MESSAGE_ZH, retryable: false },
    });
    expect(faceRuns()).toBe(0);
  });

  it('a service-started session without a receipt: asks, calls acceptConsent, only then the face API', async () => {
    const { api, face, flow, last } = setup({ identity: null, verificationId: 'biz' });
    api.sessions.set('biz', aVerification({ id: 'biz', consentReceipt: null }));
    await flow.run();
    expect(last()).toMatchObject({ kind: 'consent', verification: { id: 'biz' } });
    expect(api.accepted).toEqual([]);
    expect(face.v2Runs).toEqual([]);

    flow.agree(aConsentText());
    const order: string[] = [];
    const accept = api.acceptConsent.bind(api);
    api.acceptConsent = async (...args) => {
      order.push('acceptConsent');
      return accept(...args);
    };
    const runV2 = face.runV2Check.bind(face);
    face.runV2Check = async (request) => {
      order.push('requestFacialVerify');
      return runV2(request);
    };
    await flow.run();
    expect(api.accepted).toEqual([{ verificationId: 'biz', version: 'v1' }]);
    expect(order).toEqual(['acceptConsent', 'requestFacialVerify']);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('a service-started session that already has a receipt goes straight to the face check', async () => {
    const { api, face, flow } = setup({ identity: null, verificationId: 'biz' });
    api.sessions.set('biz', aVerification({ id: 'biz' }));
    await flow.run();
    expect(api.textReads).toEqual([]);
    expect(api.accepted).toEqual([]);
    expect(face.v2Runs).toHaveLength(1);
  });

  it('acceptConsent answering CONSENT_REQUIRED (outdated text): the new text is shown, then accepted', async () => {
    const { api, face, flow, last } = setup({
      identity: null,
      verificationId: 'biz',
      consent: aConsentText({ version: 'old' }),
    });
    api.sessions.set('biz', aVerification({ id: 'biz', consentReceipt: null }));
    await flow.run();
    expect(api.accepted).toEqual([{ verificationId: 'biz', version: 'old' }]);
    expect(last()).toMatchObject({ kind: 'consent', text: { version: 'v1' }, changed: true });
    expect(face.v2Runs).toEqual([]);
    flow.agree(aConsentText());
    await flow.run();
    expect(api.accepted.at(-1)).toEqual({ verificationId: 'biz', version: 'v1' });
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('a service session for a child needs the guardian text: the guardian’s is asked for', async () => {
    const { api, flow, last } = setup({ identity: null, verificationId: 'biz', consent: aConsentText() });
    api.sessions.set('biz', aVerification({ id: 'biz', consentReceipt: null, guardianRequired: true }));
    await flow.run();
    expect(api.accepted).toEqual([]);
    expect(last()).toMatchObject({ kind: 'consent', text: { kind: 'GUARDIAN' } });
  });

  it('CONSENT_REQUIRED on confirm: the evidence is kept, the text accepted, the same evidence re-sent', async () => {
    const { api, face, flow, last } = setup({ consent: aConsentText() });
    api.confirmScript.push(() => consentRequired('v1'));
    await flow.run();
    expect(last()).toMatchObject({ kind: 'consent', changed: true });
    flow.agree(aConsentText());
    await flow.run();
    expect(face.v2Runs).toHaveLength(1);
    expect(api.accepted).toEqual([{ verificationId: 'ver-1', version: 'v1' }]);
    expect(api.confirmed).toHaveLength(2);
    expect(api.confirmed[1]).toEqual(api.confirmed[0]);
    expect(last()).toMatchObject({ kind: 'finished', verification: { status: 'VERIFIED' } });
  });

  it('no published text: a clear, retryable message and nothing else', async () => {
    const { api, flow, last } = setup();
    api.texts.STANDARD = null;
    await flow.run();
    expect(last()).toMatchObject({ kind: 'attention', message: { code: 'CONSENT_UNAVAILABLE' } });
    expect(api.started).toEqual([]);
  });
});

describe('the other way to verify', () => {
  it('after a failure: ends the open session (ALTERNATIVE_CHOSEN) and ignores what was in flight', async () => {
    const { api, flow, last } = setup({ consent: aConsentText() });
    api.confirmScript.push((_i, s) =>
      aVerification({
        ...s,
        attempts: 1,
        lastError: { code: 'FACE_MISMATCH', message: 'x', retryable: true, upstreamCode: 10004 },
      }),
    );
    await flow.run();
    expect(last()).toMatchObject({ kind: 'attention' });
    const ended = await flow.chooseAlternative();
    expect(api.alternativesChosen).toEqual(['ver-1']);
    expect(ended).toMatchObject({ status: 'CANCELED', cancelReason: 'ALTERNATIVE_CHOSEN' });
  });

  it('without a session: nothing to end, nothing sent', async () => {
    const { api, flow } = setup();
    expect(await flow.chooseAlternative()).toBeNull();
    expect(api.alternativesChosen).toEqual([]);
  });

  it('never rejects when the gateway cannot be told: the user still goes on to the alternative', async () => {
    const { api, flow } = setup({ identity: null, verificationId: 'biz' });
    api.sessions.set('biz', aVerification({ id: 'biz', consentReceipt: null }));
    await flow.run();
    api.failNext.push({ op: 'alternative', error: new GatewayRequestError('UPSTREAM_UNAVAILABLE', 'x') });
    await expect(flow.chooseAlternative()).resolves.toBeNull();
  });
});

describe('reading the gateway’s privacy errors', () => {
  it.each([
    [
      'rule on BAD_USER_INPUT',
      new GatewayRequestError('BAD_USER_INPUT', 'x', 'consent', {
        rule: 'CONSENT_REQUIRED',
        currentVersion: 'v2',
        consentKind: 'GUARDIAN',
      }),
    ],
    [
      'its own code',
      new GatewayRequestError('CONSENT_REQUIRED', 'x', null, {
        code: 'CONSENT_REQUIRED',
        currentVersion: 'v2',
        consentKind: 'GUARDIAN',
      }),
    ],
  ])('CONSENT_REQUIRED as %s', (_n, error) => {
    expect(consentRequiredOf(error)).toEqual({ currentVersion: 'v2', kind: 'GUARDIAN' });
    expect(minorRefusalOf(error)).toBeNull();
  });

  it('a null current version (nothing published) and anything else', () => {
    expect(consentRequiredOf(consentRequired(null))).toEqual({ currentVersion: null, kind: 'STANDARD' });
    expect(consentRequiredOf(new GatewayRequestError('BAD_USER_INPUT', 'x', 'name'))).toBeNull();
    expect(consentRequiredOf(new Error('CONSENT_REQUIRED'))).toBeNull();
  });

  it('MINOR_NEEDS_GUARDIAN carries the gateway’s zh-CN message', () => {
    const error = new GatewayRequestError('MINOR_NEEDS_GUARDIAN', 'under 14', null, {
      messageZh: '请由监护人陪同',
    });
    expect(minorRefusalOf(error)).toEqual({
      code: 'MINOR_NEEDS_GUARDIAN',
      text: '请由监护人陪同',
      retryable: false,
    });
  });

  it('any input error the gateway explains in zh-CN is shown in its words (as the ID number rules are)', () => {
    const error = new GatewayRequestError('BAD_USER_INPUT', 'bad', 'idCardNumber', {
      rule: 'ID_NUMBER_CHECKSUM',
      messageZh: '身份证号码校验位不正确',
    });
    expect(requestErrorMessage(error)).toEqual({
      code: 'ID_NUMBER_CHECKSUM',
      text: '身份证号码校验位不正确',
      retryable: false,
    });
    expect(requestErrorMessage(new GatewayRequestError('BAD_USER_INPUT', 'bad'))).toMatchObject({
      text: '提交的信息不符合要求，请检查后重试',
    });
  });
});
