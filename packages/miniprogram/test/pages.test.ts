// @vitest-environment jsdom
import { rmSync } from 'node:fs';
import { ResidentIdNumber } from '@facegate/domain';
import { aVerification, MiniProgramHarness, MODERN_PHONE } from '@facegate/miniprogram-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextStepOf, resultUrlOf, resultViewOf } from '../src/pages/result/result.logic';
import { buildIntoTempDir } from './support/build-once';

let dist: string;
beforeAll(() => {
  dist = buildIntoTempDir();
});
afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

type Wx = Record<string, unknown>;
const wxGlobal = () => (globalThis as unknown as { wx: Wx }).wx;

/** The rendered pages with a fake wx: login answers a code, requests answer from a script. */
function pageHarness(answers: ((body: { operationName: string }) => unknown)[]) {
  const h = new MiniProgramHarness(dist, 'http://gateway.test/graphql', 'http://sandbox.test', {
    openid: 'o_page',
    ...MODERN_PHONE,
  });
  const sent: string[] = [];
  const publicReads: string[] = [];
  Object.assign(wxGlobal(), {
    login: (o: { success: (r: unknown) => void }) => setTimeout(() => o.success({ code: 'c' }), 0),
    request: (o: { data: string; success: (r: unknown) => void; fail: (r: unknown) => void }) => {
      const body = JSON.parse(o.data) as { operationName: string };
      // the public reads the component makes on its own (the consent text, the alternative): not scripted
      const own = PUBLIC_READS[body.operationName];
      if (own) {
        publicReads.push(body.operationName);
        setTimeout(() => o.success({ statusCode: 200, data: { data: own() } }), 0);
        return;
      }
      sent.push(body.operationName);
      const answer = answers.shift();
      setTimeout(() => {
        if (answer === undefined) o.fail({ errMsg: 'request:fail unexpected' });
        else {
          const data = answer(body);
          if (data === 'offline') o.fail({ errMsg: 'request:fail timeout' });
          else o.success({ statusCode: 200, data });
        }
      }, 0);
    },
  });
  return { h, sent, publicReads };
}

/** The gateway's current consent text and alternative, as the component reads them. */
const CONSENT = {
  version: '2026-12',
  kind: 'STANDARD',
  purpose: '身份核验',
  textZh: '为核验您的身份，我们将使用您的姓名、身份证号码和人脸信息。',
  textEn: null,
  sha256: 'b'.repeat(64),
  publishedAt: '2026-12-01T00:00:00Z',
};
const OPTIONS = {
  alternative: { kind: 'PAGE', target: '/pages/counter/index', label: '到柜台办理' },
  contact: null,
  minors: 'REFUSE',
};
const PUBLIC_READS: Record<string, () => unknown> = {
  ConsentText: () => ({ consentText: CONSENT }),
  VerificationOptions: () => ({ verificationOptions: OPTIONS }),
};

const signIn = () => ({ data: { signIn: { token: 't', expiresAt: '2099-01-01T00:00:00Z' } } });

describe('identity page (rendered, fake wx)', () => {
  it('shows the domain rule’s message once the field is left, and clears it when fixed', async () => {
    const { h, sent } = pageHarness([]);
    h.open('/pages/identity/index');
    await h.type('.id-input', '110105194912310021');
    const parsed = ResidentIdNumber.parse('110105194912310021');
    expect(parsed.ok).toBe(false);
    expect(h.text('.id-error')).toBe(parsed.ok ? '' : parsed.error.messageZh);
    await h.type('.id-input', '11010519491231002x');
    expect(h.exists('.id-error')).toBe(false);
    expect(sent).toEqual([]);
  });

  it('sends the identity to the gateway only, never in a URL or into the view', async () => {
    const refused = () => ({
      data: null,
      errors: [{ message: 'no', extensions: { code: 'BAD_USER_INPUT', field: 'idCardNumber' } }],
    });
    const { h, sent } = pageHarness([signIn, refused]);
    h.open('/pages/identity/index');
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    await h.type('.name-input', '张三');
    await h.type('.id-input', '11010519491231002x');
    await h.change('.consent-check', { value: ['agree'] });
    await h.tap('.submit');
    await h.waitFor(() => h.exists('.message'), 'the gateway refusal');
    expect(sent).toEqual(['SignIn', 'StartVerification']);
    expect(h.text('.message')).toBe('提交的信息不符合要求，请检查后重试');
    expect(h.navigations).toEqual([]);
    expect(h.exists('.edit')).toBe(true);
    // Back to the form to correct it, with what was typed.
    await h.tap('.edit');
    expect(h.exists('.name-input')).toBe(true);
    expect(h.componentData()?.idCardNumber).toBe('11010519491231002x');
    h.closePage();
  });
});

describe('result page (rendered, fake wx)', () => {
  it('shows a failure’s reason and what to do next, masked identity only', async () => {
    const failed = aVerification({
      status: 'FAILED',
      attempts: 3,
      lastError: { code: 'NO_ID_PHOTO', message: 'x', retryable: false, upstreamCode: 10009 },
      clientParams: null,
    });
    const { h } = pageHarness([signIn, () => ({ data: { verification: failed } })]);
    h.open('/pages/result/index?verificationId=ver-1');
    await h.waitFor(() => h.exists('.title'), 'the result');
    expect(h.text('.title')).toBe('核验未通过');
    expect(h.text('.reason')).toContain('没有可比对的身份证照片');
    expect(h.text('.next-step')).toContain('线下');
    expect(h.text('.who')).toBe('张*（1101**********002X）');
    expect(h.exists('.restart')).toBe(true);
  });

  it('a lost network shows a clear message and a reload that works', async () => {
    const { h } = pageHarness([
      signIn,
      () => 'offline',
      () => ({
        data: { verification: aVerification({ status: 'VERIFIED', verifiedAt: '2025-06-01T00:00:00Z' }) },
      }),
    ]);
    h.open('/pages/result/index?verificationId=ver-1');
    await h.waitFor(() => h.exists('.load-error'), 'the error');
    expect(h.text('.load-error .message')).toBe('网络连接失败，请检查网络后重试');
    await h.tap('.reload');
    await h.waitFor(() => h.exists('.title'), 'the result');
    expect(h.text('.title')).toBe('核验通过');
  });
});

describe('page logic', () => {
  it('result view: business-started sessions are not restarted from here', () => {
    const expired = aVerification({ status: 'EXPIRED', clientParams: null });
    expect(resultViewOf(expired, true)).toMatchObject({ title: '核验已过期', canRestart: false });
    expect(resultViewOf(expired, false)).toMatchObject({ canRestart: true });
    expect(resultViewOf(aVerification({ status: 'VERIFIED' }), false).canRestart).toBe(false);
  });

  it('next steps follow the failure code', () => {
    expect(nextStepOf('ID_NUMBER_MISMATCH', false)).toContain('核对');
    expect(nextStepOf('FACE_MISMATCH', false)).toContain('光线');
    expect(nextStepOf('TOO_FREQUENT', false)).toContain('明天');
    expect(nextStepOf(null, true)).toContain('次数已用完');
  });

  it('result URLs carry the id and whether a business started the session', () => {
    expect(resultUrlOf('a b', true)).toBe('/pages/result/index?verificationId=a%20b&origin=business');
  });
});

describe('consent and the other way to verify (rendered, fake wx)', () => {
  it('identity page: the gateway’s text is shown and its version goes with the start', async () => {
    let input: Record<string, unknown> = {};
    const started = (body: { operationName: string; variables?: { input: Record<string, unknown> } }) => {
      input = body.variables?.input ?? {};
      return { data: { startVerification: aVerification({ id: 'ver-9' }) } };
    };
    const { h, sent, publicReads } = pageHarness([signIn, started as never]);
    h.holdNextFaceCheck = true; // no sandbox here: the check is held, never answered
    h.open('/pages/identity/index');
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    expect(h.text('.consent-paragraph')).toBe(CONSENT.textZh);
    expect(publicReads.sort()).toEqual(['ConsentText', 'VerificationOptions']);
    expect(sent).toEqual([]);
    await h.type('.name-input', '张三');
    await h.type('.id-input', '11010519491231002X');
    await h.change('.consent-check', { value: ['agree'] });
    await h.tap('.submit');
    await h.waitFor(() => Object.keys(input).length > 0, 'the start');
    expect(sent).toEqual(['SignIn', 'StartVerification']);
    expect(input.consent).toEqual({ version: CONSENT.version });
    // consent recorded with the start, then the face check
    await h.waitFor(() => h.faceChecks.length === 1, 'the face check');
    h.closePage();
  });

  it('verify page: declining keeps the user here with the alternative, which ends the session and opens', async () => {
    const chosen: string[] = [];
    const { h, sent } = pageHarness([
      signIn,
      () => ({ data: { verification: aVerification({ id: 'biz-7', consentReceipt: null }) } }),
      ((body: { variables: { verificationId: string } }) => {
        chosen.push(body.variables.verificationId);
        return {
          data: {
            chooseAlternative: aVerification({
              id: 'biz-7',
              status: 'CANCELED',
              cancelReason: 'ALTERNATIVE_CHOSEN',
              clientParams: null,
            }),
          },
        };
      }) as never,
    ]);
    h.open('/pages/verify/index?verificationId=biz-7');
    await h.waitFor(() => h.exists('.agree'), 'the consent screen');
    expect(h.faceChecks).toEqual([]);
    await h.tap('.decline');
    // not sent back: the other way is offered here
    expect(h.navigations).toEqual([]);
    expect(h.exists('.declined-message')).toBe(true);
    expect(h.text('.alternative-button')).toBe('到柜台办理');
    await h.tap('.alternative-button');
    await h.waitFor(() => h.navigations.length > 0, 'the alternative page');
    expect(chosen).toEqual(['biz-7']);
    expect(sent).toEqual(['SignIn', 'GetVerification', 'ChooseAlternative']);
    expect(h.navigations).toEqual(['/pages/counter/index']);
    expect(h.faceChecks).toEqual([]);
    h.closePage();
  });
});
