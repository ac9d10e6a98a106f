import { UpstreamUnavailableError } from '@facegate/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessTokenCache } from '../../src/http/access-token-cache';
import { closeHarness, type Harness, harness, interceptApi, PATHS } from './mock-wechat';

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});
/** Registers the harness for cleanup and hands it back. */
const track = (created: Harness): Harness => {
  h = created;
  return created;
};

/** Answers token requests with TOKEN_1, TOKEN_2, ... and counts them. */
function countingTokens(harnessed: Harness, delayMs = 1) {
  const state = { requests: 0 };
  harnessed.pool
    .intercept({ path: PATHS.stableToken, method: 'POST' })
    .reply(() => {
      state.requests++;
      return { statusCode: 200, data: { access_token: `TOKEN_${state.requests}`, expires_in: 7200 } };
    })
    .delay(delayMs)
    .persist();
  return state;
}

const QUERY_OK = { errcode: 0, errmsg: 'ok', verify_ret: 10000 };
const query = { verifyId: 'vid', outSeqNo: 'seq_00001', certHash: 'h', openid: 'o1' };

describe('token errcodes from an API call', () => {
  it.each([40001, 40014, 42001])(
    'on %i drops the token, fetches once and retries the call once',
    async (errcode) => {
      const h = track(harness());
      const tokens = countingTokens(h);
      interceptApi(h.pool, PATHS.queryverifyinfo, 'TOKEN_1').reply(200, { errcode, errmsg: 'token' });
      interceptApi(h.pool, PATHS.queryverifyinfo, 'TOKEN_2').reply(200, QUERY_OK);

      await expect(h.client.queryVerifyInfo(query)).resolves.toEqual({ ok: true, value: 10000 });
      expect(tokens.requests).toBe(2);
    },
  );

  it('never loops: a fresh token rejected again is UpstreamUnavailableError after exactly two calls', async () => {
    const h = track(harness());
    const tokens = countingTokens(h);
    let apiCalls = 0;
    h.pool
      .intercept({ path: (p: string) => p.startsWith(PATHS.queryverifyinfo), method: 'POST' })
      .reply(() => {
        apiCalls++;
        return { statusCode: 200, data: { errcode: 40001, errmsg: 'invalid credential' } };
      })
      .persist();

    const error = await h.client.queryVerifyInfo(query).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).upstreamCode).toBe(40001);
    expect(apiCalls).toBe(2);
    expect(tokens.requests).toBe(2);
  });

  it('refreshes once for many in-flight calls whose 40001s arrive before and after the refresh', async () => {
    const h = track(harness());
    const tokens = countingTokens(h, 15);
    await h.client.accessToken(); // TOKEN_1 is cached before the burst
    const n = 60;
    // Every call made with TOKEN_1 fails, at staggered times: some answers arrive while the refresh is in
    // flight, some after TOKEN_2 is cached. Dropping the cache unconditionally would fetch TOKEN_3.
    for (let i = 0; i < n; i++) {
      interceptApi(h.pool, PATHS.queryverifyinfo, 'TOKEN_1')
        .reply(200, { errcode: 40001, errmsg: 'not latest' })
        .delay(i + 1);
    }
    interceptApi(h.pool, PATHS.queryverifyinfo, 'TOKEN_2').reply(200, QUERY_OK).persist();

    const results = await Promise.all(Array.from({ length: n }, () => h.client.queryVerifyInfo(query)));
    expect(results.every((r) => r.ok && r.value === 10000)).toBe(true);
    expect(tokens.requests).toBe(2);
  });
});

describe('AccessTokenCache.invalidate', () => {
  it('drops only the token that failed', async () => {
    let n = 0;
    const cache = new AccessTokenCache(
      'k',
      async () => ({ accessToken: `T${++n}`, expiresInSeconds: 7200 }),
      300_000,
      () => 1_000,
    );
    expect(await cache.get()).toBe('T1');
    expect(cache.invalidate('T0')).toBe(false);
    expect(await cache.get()).toBe('T1');
    expect(cache.invalidate('T1')).toBe(true);
    expect(await cache.get()).toBe('T2');
  });

  it('drops nothing while a refresh is in flight, so late failures join it', async () => {
    let release: (v: { accessToken: string; expiresInSeconds: number }) => void = () => {};
    let fetches = 0;
    const cache = new AccessTokenCache(
      'k',
      () => {
        fetches++;
        return new Promise((resolve) => {
          release = resolve;
        });
      },
      300_000,
      () => 1_000,
    );
    const pending = cache.get();
    expect(cache.invalidate('T_OLD')).toBe(false);
    const joined = cache.get();
    release({ accessToken: 'T_NEW', expiresInSeconds: 7200 });
    expect(await pending).toBe('T_NEW');
    expect(await joined).toBe('T_NEW');
    expect(fetches).toBe(1);
  });
});
