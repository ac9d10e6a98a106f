// @vitest-environment jsdom
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSdkIntoTempDir, sdkPackageDir } from './support/build-sdk';
import { type LiveGateway, startAsBusiness, startLiveGateway } from './support/live-gateway';
import { MiniProgramHarness, MODERN_PHONE, OLDER_PHONE, SDK_NPM_DIR } from './support/miniprogram-harness';

const require = createRequire(import.meta.url);
const PASSING = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;

let sdkDist: string;
let host: string;
let gateway: LiveGateway;

/**
 * A host mini program of its own (test/fixtures/host) that adds the SDK the way teams do: `npm install`, then
 * DevTools' "build npm", which copies the package's `miniprogram` folder into miniprogram_npm/<name>/.
 */
function buildHostFixture(gatewayUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-host-'));
  cpSync(join(sdkPackageDir, 'test/fixtures/host'), dir, { recursive: true });
  const pkg = require(join(sdkPackageDir, 'package.json')) as { miniprogram: string };
  expect(pkg.miniprogram).toBe('miniprogram_dist');
  // "build npm": the built `miniprogram` folder, as it is.
  mkdirSync(dirname(join(dir, SDK_NPM_DIR)), { recursive: true });
  cpSync(sdkDist, join(dir, SDK_NPM_DIR), { recursive: true });
  // WeChat's require() finds a bare npm name in miniprogram_npm; Node looks in node_modules: a link there
  // gives Node the same lookup (and the same module instance as the component's own require).
  mkdirSync(join(dir, 'node_modules/@facegate'), { recursive: true });
  symlinkSync(join(dir, SDK_NPM_DIR), join(dir, 'node_modules/@facegate/miniprogram-sdk'), 'dir');
  writeFileSync(join(dir, 'config.js'), `module.exports = { gateway: ${JSON.stringify(gatewayUrl)} };\n`);
  return dir;
}

beforeAll(async () => {
  sdkDist = buildSdkIntoTempDir();
  gateway = await startLiveGateway();
  host = buildHostFixture(gateway.graphqlUrl);
});

afterAll(async () => {
  await gateway?.close();
  for (const dir of [sdkDist, host]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const phones: MiniProgramHarness[] = [];
afterEach(() => {
  for (const h of phones.splice(0)) h.closePage();
});

function phone(profile = MODERN_PHONE): MiniProgramHarness {
  const h = new MiniProgramHarness(host, gateway.graphqlUrl, gateway.sandboxUrl, {
    openid: `o_host_${randomUUID().slice(0, 8)}`,
    ...profile,
  });
  phones.push(h);
  return h;
}

const pageData = (h: MiniProgramHarness) => h.page?.instance.data as Record<string, unknown>;

describe('a host mini program with <facegate-verify> from miniprogram_npm, against a live gateway', () => {
  it.each([
    ['v2', MODERN_PHONE, 'V2'],
    ['legacy', OLDER_PHONE, 'LEGACY'],
  ] as const)('completes a verification through the component (%s)', async (_n, profile, protocol) => {
    const h = phone(profile);
    h.nextScenarios.push('face_mismatch');
    h.open('/pages/index/index');
    // the host's slot content and external class are applied inside the component
    expect(h.text('.host-header')).toBe('城市服务 · 实名核验');
    expect(h.page?.dom.innerHTML).toMatch(/class="[^"]*main--card/);

    // the gateway's current consent text, on screen before anything can be agreed to
    await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
    await h.type('.name-input', PASSING.name);
    await h.type('.id-input', PASSING.idCardNumber);
    await h.change('.consent-check', { value: ['agree'] });
    await h.tap('.submit');

    // a failed attempt: the host hears of it (code, zh-CN reason, retryable), the component offers a retry
    await h.waitFor(() => h.exists('.retry'), 'the retry button');
    expect(pageData(h).failure).toBe('FACE_MISMATCH|人脸与身份证照片不一致，请重试|true|false');
    await h.tap('.retry');

    await h.waitFor(() => h.text('.done') !== '', 'the host to see the verification');
    expect(h.text('.done')).toBe('VERIFIED');
    expect(typeof pageData(h).verified).toBe('string');
    expect(h.sent.find((s) => s.operationName === 'StartVerification')?.variables).toMatchObject({
      input: { protocol },
    });
    expect(h.faceChecks).toHaveLength(2);
    expect(h.page?.dom.textContent).not.toContain(PASSING.idCardNumber);
    // once the session ended, the component keeps no copy of what was typed
    expect(h.componentData()).toMatchObject({ name: '', idCardNumber: '' });
  });

  it('runs a session the host backend started: consent, then the check; declining is a canceled event', async () => {
    const h = phone();
    const started = await startAsBusiness(gateway, {
      openid: h.device.openid,
      name: PASSING.name,
      idCardNumber: PASSING.idCardNumber,
    });
    h.open(`/pages/session/index?verificationId=${started.id}`);
    expect(h.exists('.name-input')).toBe(false);
    await h.waitFor(() => h.exists('.decline'), 'the consent screen');
    await h.tap('.decline');
    expect(h.text('.done')).toBe('canceled:user');
    expect(h.faceChecks).toEqual([]);

    // read the text again, agree: the gateway records the receipt, then the face check runs
    await h.tap('.reread');
    await h.waitFor(() => h.exists('.agree'), 'the consent screen again');
    await h.tap('.agree');
    await h.waitFor(() => h.text('.done') === 'VERIFIED', 'the verified event');
    const sent = h.sent.map((s) => s.operationName);
    expect(sent.indexOf('AcceptConsent')).toBeGreaterThan(-1);
    expect(sent.indexOf('AcceptConsent')).toBeLessThan(sent.indexOf('ConfirmVerification'));
    expect(sent).not.toContain('StartVerification');
  });

  it('the plain API: signIn, start, runFaceCheck, confirm, watch; typed zh-CN errors', async () => {
    const h = phone();
    const { createFaceGate, FaceGateError } = require(join(host, SDK_NPM_DIR, 'index.js'));
    const faceGate = createFaceGate({ gateway: gateway.graphqlUrl });

    const invalid = await faceGate
      .start({ name: PASSING.name, idCardNumber: `${PASSING.idCardNumber.slice(0, 17)}0` })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(FaceGateError);
    expect(invalid).toMatchObject({
      code: 'INVALID_ID_CARD_NUMBER',
      field: 'idCardNumber',
      retryable: false,
    });
    expect((invalid as Error).message).toMatch(/[\u4e00-\u9fa5]/);
    expect(h.requestCount).toBe(0);

    await faceGate.signIn();
    const refused = await faceGate
      .start({ name: PASSING.name, idCardNumber: PASSING.idCardNumber })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'CONSENT_REQUIRED', details: { consentKind: 'STANDARD' } });
    expect(h.faceChecks).toEqual([]);
    const consent = await faceGate.consentText();
    expect(consent.version).toBe((refused as { details: { currentVersion: string } }).details.currentVersion);
    const session = await faceGate.start({
      name: ` ${PASSING.name} `,
      idCardNumber: PASSING.idCardNumber,
      consentVersion: consent.version,
    });
    expect(session.consentReceipt).toMatchObject({ version: consent.version });
    expect(session).toMatchObject({ status: 'PENDING', protocol: 'V2' });
    const evidence = await faceGate.runFaceCheck(session);
    expect(evidence).toEqual({ id: session.id, verifyId: session.clientParams.verifyId });
    const confirmed = await faceGate.confirm(session, evidence);
    expect(confirmed.status).toBe('VERIFIED');
    const updates: string[] = [];
    const watched = await faceGate.watch(session.id, {
      onUpdate: (v: { status: string }) => updates.push(v.status),
    });
    expect(watched.status).toBe('VERIFIED');
    expect(updates).toEqual(['VERIFIED']);
    expect(h.sent.filter((s) => s.operationName === 'SignIn')).toHaveLength(1);

    const missing = await faceGate.watch('no-such-session').catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: '未找到该核验记录，请返回重新发起' });

    h.offline = true;
    const offline = await faceGate.get(session.id).catch((error: unknown) => error);
    expect(offline).toMatchObject({
      code: 'NETWORK',
      message: '网络连接失败，请检查网络后重试',
      retryable: true,
    });
  });
});
