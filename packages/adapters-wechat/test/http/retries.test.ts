import { UpstreamProtocolError, UpstreamUnavailableError } from '@facegate/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { fullJitterDelayMs } from '../../src/http/retry-policy';
import { undiciErrors as errors } from '../../src/http/testing';
import {
  closeHarness,
  type Harness,
  harness,
  interceptApi,
  LEGACY_INFO_OK,
  PATHS,
  replyToken,
} from './mock-wechat';

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});
const track = (created: Harness): Harness => {
  h = created;
  return created;
};

const connReset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const connRefused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const sessionPath = { path: (p: string) => p.startsWith(`${PATHS.session}?`), method: 'GET' };
const SESSION_OK = { openid: 'o_1', session_key: 'SESSION_KEY_SECRET' };

describe('full jitter backoff', () => {
  it('draws from [0, min(max, base * 2^retry))', () => {
    const settings = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(fullJitterDelayMs(0, settings, () => 0.999)).toBe(99);
    expect(fullJitterDelayMs(2, settings, () => 0.5)).toBe(200);
    expect(fullJitterDelayMs(10, settings, () => 0.999)).toBe(999);
    expect(fullJitterDelayMs(3, settings, () => 0)).toBe(0);
  });
});

describe('transient failures', () => {
  it('retries errcode -1 and succeeds', async () => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, { errcode: -1, errmsg: 'system busy' }).times(2);
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, LEGACY_INFO_OK);

    const answer = await h.client.getLegacyVerifyInfo('VR');
    expect(answer.ok).toBe(true);
    expect(h.calls.filter((c) => c.endpoint === PATHS.getinfo).map((c) => c.outcome)).toEqual([
      'transient',
      'transient',
      'ok',
    ]);
  });

  it('stops retrying -1 when the next backoff would outlast the deadline: UpstreamUnavailableError', async () => {
    // random = 1 makes each delay its ceiling: 100 ms, then 200 ms. With a 250 ms deadline the first retry
    // fits (~100 ms) and the second would end at ~300 ms, so exactly two attempts are made.
    const h = track(
      harness({ deadlineMs: 250, retry: { baseDelayMs: 100, maxDelayMs: 1_000 }, random: () => 1 }),
    );
    replyToken(h.pool, 'T');
    let attempts = 0;
    interceptApi(h.pool, PATHS.getinfo, 'T')
      .reply(() => {
        attempts++;
        return { statusCode: 200, data: { errcode: -1, errmsg: 'system busy' } };
      })
      .persist();

    const error = await h.client.getLegacyVerifyInfo('VR').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).upstreamCode).toBe(-1);
    expect(attempts).toBe(2);
  });

  it('retries HTTP 5xx for a repeatable endpoint', async () => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(502, 'Bad Gateway');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(503, '');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, LEGACY_INFO_OK);
    await expect(h.client.getLegacyVerifyInfo('VR')).resolves.toMatchObject({ ok: true });
  });

  it('retries a connection reset for a repeatable endpoint', async () => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').replyWithError(connReset());
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').replyWithError(
      new errors.SocketError('other side closed'),
    );
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').reply(200, { errcode: 0, verify_ret: 10000 });
    await expect(
      h.client.queryVerifyInfo({ verifyId: 'v', outSeqNo: 'seq_00001', certHash: 'c', openid: 'o' }),
    ).resolves.toEqual({ ok: true, value: 10000 });
  });

  it('retries dispatcher header/body timeouts for a repeatable endpoint', async () => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').replyWithError(new errors.HeadersTimeoutError());
    interceptApi(h.pool, PATHS.getinfo, 'T').replyWithError(new errors.BodyTimeoutError());
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, LEGACY_INFO_OK);
    await expect(h.client.getLegacyVerifyInfo('VR')).resolves.toMatchObject({ ok: true });
  });

  it('gives UpstreamUnavailableError when WeChat does not answer within the deadline', async () => {
    const h = track(harness({ deadlineMs: 100 }));
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, LEGACY_INFO_OK).delay(2_000);

    const error = await h.client.getLegacyVerifyInfo('VR').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toMatch(/within 100 ms/);
    expect(h.calls.at(-1)).toEqual({ endpoint: PATHS.getinfo, outcome: 'transient' });
  });

  it('counts a slow token fetch against the same deadline', async () => {
    const h = track(harness({ deadlineMs: 100 }));
    h.pool
      .intercept({ path: PATHS.stableToken, method: 'POST' })
      .reply(200, { access_token: 'T', expires_in: 7200 })
      .delay(2_000);
    await expect(h.client.getLegacyVerifyInfo('VR')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe('calls whose repeat is unsafe (jscode2session: a code is single-use)', () => {
  it('are not repeated after a reset or a 5xx (the code may have been consumed)', async () => {
    const h = track(harness());
    let attempts = 0;
    // one call per code: a repeat would find its own 500 ready (and be counted), not the network refusal
    const forCode = (code: string) => ({
      path: (p: string) => p.startsWith(`${PATHS.session}?`) && p.includes(`js_code=${code}&`),
      method: 'GET',
    });
    h.pool
      .intercept(forCode('CODE'))
      .reply(() => {
        attempts++;
        return { statusCode: 500, data: 'oops' };
      })
      .persist();
    await expect(h.client.code2Session('CODE')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(attempts).toBe(1);

    h.pool.intercept(forCode('CODE2')).replyWithError(connReset());
    await expect(h.client.code2Session('CODE2')).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('are repeated when WeChat surely did nothing: -1, HTTP 429, connection refused', async () => {
    const h = track(harness());
    h.pool.intercept(sessionPath).reply(200, { errcode: -1, errmsg: 'busy' });
    h.pool.intercept(sessionPath).reply(429, 'slow down');
    h.pool.intercept(sessionPath).replyWithError(connRefused());
    h.pool.intercept(sessionPath).reply(200, SESSION_OK);
    await expect(h.client.code2Session('CODE')).resolves.toEqual({ openid: 'o_1', unionid: null });
  });
});

describe('answers that are not WeChat-shaped', () => {
  it('throws UpstreamProtocolError for truncated JSON, without retrying, and reports it as malformed', async () => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, '{"errcode":0,"identify_ret":0,"openid":"o_');
    await expect(h.client.getLegacyVerifyInfo('VR')).rejects.toBeInstanceOf(UpstreamProtocolError);
    expect(h.calls.at(-1)).toEqual({ endpoint: PATHS.getinfo, outcome: 'malformed' });
  });

  it.each([
    ['an array', '[1,2]'],
    ['a string', '"ok"'],
    ['null', 'null'],
    ['HTML', '<html>502</html>'],
    ['an empty body', ''],
  ])('throws UpstreamProtocolError for %s', async (_what, body) => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, body);
    await expect(h.client.getLegacyVerifyInfo('VR')).rejects.toBeInstanceOf(UpstreamProtocolError);
  });

  it('throws UpstreamProtocolError for an unexpected HTTP status', async () => {
    const h = track(harness());
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(404, 'not found');
    await expect(h.client.getLegacyVerifyInfo('VR')).rejects.toBeInstanceOf(UpstreamProtocolError);
  });

  it('throws UpstreamProtocolError for a malformed token answer', async () => {
    const h = track(harness());
    h.pool.intercept({ path: PATHS.stableToken, method: 'POST' }).reply(200, { expires_in: 7200 });
    await expect(h.client.accessToken()).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});

describe('the observer', () => {
  it("hears WeChat's errcode with each call that carried one, and every failed token fetch", async () => {
    const seen: { endpoint: string; outcome: string; errcode?: number }[] = [];
    const failed: string[] = [];
    const h = track(
      harness({
        observer: {
          call: (endpoint, _ms, outcome, errcode) =>
            seen.push({ endpoint, outcome, ...(errcode === undefined ? {} : { errcode }) }),
          tokenFetched: () => {},
          tokenFailed: (source) => failed.push(source),
        },
      }),
    );
    h.pool
      .intercept({ path: PATHS.stableToken, method: 'POST' })
      .reply(200, { errcode: 40013, errmsg: 'invalid appid' });
    await expect(h.client.accessToken()).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(failed).toEqual(['stable_token']);

    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, { errcode: -1, errmsg: 'system busy' });
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, { errcode: 84001, errmsg: 'invalid verify result' });
    await h.client.getLegacyVerifyInfo('VR').catch(() => null);
    expect(seen).toEqual([
      { endpoint: PATHS.stableToken, outcome: 'errcode', errcode: 40013 },
      { endpoint: PATHS.stableToken, outcome: 'ok' },
      { endpoint: PATHS.getinfo, outcome: 'transient', errcode: -1 },
      { endpoint: PATHS.getinfo, outcome: 'errcode', errcode: 84001 },
    ]);
    expect(failed).toEqual(['stable_token']);
  });

  it('cannot break a call by throwing', async () => {
    const h = track(
      harness({
        observer: {
          call: () => {
            throw new Error('metrics down');
          },
          tokenFetched: () => {},
        },
      }),
    );
    replyToken(h.pool, 'T');
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, LEGACY_INFO_OK);
    await expect(h.client.getLegacyVerifyInfo('VR')).resolves.toMatchObject({ ok: true });
  });
});
