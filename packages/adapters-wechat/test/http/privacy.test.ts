import { afterEach, describe, expect, it } from 'vitest';
import { redactUrl, WeChatFaceVerificationProvider } from '../../src/http/index';
import {
  APP_SECRET,
  closeHarness,
  type Harness,
  harness,
  interceptApi,
  LEGACY_INFO_OK,
  PATHS,
} from './mock-wechat';

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('redactUrl', () => {
  it('hides access_token, secret and js_code values and keeps the rest', () => {
    const out = redactUrl(
      'https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=S3CRET&js_code=C0DE&grant_type=x&access_token=TOK',
    );
    expect(out).not.toMatch(/S3CRET|C0DE|TOK/);
    expect(out).toContain('appid=wx1');
    expect(out).toContain('/sns/jscode2session');
  });

  it('does not echo what it cannot parse', () => {
    expect(redactUrl('not a url access_token=TOK')).toBe('[unparseable url]');
  });
});

describe('what the adapter logs and throws', () => {
  it('never contains tokens, the secret, session_key, name, ID number, verifyResult or verify_id', async () => {
    h = harness();
    const provider = new WeChatFaceVerificationProvider(h.client);
    const secrets = {
      token1: 'ACCESS_TOKEN_ONE_xyz',
      token2: 'ACCESS_TOKEN_TWO_xyz',
      secret: APP_SECRET,
      sessionKey: 'SESSION_KEY_abc123',
      code: 'LOGIN_CODE_777',
      name: '欧阳娜娜',
      id: '510107200001011235',
      verifyResult: 'VERIFY_RESULT_SECRET_9',
      verifyId: 'VERIFY_ID_SECRET_8',
    };
    const tokenPath = { path: PATHS.stableToken, method: 'POST' };
    h.pool.intercept(tokenPath).reply(200, { access_token: secrets.token1, expires_in: 7200 });
    h.pool.intercept(tokenPath).reply(200, { access_token: secrets.token2, expires_in: 7200 });
    // A token refresh, a reset and a busy answer: every path that logs.
    interceptApi(h.pool, PATHS.getinfo, secrets.token1).reply(200, { errcode: 40001, errmsg: 'x' });
    interceptApi(h.pool, PATHS.getinfo, secrets.token2).replyWithError(reset());
    interceptApi(h.pool, PATHS.getinfo, secrets.token2).reply(200, { errcode: -1, errmsg: 'busy' });
    interceptApi(h.pool, PATHS.getinfo, secrets.token2).reply(200, LEGACY_INFO_OK);
    interceptApi(h.pool, PATHS.getverifyid, secrets.token2).replyWithError(reset());
    interceptApi(h.pool, PATHS.getverifyid, secrets.token2).reply(200, {
      errcode: 0,
      verify_id: secrets.verifyId,
      expires_in: 3600,
    });
    interceptApi(h.pool, PATHS.queryverifyinfo, secrets.token2).reply(200, '{"errcode":0,"verify_r');
    const sessionPath = { path: (p: string) => p.startsWith(PATHS.session), method: 'GET' };
    h.pool.intercept(sessionPath).reply(200, { errcode: -1 });
    h.pool.intercept(sessionPath).reply(200, { openid: 'o', session_key: secrets.sessionKey });
    h.pool.intercept(sessionPath).replyWithError(reset());

    const thrown: unknown[] = [];
    await provider.fetchLegacyResult(secrets.verifyResult, 'default');
    await provider.prepare({
      protocol: 'V2',
      app: 'default',
      openid: 'o',
      outSeqNo: 'fg_00001',
      name: secrets.name,
      idCardNumber: secrets.id,
    });
    await provider
      .fetchV2Result({
        app: 'default',
        verifyId: secrets.verifyId,
        outSeqNo: 'fg_00001',
        certHash: 'c',
        openid: 'o',
      })
      .catch((e: unknown) => thrown.push(e));
    await h.client.code2Session(secrets.code);
    await h.client.code2Session(secrets.code).catch((e: unknown) => thrown.push(e));

    expect(h.logs.length).toBeGreaterThan(4);
    expect(thrown).toHaveLength(2);
    const text = JSON.stringify(h.logs) + thrown.map((e) => `${(e as Error).message} ${String(e)}`).join(' ');
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
  });
});
