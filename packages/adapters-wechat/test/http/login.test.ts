import { UpstreamProtocolError, UpstreamUnavailableError } from '@facegate/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { WeChatLoginError } from '../../src/http/index';
import { APP_ID, APP_SECRET, closeHarness, type Harness, harness, PATHS } from './mock-wechat';

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});
const track = (created: Harness): Harness => {
  h = created;
  return created;
};

const sessionQuery = (code: string) => ({
  path: PATHS.session,
  method: 'GET',
  query: { appid: APP_ID, secret: APP_SECRET, js_code: code, grant_type: 'authorization_code' },
});

describe('code2Session', () => {
  it('returns openid and unionid, never the session_key', async () => {
    const h = track(harness());
    h.pool
      .intercept(sessionQuery('CODE_1'))
      .reply(200, { openid: 'o_user', session_key: 'SK_SECRET', unionid: 'u_user' });

    const result = await h.client.code2Session('CODE_1');
    expect(result).toEqual({ openid: 'o_user', unionid: 'u_user' });
    expect(Object.keys(result).sort()).toEqual(['openid', 'unionid']);
    expect(JSON.stringify(result)).not.toContain('SK_SECRET');
  });

  it('gives unionid null when WeChat sends none', async () => {
    const h = track(harness());
    h.pool.intercept(sessionQuery('CODE_2')).reply(200, { openid: 'o_user', session_key: 'SK' });
    await expect(h.client.code2Session('CODE_2')).resolves.toEqual({ openid: 'o_user', unionid: null });
  });

  it.each([
    [40029, 'INVALID_CODE'],
    [40163, 'CODE_USED'],
    [45011, 'RATE_LIMITED'],
    [40226, 'USER_BLOCKED'],
    [40125, 'REJECTED'],
    [99999, 'REJECTED'],
  ])('maps errcode %i to WeChatLoginError %s', async (errcode, code) => {
    const h = track(harness());
    h.pool.intercept(sessionQuery('CODE_X')).reply(200, { errcode, errmsg: 'nope' });
    const error = await h.client.code2Session('CODE_X').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatLoginError);
    expect(error).toMatchObject({ code, errcode });
    expect((error as Error).message).not.toContain('CODE_X');
  });

  it('retries -1 and then succeeds', async () => {
    const h = track(harness());
    h.pool.intercept(sessionQuery('CODE_3')).reply(200, { errcode: -1, errmsg: 'busy' }).times(2);
    h.pool.intercept(sessionQuery('CODE_3')).reply(200, { openid: 'o_user', session_key: 'SK' });
    await expect(h.client.code2Session('CODE_3')).resolves.toEqual({ openid: 'o_user', unionid: null });
  });

  it('gives UpstreamUnavailableError when -1 persists past the deadline', async () => {
    const h = track(harness({ deadlineMs: 150 }));
    h.pool.intercept(sessionQuery('CODE_4')).reply(200, { errcode: -1, errmsg: 'busy' }).persist();
    const error = await h.client.code2Session('CODE_4').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).upstreamCode).toBe(-1);
  });

  it.each([
    ['openid missing', { session_key: 'SK' }],
    ['openid not a string', { openid: 42, session_key: 'SK' }],
    ['session_key missing', { openid: 'o' }],
    ['unionid not a string', { openid: 'o', session_key: 'SK', unionid: 7 }],
    ['errcode not an integer', { errcode: '40029' }],
  ])('throws UpstreamProtocolError when %s', async (_what, body) => {
    const h = track(harness());
    h.pool.intercept(sessionQuery('CODE_5')).reply(200, body);
    await expect(h.client.code2Session('CODE_5')).rejects.toBeInstanceOf(UpstreamProtocolError);
  });

  it.each([[''], ['has space'], ['x'.repeat(300)]])(
    'rejects an impossible code %j without calling WeChat',
    async (code) => {
      const h = track(harness()); // no intercepts: any request would fail differently
      await expect(h.client.code2Session(code)).rejects.toMatchObject({ code: 'INVALID_CODE' });
      expect(h.calls).toEqual([]);
    },
  );
});
