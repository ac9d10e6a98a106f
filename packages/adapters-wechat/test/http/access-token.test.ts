import { UpstreamUnavailableError } from '@facegate/domain';
import { afterEach, describe, expect, it } from 'vitest';
import {
  APP_ID,
  APP_SECRET,
  closeHarness,
  type Harness,
  harness,
  jsonBodyOf,
  PATHS,
  replyToken,
} from './mock-wechat';

let h: Harness;
afterEach(async () => {
  await closeHarness(h);
});

describe('access tokens', () => {
  it('fetches from stable_token in normal mode (never force_refresh) and reports the fetch', async () => {
    h = harness();
    let sent: Record<string, unknown> | null = null;
    h.pool.intercept({ path: PATHS.stableToken, method: 'POST' }).reply((req) => {
      sent = jsonBodyOf(req.body);
      return { statusCode: 200, data: { access_token: 'TOKEN_A', expires_in: 7200 } };
    });

    await expect(h.client.accessToken()).resolves.toBe('TOKEN_A');
    expect(sent).toEqual({
      grant_type: 'client_credential',
      appid: APP_ID,
      secret: APP_SECRET,
      force_refresh: false,
    });
    expect(h.tokenFetches).toEqual(['stable_token']);
    expect(h.calls).toEqual([{ endpoint: PATHS.stableToken, outcome: 'ok' }]);
  });

  it('serves later calls from the cache', async () => {
    h = harness();
    replyToken(h.pool, 'TOKEN_A'); // intercepted once: a second fetch would find no intercept
    await h.client.accessToken();
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_A');
    expect(h.tokenFetches).toHaveLength(1);
  });

  it('makes exactly one token request for 1,000 concurrent callers on a cold cache', async () => {
    h = harness();
    let requests = 0;
    h.pool
      .intercept({ path: PATHS.stableToken, method: 'POST' })
      .reply(() => {
        requests++;
        return { statusCode: 200, data: { access_token: `TOKEN_${requests}`, expires_in: 7200 } };
      })
      .delay(20)
      .persist();

    const tokens = await Promise.all(Array.from({ length: 1000 }, () => h.client.accessToken()));
    expect(requests).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['TOKEN_1']));
  });

  it('renews the token the configured margin before WeChat expires it', async () => {
    // lru-cache reads a start time of 0 as "no TTL", so the fake clock starts elsewhere.
    const t0 = 1_000_000;
    let now = t0;
    h = harness({ tokenClock: () => now, tokenRefreshMarginMs: 300_000 });
    replyToken(h.pool, 'TOKEN_A', 7200);
    replyToken(h.pool, 'TOKEN_B', 7200);

    await expect(h.client.accessToken()).resolves.toBe('TOKEN_A');
    now = t0 + 6_899_000; // 7200 s - 300 s margin = 6900 s
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_A');
    now = t0 + 6_901_000;
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_B');
    expect(h.tokenFetches).toHaveLength(2);
  });

  it('keeps a token with less life than the margin for half of it (never zero, never forever)', async () => {
    const t0 = 1_000_000;
    let now = t0;
    h = harness({ tokenClock: () => now, tokenRefreshMarginMs: 300_000 });
    replyToken(h.pool, 'TOKEN_SHORT', 300);
    replyToken(h.pool, 'TOKEN_NEXT', 7200);

    await h.client.accessToken();
    now = t0 + 149_000;
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_SHORT');
    now = t0 + 151_000;
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_NEXT');
  });

  it("uses cgi-bin/token only when asked to (tokenEndpoint: 'token')", async () => {
    h = harness({ tokenEndpoint: 'token' });
    h.pool
      .intercept({
        path: PATHS.token,
        method: 'GET',
        query: { grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET },
      })
      .reply(200, { access_token: 'PLAIN_TOKEN', expires_in: 7200 });

    await expect(h.client.accessToken()).resolves.toBe('PLAIN_TOKEN');
    expect(h.tokenFetches).toEqual(['token']);
  });

  it('turns a refused token fetch into UpstreamUnavailableError and does not cache the failure', async () => {
    h = harness();
    h.pool
      .intercept({ path: PATHS.stableToken, method: 'POST' })
      .reply(200, { errcode: 40125, errmsg: 'bad secret' });
    replyToken(h.pool, 'TOKEN_LATER');

    const error = await h.client.accessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).upstreamCode).toBe(40125);
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_LATER');
  });

  it('retries a busy (-1) token endpoint', async () => {
    h = harness();
    h.pool.intercept({ path: PATHS.stableToken, method: 'POST' }).reply(200, { errcode: -1, errmsg: 'busy' });
    replyToken(h.pool, 'TOKEN_A');
    await expect(h.client.accessToken()).resolves.toBe('TOKEN_A');
    expect(h.calls.map((c) => c.outcome)).toEqual(['transient', 'ok']);
  });
});
