import type { FaceVerifyClient } from '@facegate/domain';
import { SANDBOX_TEST_IDENTITIES, type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  forgetSandboxAnswers,
  GatewayAwareFaceClient,
  isDevTools,
  outcomeLabel,
  pickScenario,
  SandboxFaceVerifyClient,
  type SandboxWx,
} from '../src/lib/sandbox-face';

/** A wx whose action sheets are answered from `taps` (none left: closed) and whose wx.request is fetch. */
function fakeWx(platform: string, taps: string[] = []) {
  const sheets: string[][] = [];
  const wxApi: SandboxWx = {
    getDeviceInfo: () => ({ platform }),
    showActionSheet: (o) => {
      sheets.push(o.itemList);
      const index = o.itemList.indexOf(taps.shift() ?? '');
      setTimeout(() => (index >= 0 ? o.success?.({ tapIndex: index }) : o.fail?.({ errMsg: 'cancel' })), 0);
    },
    request: (o) => {
      fetch(o.url, { method: o.method, headers: o.header, body: o.data as string })
        .then(async (r) => o.success?.({ statusCode: r.status, data: await r.json() }))
        .catch((e: Error) => o.fail?.({ errMsg: e.message }));
    },
  };
  return { wxApi, sheets };
}

const label = (scenario: string) =>
  outcomeLabel(SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === scenario)!);

describe('picking the simulated outcome', () => {
  it('pages the test identities 5 at a time with a "more" item, as wx.showActionSheet allows 6', async () => {
    const { wxApi, sheets } = fakeWx('devtools', ['更多结果…', label('device_unsupported')]);
    expect(await pickScenario(wxApi, SANDBOX_TEST_IDENTITIES)).toBe('device_unsupported');
    expect(sheets.map((s) => s.length)).toEqual([6, 4]);
    expect(sheets.every((s) => s.length <= 6)).toBe(true);
  });

  it('closing the sheet is the user canceling the check', async () => {
    const { wxApi } = fakeWx('devtools');
    expect(await pickScenario(wxApi, SANDBOX_TEST_IDENTITIES)).toBe('user_cancel');
  });

  it('only DevTools is DevTools', () => {
    expect(isDevTools(fakeWx('devtools').wxApi)).toBe(true);
    for (const platform of ['android', 'ios', 'ohos', 'windows', 'mac'])
      expect(isDevTools(fakeWx(platform).wxApi)).toBe(false);
    expect(
      isDevTools({
        getDeviceInfo: () => {
          throw new Error('old base library');
        },
      }),
    ).toBe(false);
    expect(isDevTools({})).toBe(false);
  });
});

describe('the simulated checks, on a real sandbox over HTTP', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(() => sandbox?.close());

  const clientFor = (taps: string[]) =>
    new SandboxFaceVerifyClient({
      api: {
        sandboxDevice: async () => ({
          url: sandbox.url,
          openid: 'o_sim_user',
          identities: SANDBOX_TEST_IDENTITIES,
        }),
      },
      wx: fakeWx('devtools', taps).wxApi,
      sdkVersion: '3.9.2',
    });

  it('legacy: the picked outcome decides errCode, and a check that reached WeChat leaves a verifyResult', async () => {
    const identity = { checkAliveType: 2, name: '张三', idCardNumber: '110102198001010017' };
    const pass = await clientFor([label('pass')]).runLegacyCheck(identity);
    expect(pass.errCode).toBe(0);
    expect(typeof pass.verifyResult).toBe('string');
    const mismatch = await clientFor([label('face_mismatch')]).runLegacyCheck(identity);
    expect(mismatch.errCode).toBe(10004);
    expect(typeof mismatch.verifyResult).toBe('string');
    const canceled = await clientFor([]).runLegacyCheck(identity);
    expect(canceled).toEqual({ errCode: 90100, verifyResult: null });
  });

  it('a sandbox answer that is not a check result is an error, not a pass', async () => {
    const client = new SandboxFaceVerifyClient({
      api: { sandboxDevice: async () => ({ url: `${sandbox.url}/nowhere`, openid: 'o1', identities: [] }) },
      wx: fakeWx('devtools').wxApi,
      sdkVersion: null,
    });
    await expect(client.runV2Check({ verifyId: 'x' })).rejects.toThrow(/HTTP 404/);
    const gone = new SandboxFaceVerifyClient({
      api: { sandboxDevice: async () => null },
      wx: fakeWx('devtools').wxApi,
      sdkVersion: null,
    });
    await expect(gone.runV2Check({ verifyId: 'x' })).rejects.toThrow(/no longer in sandbox mode/);
  });
});

describe('which face step runs', () => {
  const wechat: FaceVerifyClient = {
    capabilities: () => ({
      v2: false,
      legacy: true,
      livenessTypes: [],
      sdkVersion: '2.30.0',
      clientVersion: null,
    }),
    checkSupport: async () => ({ supported: true, errCode: 0 }),
    runLegacyCheck: async () => ({ errCode: 0, verifyResult: 'from-wechat' }),
    runV2Check: async () => ({ errCode: 0 }),
  };

  it('a phone never asks the gateway and keeps WeChat’s face APIs', async () => {
    forgetSandboxAnswers();
    const isSandbox = vi.fn(async () => true);
    const face = new GatewayAwareFaceClient(wechat, {
      api: { isSandbox, sandboxDevice: async () => null },
      wx: fakeWx('android').wxApi,
      gatewayUrl: () => 'http://gw/graphql',
    });
    await face.prepare();
    expect(isSandbox).not.toHaveBeenCalled();
    expect(face.isSimulated).toBe(false);
    expect(face.capabilities().v2).toBe(false);
  });

  it('DevTools asks once per gateway per launch; only a sandbox answer switches to the simulated step', async () => {
    forgetSandboxAnswers();
    const answers: Record<string, boolean> = { 'http://sandbox/graphql': true, 'http://real/graphql': false };
    const isSandbox = vi.fn();
    const make = (url: string) =>
      new GatewayAwareFaceClient(wechat, {
        api: {
          isSandbox: async () => {
            isSandbox(url);
            return answers[url]!;
          },
          sandboxDevice: async () => null,
        },
        wx: fakeWx('devtools').wxApi,
        gatewayUrl: () => url,
      });
    const [a, b, real] = [
      make('http://sandbox/graphql'),
      make('http://sandbox/graphql'),
      make('http://real/graphql'),
    ];
    expect(a.isSimulated).toBe(false); // until prepare(), WeChat's
    for (const face of [a, b, real]) await face.prepare();
    expect([a.isSimulated, b.isSimulated, real.isSimulated]).toEqual([true, true, false]);
    expect(isSandbox.mock.calls).toEqual([['http://sandbox/graphql'], ['http://real/graphql']]);
    expect(a.capabilities()).toMatchObject({ v2: true, legacy: true, sdkVersion: '2.30.0' });
    expect(await real.runLegacyCheck({ checkAliveType: 2 })).toEqual({
      errCode: 0,
      verifyResult: 'from-wechat',
    });
  });
});

describe('the simulated check runs as the signed-in app', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, extraApps: [{ appId: 'wx_second_app', appSecret: 'second' }] });
  });
  afterAll(() => sandbox?.close());

  it("sends the app's appid, so the evidence belongs to that mini program; none sent without one", async () => {
    const bodies: unknown[] = [];
    const { wxApi } = fakeWx('devtools', [label('pass'), label('pass')]);
    const request = wxApi.request!;
    wxApi.request = (o) => {
      bodies.push(JSON.parse(o.data as string));
      request(o);
    };
    const client = (appId: string | null) =>
      new SandboxFaceVerifyClient({
        api: {
          sandboxDevice: async () => ({
            url: sandbox.url,
            openid: 'o_sim_user',
            appId,
            identities: SANDBOX_TEST_IDENTITIES,
          }),
        },
        wx: wxApi,
        sdkVersion: '3.9.2',
      });
    const identity = { checkAliveType: 2, name: '张三', idCardNumber: '110102198001010017' };
    expect((await client('wx_second_app').runLegacyCheck(identity)).errCode).toBe(0);
    expect((await client(null).runLegacyCheck(identity)).errCode).toBe(0);
    expect(bodies).toEqual([
      expect.objectContaining({ appId: 'wx_second_app' }),
      expect.not.objectContaining({ appId: expect.anything() }),
    ]);
  });
});
