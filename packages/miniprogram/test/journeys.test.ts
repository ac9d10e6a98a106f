// @vitest-environment jsdom
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  type DeviceProfile,
  type LiveGateway,
  MiniProgramHarness,
  MODERN_PHONE,
  OLDER_PHONE,
  startAsBusiness,
  startLiveGateway,
} from '@facegate/miniprogram-sdk/testing';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildIntoTempDir } from './support/build-once';

const PASSING = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;
const FACE_MISMATCH = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'face_mismatch')!;
const SESSION_TTL_MS = 30 * 60_000;
// what the user reads, as written here rather than looked up in the code under test
const FACE_MISMATCH_ZH = '人脸与身份证照片不一致，请重试';
const USER_CANCELED_ZH = '您已取消核验';

let distDir: string;
let gateway: LiveGateway;

beforeAll(async () => {
  distDir = buildIntoTempDir();
  gateway = await startLiveGateway();
});

afterAll(async () => {
  await gateway?.close();
  if (distDir) rmSync(distDir, { recursive: true, force: true });
});

const phones: MiniProgramHarness[] = [];
afterEach(() => {
  for (const h of phones.splice(0)) h.closePage();
});

function phone(profile: Omit<DeviceProfile, 'openid'> = MODERN_PHONE): MiniProgramHarness {
  const h = new MiniProgramHarness(distDir, gateway.graphqlUrl, gateway.sandboxUrl, {
    openid: `o_journey_${randomUUID().slice(0, 8)}`,
    ...profile,
  });
  phones.push(h);
  return h;
}

const operations = (h: MiniProgramHarness) => h.sent.map((s) => s.operationName);

/** The identity page (<facegate-verify mode="form">) as a user fills it: type, agree, tap. */
async function fillIdentity(
  h: MiniProgramHarness,
  identity: { name: string; idCardNumber: string },
  agree = true,
): Promise<void> {
  h.open('/pages/identity/index');
  // the consent text is the gateway's: it is on screen before anything can be agreed to
  await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
  await h.type('.name-input', identity.name);
  await h.type('.id-input', identity.idCardNumber);
  if (agree) await h.change('.consent-check', { value: ['agree'] });
  await h.tap('.submit');
}

async function toResultPage(h: MiniProgramHarness): Promise<void> {
  await h.waitFor(() => (h.navigations.at(-1) ?? '').startsWith('/pages/result/index'), 'the result page');
  h.followNavigation();
  await h.waitFor(() => h.exists('.title') || h.exists('.load-error'), 'the result to load');
}

describe('journeys against a live gateway in sandbox mode', () => {
  it.each([
    ['v2', MODERN_PHONE, 'V2', 'v2'],
    ['legacy', OLDER_PHONE, 'LEGACY', 'legacy'],
  ] as const)('fill the form, tap, see VERIFIED (%s)', async (_name, profile, protocol, faceApi) => {
    const h = phone(profile);
    await fillIdentity(h, PASSING);
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验通过');
    expect(h.text('.who')).toContain(`${PASSING.name.slice(0, 1)}*`);
    expect(h.page?.dom.textContent).not.toContain(PASSING.idCardNumber);
    // the public reads of the consent text and the alternative come first, in either order
    expect(new Set(operations(h).slice(0, 2))).toEqual(new Set(['ConsentText', 'VerificationOptions']));
    expect(operations(h).slice(2)).toEqual([
      'SignIn',
      'StartVerification',
      'ConfirmVerification',
      'GetVerification',
    ]);
    const start = h.sent.find((s) => s.operationName === 'StartVerification');
    // the version of the text on screen goes with the start: the gateway records the receipt
    expect(start?.variables).toMatchObject({
      input: { protocol, consent: { version: 'facegate-default-1' } },
    });
    expect(h.faceChecks.map((c) => c.api)).toEqual([faceApi]);
  });

  it('a face mismatch shows the reason and a retry, which then passes', async () => {
    const h = phone();
    h.nextScenarios.push('face_mismatch');
    await fillIdentity(h, PASSING);
    await h.waitFor(() => h.exists('.retry'), 'the retry button');
    expect(h.text('.message')).toBe(FACE_MISMATCH_ZH);
    expect(h.text('.attempts')).toMatch(/已尝试 1\/\d+ 次/);

    await h.tap('.retry');
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验通过');
    expect(h.faceChecks).toHaveLength(2);
    expect(operations(h).filter((o) => o === 'StartVerification')).toHaveLength(1);
  });

  it('a reserved failing identity fails every time and ends on the result page with what to do next', async () => {
    const h = phone(OLDER_PHONE);
    await fillIdentity(h, FACE_MISMATCH);
    for (;;) {
      await h.waitFor(
        () => h.exists('.retry') || (h.navigations.at(-1) ?? '').startsWith('/pages/result/'),
        'a retry or the result',
      );
      if ((h.navigations.at(-1) ?? '').startsWith('/pages/result/')) break;
      expect(h.text('.message')).toBe(FACE_MISMATCH_ZH);
      await h.tap('.retry');
    }
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验未通过');
    expect(h.text('.reason')).toContain(FACE_MISMATCH_ZH);
    expect(h.text('.next-step')).not.toBe('');
  });

  it('a user cancel returns to a usable state: the reason, and a retry that works', async () => {
    const h = phone();
    h.nextScenarios.push('user_cancel');
    await fillIdentity(h, PASSING);
    await h.waitFor(() => h.exists('.retry'), 'the retry button');
    expect(h.text('.message')).toBe(USER_CANCELED_ZH);
    await h.tap('.retry');
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验通过');
  });

  it('an invalid ID number never reaches the server', async () => {
    const h = phone();
    const badCheckDigit = `${PASSING.idCardNumber.slice(0, 17)}${PASSING.idCardNumber.endsWith('1') ? '2' : '1'}`;
    await fillIdentity(h, { name: PASSING.name, idCardNumber: badCheckDigit });
    expect(h.text('.id-error')).toMatch(/[\u4e00-\u9fa5]/);
    expect(h.navigations).toEqual([]);
    // the ID number was never sent: only the public reads of the consent text and the alternative
    expect(new Set(operations(h))).toEqual(new Set(['ConsentText', 'VerificationOptions']));
    expect(h.faceChecks).toEqual([]);
  });

  it('no face API and no request before the consent is given', async () => {
    const h = phone();
    await fillIdentity(h, PASSING, false);
    expect(h.text('.consent-error')).not.toBe('');
    expect(h.navigations).toEqual([]);
    // only the public reads of the text and the alternative: no sign-in, no start
    expect(new Set(operations(h))).toEqual(new Set(['ConsentText', 'VerificationOptions']));
    expect(h.faceChecks).toEqual([]);
  });

  it('an expired session is replaced by a new one', async () => {
    const h = phone();
    h.nextScenarios.push('face_mismatch');
    await fillIdentity(h, PASSING);
    await h.waitFor(() => h.exists('.retry'), 'the retry button');
    const firstConfirm = h.sent.find((s) => s.operationName === 'ConfirmVerification');
    const firstId = (firstConfirm?.variables.input as { id: string } | undefined)?.id;
    expect(firstId).toBeDefined();

    await gateway.advanceClock(SESSION_TTL_MS + 60_000);
    await h.tap('.retry');
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验通过');
    const starts = h.sent.filter((s) => s.operationName === 'StartVerification');
    expect(starts).toHaveLength(2);
    expect(h.navigations.at(-1)).not.toContain(String(firstId));
  });

  it.each([
    ['v2', MODERN_PHONE, 'V2'],
    ['legacy', OLDER_PHONE, 'LEGACY'],
  ] as const)(
    'a business-started session completes without the identity page (%s)',
    async (_n, profile, protocol) => {
      const h = phone(profile);
      const started = await startAsBusiness(gateway, {
        openid: h.device.openid,
        name: PASSING.name,
        idCardNumber: PASSING.idCardNumber,
        protocol,
      });
      h.open(`/pages/identity/index?verificationId=${started.id}`);
      expect(h.exists('.name-input')).toBe(false);
      expect(h.navigations).toEqual([`/pages/verify/index?verificationId=${started.id}`]);
      h.followNavigation();

      // The consent comes first, here too: no face check until the user agrees and the gateway records it.
      await h.waitFor(() => h.exists('.agree'), 'the consent screen');
      expect(h.faceChecks).toEqual([]);
      expect(operations(h)).not.toContain('AcceptConsent');
      await h.tap('.agree');
      await toResultPage(h);
      expect(h.text('.title')).toBe('核验通过');
      expect(operations(h)).not.toContain('StartVerification');
      expect(operations(h).indexOf('AcceptConsent')).toBeLessThan(
        operations(h).indexOf('ConfirmVerification'),
      );
      const shown = h.page?.dom.textContent ?? '';
      expect(shown).not.toContain(PASSING.idCardNumber);
      expect(shown).not.toContain(PASSING.name);
      const check = h.faceChecks[0]?.input ?? {};
      expect(check.idCardNumber).toBeUndefined();
      expect(check.name).toBeUndefined();
    },
  );

  it('leaving during the face check and coming back resumes by re-reading the session', async () => {
    const h = phone();
    h.holdNextFaceCheck = true;
    await fillIdentity(h, PASSING);
    await h.waitFor(() => h.faceChecks.length === 1, 'the face check');

    h.hidePage();
    h.showPage();
    await h.waitFor(() => h.exists('.retry'), 'the continue button');
    expect(h.text('.message')).toContain('中断');
    expect(operations(h).at(-1)).toBe('GetVerification');

    await h.tap('.retry');
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验通过');
    // the abandoned check answers late: once its answer has reached the mini program, nothing more is sent
    const sentBefore = h.sent.length;
    await h.releaseFaceCheck();
    expect(h.sent.slice(sentBefore)).toEqual([]);
    expect(operations(h).filter((o) => o === 'ConfirmVerification')).toHaveLength(1);
  });

  it('a lost network shows a clear message, and the retry re-sends the same result', async () => {
    const h = phone(OLDER_PHONE);
    h.holdNextFaceCheck = true;
    await fillIdentity(h, PASSING);
    await h.waitFor(() => h.faceChecks.length === 1, 'the face check');
    h.offline = true;
    await h.releaseFaceCheck();
    await h.waitFor(() => h.exists('.retry'), 'the retry button');
    expect(h.text('.message')).toBe('网络连接失败，请检查网络后重试');

    h.offline = false;
    await h.tap('.retry');
    await toResultPage(h);
    expect(h.text('.title')).toBe('核验通过');
    expect(h.faceChecks).toHaveLength(1);
  });
});
