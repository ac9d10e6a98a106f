import { describe, expect, it } from 'vitest';
import { type Harness, MINUTE, startHarness } from './support/harness';

const loginQuery = (h: Harness, code: string, overrides: Record<string, string> = {}) => ({
  appid: h.sandbox.appId,
  secret: h.sandbox.appSecret,
  js_code: code,
  grant_type: 'authorization_code',
  ...overrides,
});

describe('GET /sns/jscode2session', () => {
  it('turns a wx.login code into the openid and a fresh random session_key', async () => {
    const h = await startHarness();
    const first = await h.get('/sns/jscode2session', loginQuery(h, h.sandbox.device.login('o_user_1')));
    const second = await h.get('/sns/jscode2session', loginQuery(h, h.sandbox.device.login('o_user_1')));
    expect(first.openid).toBe('o_user_1');
    expect(first.session_key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(second.session_key).not.toBe(first.session_key);
    expect(first.errcode).toBeUndefined();
    expect(first.unionid).toBeUndefined();
  });

  it('a code is single-use: 40163 on reuse', async () => {
    const h = await startHarness();
    const code = h.sandbox.device.login('o_user_1');
    expect((await h.get('/sns/jscode2session', loginQuery(h, code))).openid).toBe('o_user_1');
    const again = await h.get('/sns/jscode2session', loginQuery(h, code));
    expect(again.errcode).toBe(40163);
    expect(again.openid).toBeUndefined();
  });

  it('a code lives about 5 minutes, then 40029', async () => {
    const h = await startHarness();
    const early = h.sandbox.device.login('o_user_1');
    const late = h.sandbox.device.login('o_user_1');
    h.clock.advance(5 * MINUTE - 1);
    expect((await h.get('/sns/jscode2session', loginQuery(h, early))).openid).toBe('o_user_1');
    h.clock.advance(1);
    expect((await h.get('/sns/jscode2session', loginQuery(h, late))).errcode).toBe(40029);
  });

  it('40029 for an invented code and for a code of another mini program', async () => {
    const h = await startHarness({ extraApps: [{ appId: 'wx_other_app', appSecret: 'other-secret' }] });
    expect((await h.get('/sns/jscode2session', loginQuery(h, 'made-up-code'))).errcode).toBe(40029);
    const otherAppsCode = h.sandbox.device.login('o_user_1', 'wx_other_app');
    expect((await h.get('/sns/jscode2session', loginQuery(h, otherAppsCode))).errcode).toBe(40029);
    const asOtherApp = loginQuery(h, otherAppsCode, { appid: 'wx_other_app', secret: 'other-secret' });
    expect((await h.get('/sns/jscode2session', asOtherApp)).openid).toBe('o_user_1');
  });

  it.each([
    [{ appid: 'wx_not_ours' }, 40013],
    [{ secret: 'wrong' }, 40125],
    [{ js_code: '' }, 41008],
    [{ appid: '' }, 41002],
    [{ secret: '' }, 41004],
    [{ grant_type: 'client_credential' }, 40002],
  ])('%o -> %i (the code is not used up)', async (overrides, errcode) => {
    const h = await startHarness();
    const code = h.sandbox.device.login('o_user_1');
    expect((await h.get('/sns/jscode2session', loginQuery(h, code, overrides))).errcode).toBe(errcode);
    expect((await h.get('/sns/jscode2session', loginQuery(h, code))).openid).toBe('o_user_1');
  });

  it('limits logins per user per minute: 45011', async () => {
    const h = await startHarness({ limits: { loginsPerUserPerMinute: 2 } });
    for (let i = 0; i < 2; i++) {
      const code = h.sandbox.device.login('o_busy_user');
      expect((await h.get('/sns/jscode2session', loginQuery(h, code))).openid).toBe('o_busy_user');
    }
    const third = h.sandbox.device.login('o_busy_user');
    expect((await h.get('/sns/jscode2session', loginQuery(h, third))).errcode).toBe(45011);
    expect(
      (await h.get('/sns/jscode2session', loginQuery(h, h.sandbox.device.login('o_calm_user')))).openid,
    ).toBe('o_calm_user');
    h.clock.advance(MINUTE);
    expect((await h.get('/sns/jscode2session', loginQuery(h, third))).openid).toBe('o_busy_user');
  });

  it('40226 for a high-risk user (openid starting blocked_)', async () => {
    const h = await startHarness();
    const code = h.sandbox.device.login('blocked_user');
    expect((await h.get('/sns/jscode2session', loginQuery(h, code))).errcode).toBe(40226);
  });

  it('answers 43001 to a POST', async () => {
    const h = await startHarness();
    expect((await h.post('/sns/jscode2session', {}, loginQuery(h, 'x'))).errcode).toBe(43001);
  });

  it('the device refuses an openid that is not one', async () => {
    const h = await startHarness();
    expect(() => h.sandbox.device.login('')).toThrow(/openid/);
    expect(() => h.sandbox.device.login('o_user', 'wx_unknown')).toThrow(/unknown appid/);
  });
});
