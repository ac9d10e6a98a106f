import { describe, expect, it } from 'vitest';
import { type Harness, MINUTE, startHarness } from './support/harness';

const tokenQuery = (h: Harness, overrides: Record<string, string> = {}) => ({
  grant_type: 'client_credential',
  appid: h.sandbox.appId,
  secret: h.sandbox.appSecret,
  ...overrides,
});

/** A cheap authenticated call: errcode 0 when the token works. */
async function useToken(h: Harness, token: string): Promise<number | undefined> {
  const answer = await h.face('getuseridkey', token, { name: '张三', id_card_number: '11010519491231002X' });
  return answer.errcode;
}

describe('GET /cgi-bin/token', () => {
  it('issues a token with expires_in 7200 that the face endpoints accept', async () => {
    const h = await startHarness();
    const answer = await h.get('/cgi-bin/token', tokenQuery(h));
    expect(answer.expires_in).toBe(7200);
    expect(answer.access_token).toMatch(/^[A-Za-z0-9_-]{100,512}$/);
    expect(answer.errcode).toBeUndefined();
    expect(await useToken(h, answer.access_token as string)).toBe(0);
  });

  it('each call invalidates the previous token after a 5-minute overlap (40001 not latest)', async () => {
    const h = await startHarness();
    const first = (await h.get('/cgi-bin/token', tokenQuery(h))).access_token as string;
    h.clock.advance(MINUTE);
    const second = (await h.get('/cgi-bin/token', tokenQuery(h))).access_token as string;
    expect(second).not.toBe(first);
    expect(await useToken(h, first)).toBe(0);
    h.clock.advance(5 * MINUTE - 1);
    expect(await useToken(h, first)).toBe(0);
    h.clock.advance(1);
    const stale = await h.face('getuseridkey', first, { name: '张三', id_card_number: '11010519491231002X' });
    expect(stale.errcode).toBe(40001);
    expect(stale.errmsg).toContain('not latest');
    expect(await useToken(h, second)).toBe(0);
  });

  it('a token expires after tokenTtlSeconds: 42001', async () => {
    const h = await startHarness({ tokenTtlSeconds: 600 });
    const answer = await h.get('/cgi-bin/token', tokenQuery(h));
    expect(answer.expires_in).toBe(600);
    h.clock.advance(600_000 - 1);
    expect(await useToken(h, answer.access_token as string)).toBe(0);
    h.clock.advance(1);
    expect(await useToken(h, answer.access_token as string)).toBe(42001);
  });

  it.each([
    [{ appid: 'wx_not_ours' }, 40013],
    [{ secret: 'wrong' }, 40125],
    [{ appid: '' }, 41002],
    [{ secret: '' }, 41004],
    [{ grant_type: 'password' }, 40002],
  ])('%o -> %i', async (overrides, errcode) => {
    const h = await startHarness();
    const answer = await h.get('/cgi-bin/token', tokenQuery(h, overrides));
    expect(answer.errcode).toBe(errcode);
    expect(answer.access_token).toBeUndefined();
  });

  it('answers 43001 to a POST', async () => {
    const h = await startHarness();
    expect((await h.post('/cgi-bin/token', {}, tokenQuery(h))).errcode).toBe(43001);
  });
});

describe('POST /cgi-bin/stable_token', () => {
  it('returns the same token on repeated calls, with a shrinking expires_in', async () => {
    const h = await startHarness();
    const body = { grant_type: 'client_credential', appid: h.sandbox.appId, secret: h.sandbox.appSecret };
    const first = await h.post('/cgi-bin/stable_token', body);
    h.clock.advance(10 * MINUTE);
    const second = await h.post('/cgi-bin/stable_token', { ...body, force_refresh: false });
    expect(second.access_token).toBe(first.access_token);
    expect(first.expires_in).toBe(7200);
    expect(second.expires_in).toBe(7200 - 600);
    expect(h.sandbox.counters().tokensIssued).toBe(1);
  });

  it('renews 5 minutes before expiry, so any returned token has expires_in >= 300; the old one still works', async () => {
    const h = await startHarness();
    const body = { grant_type: 'client_credential', appid: h.sandbox.appId, secret: h.sandbox.appSecret };
    const first = await h.post('/cgi-bin/stable_token', body);
    h.clock.advance((7200 - 300) * 1000);
    const atMargin = await h.post('/cgi-bin/stable_token', body);
    expect(atMargin.access_token).toBe(first.access_token);
    expect(atMargin.expires_in).toBe(300);
    h.clock.advance(1000);
    const renewed = await h.post('/cgi-bin/stable_token', body);
    expect(renewed.access_token).not.toBe(first.access_token);
    expect(renewed.expires_in).toBe(7200);
    expect(await useToken(h, first.access_token as string)).toBe(0);
    h.clock.advance(299_000);
    expect(await useToken(h, first.access_token as string)).toBe(42001);
    expect(await useToken(h, renewed.access_token as string)).toBe(0);
  });

  it('is independent of /cgi-bin/token', async () => {
    const h = await startHarness();
    const stable = await h.stableToken();
    await h.get('/cgi-bin/token', tokenQuery(h));
    h.clock.advance(6 * MINUTE);
    await h.get('/cgi-bin/token', tokenQuery(h));
    expect(await useToken(h, stable)).toBe(0);
    expect(await h.stableToken()).toBe(stable);
  });

  it('force_refresh invalidates the previous token at once, at most once every 30 s and 20 times a day', async () => {
    const h = await startHarness();
    const body = {
      grant_type: 'client_credential',
      appid: h.sandbox.appId,
      secret: h.sandbox.appSecret,
      force_refresh: true,
    };
    const before = await h.stableToken();
    const forced = await h.post('/cgi-bin/stable_token', body);
    expect(forced.access_token).not.toBe(before);
    expect(await useToken(h, before)).toBe(40001);
    expect(await useToken(h, forced.access_token as string)).toBe(0);

    h.clock.advance(29_999);
    expect((await h.post('/cgi-bin/stable_token', body)).errcode).toBe(45011);
    h.clock.advance(1);
    expect((await h.post('/cgi-bin/stable_token', body)).access_token).toEqual(expect.any(String));
    for (let i = 2; i < 20; i++) {
      h.clock.advance(30_000);
      expect((await h.post('/cgi-bin/stable_token', body)).access_token).toEqual(expect.any(String));
    }
    h.clock.advance(30_000);
    expect((await h.post('/cgi-bin/stable_token', body)).errcode).toBe(45009);
    h.clock.advance(24 * 60 * MINUTE);
    expect((await h.post('/cgi-bin/stable_token', body)).access_token).toEqual(expect.any(String));
  });

  it.each([
    [{ appid: 'wx_not_ours' }, 40013],
    [{ secret: 'wrong' }, 40125],
    [{ grant_type: 'authorization_code' }, 40002],
    [{ appid: undefined }, 41002],
    [{ force_refresh: 'yes' }, 47001],
  ])('%o -> %i', async (overrides, errcode) => {
    const h = await startHarness();
    const body = {
      grant_type: 'client_credential',
      appid: h.sandbox.appId,
      secret: h.sandbox.appSecret,
      ...overrides,
    };
    expect((await h.post('/cgi-bin/stable_token', body)).errcode).toBe(errcode);
  });

  it('answers 44002 to an empty body, 47001 to one that is not JSON, 43002 to a GET', async () => {
    const h = await startHarness();
    expect((await h.postRaw('/cgi-bin/stable_token', '', 'application/json')).errcode).toBe(44002);
    expect((await h.postRaw('/cgi-bin/stable_token', '{"grant_type":', 'application/json')).errcode).toBe(
      47001,
    );
    expect((await h.postRaw('/cgi-bin/stable_token', '[1,2]', 'application/json')).errcode).toBe(47001);
    expect((await h.get('/cgi-bin/stable_token')).errcode).toBe(43002);
  });
});

describe('using a token', () => {
  it('41001 without one, 40014 for a string WeChat never issued', async () => {
    const h = await startHarness();
    const missing = await h.post('/cityservice/face/identify/getuseridkey', {
      name: 'x',
      id_card_number: 'y',
    });
    expect(missing.errcode).toBe(41001);
    expect(await useToken(h, 'not-a-token')).toBe(40014);
  });

  it('revokeTokens(): tokens of both endpoints stop working now (40001), new ones can be fetched', async () => {
    const h = await startHarness();
    const stable = await h.stableToken();
    const plain = (await h.get('/cgi-bin/token', tokenQuery(h))).access_token as string;
    h.sandbox.revokeTokens();
    expect(await useToken(h, stable)).toBe(40001);
    expect(await useToken(h, plain)).toBe(40001);
    const fresh = await h.stableToken();
    expect(fresh).not.toBe(stable);
    expect(await useToken(h, fresh)).toBe(0);
  });

  it('counts every token issued; resetCounters() starts again from zero', async () => {
    const h = await startHarness();
    await h.stableToken();
    await h.stableToken();
    await h.get('/cgi-bin/token', tokenQuery(h));
    await h.get('/cgi-bin/token', tokenQuery(h));
    expect(h.sandbox.counters().tokensIssued).toBe(3);
    h.sandbox.resetCounters();
    expect(h.sandbox.counters().tokensIssued).toBe(0);
  });
});
