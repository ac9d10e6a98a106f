import { describe, expect, it } from 'vitest';
import vectors from './fixtures/identity.json';
import { MINUTE, START, startHarness } from './support/harness';

const [zhangSan, liSi] = vectors.valid as [(typeof vectors.valid)[number], (typeof vectors.valid)[number]];
const OTHER_APP = { appId: 'wx_other_app', appSecret: 'other-secret' };

describe('POST /cityservice/face/identify/getuseridkey', () => {
  it('answers a user_id_key valid for 3600 s that the device can run a check with', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const answer = await h.face('getuseridkey', token, {
      name: liSi.name,
      id_card_number: liSi.idCardNumber,
    });
    expect(answer).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 3600 });
    const userIdKey = answer.user_id_key as string;

    const run = h.sandbox.device.runLegacyCheck({ openid: 'o_li', checkAliveType: 1, userIdKey });
    expect(run.errCode).toBe(0);
    const info = await h.face('getinfo', token, { verify_result: run.verifyResult });
    expect(info).toMatchObject({
      errcode: 0,
      identify_ret: 0,
      user_id_key: userIdKey,
      id_card_number_md5: liSi.idCardNumberMd5,
      name_utf8_md5: liSi.nameUtf8Md5,
    });

    h.clock.advance(3600_000);
    const late = h.sandbox.device.runLegacyCheck({ openid: 'o_li', checkAliveType: 1, userIdKey });
    expect(late).toEqual({
      errCode: 10041,
      errMsg: expect.stringMatching(/^startFacialRecognitionVerify:fail/),
      verifyResult: null,
    });
  });

  it('a user_id_key works only for the mini program that asked for it', async () => {
    const h = await startHarness({ extraApps: [OTHER_APP] });
    const token = await h.stableToken();
    const { user_id_key } = await h.face('getuseridkey', token, {
      name: liSi.name,
      id_card_number: liSi.idCardNumber,
    });
    const run = h.sandbox.device.runLegacyCheck({
      openid: 'o_li',
      checkAliveType: 1,
      userIdKey: user_id_key as string,
      appId: OTHER_APP.appId,
    });
    expect(run.errCode).toBe(10041);
  });

  it.each([
    [{ name: '张三' }, 40097],
    [{ id_card_number: '11010519491231002X' }, 40097],
    [{ name: '张三', id_card_number: '110105194912310021' }, 40097],
    [{ name: '张三', id_card_number: 11010519491231 }, 47001],
  ])('%o -> %i', async (body, errcode) => {
    const h = await startHarness();
    expect((await h.face('getuseridkey', await h.stableToken(), body)).errcode).toBe(errcode);
  });
});

describe('POST /cityservice/face/identify/getinfo', () => {
  it('returns what the check saw: identify_ret, times, openid, user_id_key, lowercase MD5s, check_alive_type 4', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    h.clock.advance(12_345);
    const run = h.sandbox.device.runLegacyCheck({
      openid: 'o_zhang',
      checkAliveType: 0,
      name: zhangSan.name,
      idCardNumber: zhangSan.idCardNumber.toLowerCase(),
    });
    expect(run.errCode).toBe(0);
    expect(run.errMsg).toBe('startFacialRecognitionVerify:ok');
    expect(run.verifyResult).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const info = await h.face('getinfo', token, { verify_result: run.verifyResult });
    const seconds = Math.floor((START + 12_345) / 1000);
    expect(info).toEqual({
      errcode: 0,
      errmsg: 'ok',
      identify_ret: 0,
      identify_time: seconds,
      finish_time: seconds,
      validate_data: expect.stringMatching(/^\d{4}$/),
      openid: 'o_zhang',
      user_id_key: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      id_card_number_md5: zhangSan.idCardNumberMd5,
      name_utf8_md5: zhangSan.nameUtf8Md5,
      check_alive_type: 4,
    });
  });

  it.each([
    [0, false, /^\d{4}$/],
    [1, false, /^$/],
    [2, false, /^$/],
    [2, true, /^\d{4}$/],
  ])(
    'checkAliveType %i (read-digits fallback %s): validate_data %s',
    async (checkAliveType, readDigitsFallback, expected) => {
      const h = await startHarness();
      const run = h.sandbox.device.runLegacyCheck({
        openid: 'o_zhang',
        checkAliveType,
        readDigitsFallback,
        name: zhangSan.name,
        idCardNumber: zhangSan.idCardNumber,
      });
      const info = await h.face('getinfo', await h.stableToken(), { verify_result: run.verifyResult });
      expect(info.validate_data).toMatch(expected);
    },
  );

  it('a verifyResult is valid 5 minutes, then 84002', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const run = h.sandbox.device.runLegacyCheck({
      openid: 'o_zhang',
      checkAliveType: 1,
      name: zhangSan.name,
      idCardNumber: zhangSan.idCardNumber,
    });
    h.clock.advance(5 * MINUTE - 1);
    expect((await h.face('getinfo', token, { verify_result: run.verifyResult })).errcode).toBe(0);
    h.clock.advance(1);
    expect((await h.face('getinfo', token, { verify_result: run.verifyResult })).errcode).toBe(84002);
  });

  it("84001 for a verifyResult read with another mini program's token", async () => {
    const h = await startHarness({ extraApps: [OTHER_APP] });
    const run = h.sandbox.device.runLegacyCheck({
      openid: 'o_zhang',
      checkAliveType: 1,
      name: zhangSan.name,
      idCardNumber: zhangSan.idCardNumber,
    });
    const otherToken = await h.stableToken(OTHER_APP.appId, OTHER_APP.appSecret);
    expect((await h.face('getinfo', otherToken, { verify_result: run.verifyResult })).errcode).toBe(84001);
    expect(
      (await h.face('getinfo', await h.stableToken(), { verify_result: run.verifyResult })).errcode,
    ).toBe(0);
  });

  it('refuses a form-encoded body and a camelCase verifyResult with 84001, as WeChat does', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const run = h.sandbox.device.runLegacyCheck({
      openid: 'o_zhang',
      checkAliveType: 1,
      name: zhangSan.name,
      idCardNumber: zhangSan.idCardNumber,
    });
    const form = `verify_result=${encodeURIComponent(run.verifyResult!)}`;
    const path = '/cityservice/face/identify/getinfo';
    expect(
      (await h.postRaw(path, form, 'application/x-www-form-urlencoded', { access_token: token })).errcode,
    ).toBe(84001);
    expect((await h.face('getinfo', token, { verifyResult: run.verifyResult })).errcode).toBe(84001);
    expect((await h.face('getinfo', token, { verify_result: run.verifyResult })).errcode).toBe(0);
  });

  it('84001 for a string WeChat never issued; 84003 for one it no longer holds', async () => {
    const h = await startHarness({ limits: { maxEntries: 2 } });
    const token = await h.stableToken();
    expect((await h.face('getinfo', token, { verify_result: 'made-up' })).errcode).toBe(84001);
    const runs = [1, 2, 3].map(() =>
      h.sandbox.device.runLegacyCheck({
        openid: 'o_zhang',
        checkAliveType: 1,
        name: zhangSan.name,
        idCardNumber: zhangSan.idCardNumber,
      }),
    );
    expect((await h.face('getinfo', token, { verify_result: runs[0]!.verifyResult })).errcode).toBe(84003);
    expect((await h.face('getinfo', token, { verify_result: runs[2]!.verifyResult })).errcode).toBe(0);
  });

  it('can be read again while valid (the replay guard is FaceGate’s job)', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const run = h.sandbox.device.runLegacyCheck({
      openid: 'o_zhang',
      checkAliveType: 1,
      name: zhangSan.name,
      idCardNumber: zhangSan.idCardNumber,
    });
    const first = await h.face('getinfo', token, { verify_result: run.verifyResult });
    const second = await h.face('getinfo', token, { verify_result: run.verifyResult });
    expect(second).toEqual(first);
  });

  it('44002 for an empty body, 43002 for a GET, 41001 without a token', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const path = '/cityservice/face/identify/getinfo';
    expect((await h.postRaw(path, '', 'application/json', { access_token: token })).errcode).toBe(44002);
    expect((await h.get(path, { access_token: token })).errcode).toBe(43002);
    expect((await h.post(path, { verify_result: 'x' })).errcode).toBe(41001);
  });
});

describe('the device side of a legacy check', () => {
  it.each([
    [{ checkAliveType: 3, name: '张三', idCardNumber: '11010519491231002X' }, 10001],
    [{ checkAliveType: 1, name: '张三' }, 10001],
    [{ checkAliveType: 1, name: '张三', idCardNumber: '110105194912310021' }, 10001],
    [{ checkAliveType: 1, userIdKey: 'made-up' }, 10041],
  ])('%o -> errCode %i without a verifyResult', async (input, errCode) => {
    const h = await startHarness();
    const run = h.sandbox.device.runLegacyCheck({ openid: 'o_zhang', ...input });
    expect(run.errCode).toBe(errCode);
    expect(run.verifyResult).toBeNull();
    expect(run.errMsg).toMatch(/^startFacialRecognitionVerify:fail /);
  });

  it('throws on input no mini program could send (no openid, unknown scenario)', async () => {
    const h = await startHarness();
    const base = { openid: 'o_zhang', checkAliveType: 1, name: '张三', idCardNumber: '11010519491231002X' };
    expect(() => h.sandbox.device.runLegacyCheck({ ...base, openid: '' })).toThrow(/openid/);
    expect(() => h.sandbox.device.runLegacyCheck({ ...base, scenario: 'explode' as never })).toThrow(
      /scenario/,
    );
  });
});
