// @vitest-environment jsdom
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SANDBOX_DEVTOOLS_OPENID } from '@facegate/domain';
import {
  DEVTOOLS,
  type LiveGateway,
  MiniProgramHarness,
  startLiveGateway,
} from '@facegate/miniprogram-sdk/testing';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntoTempDir } from './support/build-once';

/**
 * The README's "Try it in WeChat DevTools" walkthrough, step by step: the mini program as `npm run build`
 * writes it, opened as DevTools with the tourist AppID runs it (wx.login makes up a code; platform
 * "devtools"), against a real gateway in sandbox mode over real HTTP. The face step is the simulated one:
 * the developer picks outcomes from the sandbox's test identities; WeChat's face APIs are never called.
 */

const readme = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');
const PASSING = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;
const FACE_MISMATCH = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'face_mismatch')!;
const PICK = (name: string) => `模拟人脸核验：${name}`;

let distDir: string;
let gateway: LiveGateway;

beforeAll(async () => {
  distDir = buildIntoTempDir();
  gateway = await startLiveGateway();
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  if (distDir) rmSync(distDir, { recursive: true, force: true });
});

describe('the DevTools walkthrough of the README, with the tourist AppID, against a sandbox gateway', () => {
  it('the README says what the test does: the build, the identity, the outcomes picked', () => {
    for (const step of [
      'npm run build',
      PASSING.name,
      PASSING.idCardNumber,
      PICK(FACE_MISMATCH.name),
      PICK(PASSING.name),
      '核验通过',
      'touristappid',
    ]) {
      expect(readme, step).toContain(step);
    }
    const project = JSON.parse(readFileSync(join(distDir, 'project.config.json'), 'utf8'));
    expect(project.appid).toBe('touristappid');
    expect(project.setting.urlCheck).toBe(false);
  });

  it('signs in with a DevTools code, simulates the face step twice (a mismatch, then a pass) and ends VERIFIED', async () => {
    const h = new MiniProgramHarness(distDir, gateway.graphqlUrl, gateway.sandboxUrl, {
      openid: 'o_unused_by_devtools',
      ...DEVTOOLS,
    });
    try {
      h.open('/pages/identity/index');
      // the gateway's consent text is on screen before anything can be agreed to
      await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
      await h.type('.name-input', PASSING.name);
      await h.type('.id-input', PASSING.idCardNumber);
      await h.change('.consent-check', { value: ['agree'] });
      // the developer's picks in the simulated face step
      h.actionSheetTaps.push(PICK(FACE_MISMATCH.name));
      await h.tap('.submit');

      await h.waitFor(() => h.exists('.retry'), 'the mismatch and its retry');
      expect(h.text('.message')).toBe('人脸与身份证照片不一致，请重试');
      // the sheet offers the test identities' outcomes (WeChat shows at most 6 items: 5 and "more")
      expect(h.actionSheets[0]).toEqual([
        ...SANDBOX_TEST_IDENTITIES.slice(0, 5).map((i) => PICK(i.name)),
        '更多结果…',
      ]);

      h.actionSheetTaps.push(PICK(PASSING.name));
      await h.tap('.retry');
      await h.waitFor(
        () => (h.navigations.at(-1) ?? '').startsWith('/pages/result/index'),
        'the result page',
      );
      h.followNavigation();
      await h.waitFor(() => h.exists('.title'), 'the result to load');
      expect(h.text('.title')).toBe('核验通过');

      // never WeChat's face APIs; the gateway was asked once whether it is a sandbox
      expect(h.faceChecks).toEqual([]);
      expect(h.actionSheets).toHaveLength(2);
      const operations = h.sent.map((s) => s.operationName);
      expect(operations.filter((o) => o === 'GatewayInfo')).toHaveLength(1);
      expect(operations.filter((o) => o === 'ConfirmVerification')).toHaveLength(2);

      // the session belongs to the labelled DevTools test user, as the gateway recorded it
      const id = new URLSearchParams(h.navigations.at(-1)!.split('?')[1]).get('verificationId')!;
      const key = await gateway.createServiceKey();
      const response = await fetch(gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          query: 'query($id: ID!) { verification(id: $id) { status openid attempts } }',
          variables: { id },
        }),
      });
      const { data } = (await response.json()) as { data: { verification: Record<string, unknown> } };
      expect(data.verification).toEqual({ status: 'VERIFIED', openid: SANDBOX_DEVTOOLS_OPENID, attempts: 2 });
    } finally {
      h.closePage();
    }
  }, 120_000);

  it('on a phone against the same sandbox gateway, the SDK never asks: the face step is WeChat’s', async () => {
    const h = new MiniProgramHarness(distDir, gateway.graphqlUrl, gateway.sandboxUrl, {
      openid: 'o_walkthrough_phone',
      ...DEVTOOLS,
      platform: 'android',
    });
    try {
      h.open('/pages/identity/index');
      // the gateway's consent text is on screen before anything can be agreed to
      await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
      await h.type('.name-input', PASSING.name);
      await h.type('.id-input', PASSING.idCardNumber);
      await h.change('.consent-check', { value: ['agree'] });
      await h.tap('.submit');
      await h.waitFor(
        () => (h.navigations.at(-1) ?? '').startsWith('/pages/result/index'),
        'the result page',
      );
      expect(h.faceChecks.map((c) => c.api)).toEqual(['v2']);
      expect(h.actionSheets).toEqual([]);
      expect(h.sent.map((s) => s.operationName)).not.toContain('GatewayInfo');
    } finally {
      h.closePage();
    }
  }, 60_000);
});
