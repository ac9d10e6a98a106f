import { describe, expect, it } from 'vitest';
import { DeviceSide } from '../src/device-side';
import { BoundedStore } from '../src/support/bounded-store';
import { WeChatBackend } from '../src/wechat-backend';
import { START } from './support/harness';

const APP = { appId: 'wx_app', appSecret: 'secret' };

function backend(maxEntries: number) {
  let now = START;
  const b = new WeChatBackend({
    apps: [APP],
    tokenTtlSeconds: 7200,
    now: () => now,
    maxEntries,
    loginsPerUserPerMinute: 0,
  });
  return { b, device: new DeviceSide(b, APP.appId), advance: (ms: number) => (now += ms) };
}

const tokenQuery = new URLSearchParams({
  grant_type: 'client_credential',
  appid: APP.appId,
  secret: APP.appSecret,
});

describe('BoundedStore', () => {
  it('drops the oldest entry beyond its cap, and expired entries on sweep', () => {
    const store = new BoundedStore<number>(3);
    for (let i = 0; i < 5; i++) store.set(`k${i}`, i, 100 + i);
    expect(store.keys()).toEqual(['k2', 'k3', 'k4']);
    store.sweep(103);
    expect(store.keys()).toEqual(['k4']);
  });
});

describe('memory stays bounded under long runs', () => {
  it('no store grows past maxEntries however many codes, tokens and checks are made', () => {
    const { b, device } = backend(50);
    for (let i = 0; i < 2000; i++) {
      device.login(`o_${i}`);
      b.token(tokenQuery);
      const run = device.runLegacyCheck({
        openid: `o_${i}`,
        checkAliveType: 1,
        name: '张三',
        idCardNumber: '11010519491231002X',
      });
      expect(run.verifyResult).not.toBeNull();
      b.getVerifyId(APP.appId, {
        out_seq_no: `seq_${i}_xx`,
        cert_info: { cert_type: 'IDENTITY_CARD', cert_name: '张三', cert_no: '11010519491231002X' },
        openid: `o_${i}`,
      });
    }
    for (const size of Object.values(b.sizes())) expect(size).toBeLessThanOrEqual(50);
  });

  it('a sweep forgets what expired, yet the answers stay right: 42001, 84002, 40029', () => {
    const { b, device, advance } = backend(1000);
    const token = b.token(tokenQuery).body.access_token as string;
    const code = device.login('o_user');
    const run = device.runLegacyCheck({
      openid: 'o_user',
      checkAliveType: 1,
      name: '张三',
      idCardNumber: '11010519491231002X',
    });
    const verifyId = b.getVerifyId(APP.appId, {
      out_seq_no: 'seq_sweep',
      cert_info: { cert_type: 'IDENTITY_CARD', cert_name: '张三', cert_no: '11010519491231002X' },
      openid: 'o_user',
    }).body.verify_id as string;
    advance(7200_000);
    b.sweep();
    expect(b.sizes()).toMatchObject({ tokens: 0, codes: 0, verifyResults: 0, verifyIds: 0, userIdKeys: 0 });

    expect(b.authenticate(token)).toMatchObject({ body: { errcode: 42001 } });
    const fresh = b.token(tokenQuery).body.access_token as string;
    const auth = b.authenticate(fresh) as { appId: string };
    expect(auth.appId).toBe(APP.appId);
    expect(b.getInfo(APP.appId, { verify_result: run.verifyResult }).body.errcode).toBe(84002);
    const query = { verify_id: verifyId, out_seq_no: 'seq_sweep', cert_hash: 'x', openid: 'o_user' };
    expect(b.queryVerifyInfo(APP.appId, query).body.errcode).toBe(84002);
    const login = new URLSearchParams({
      appid: APP.appId,
      secret: APP.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
    });
    expect(b.code2Session(login).body.errcode).toBe(40029);
  });
});
