import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../src/http/fault-injector';
import { SandboxInputError } from '../src/index';
import { type Harness, readJson, startHarness } from './support/harness';

const stableTokenCall = (h: Harness) =>
  fetch(`${h.sandbox.url}/cgi-bin/stable_token`, {
    method: 'POST',
    body: JSON.stringify({
      grant_type: 'client_credential',
      appid: h.sandbox.appId,
      secret: h.sandbox.appSecret,
    }),
  });

const postControl = (h: Harness, path: string, body: unknown) =>
  fetch(`${h.sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('faults on the WeChat endpoints', () => {
  it('busyRate: {"errcode":-1} instead of an answer', async () => {
    const h = await startHarness({ faults: { busyRate: 1 } });
    const answer = await readJson(await stableTokenCall(h));
    expect(answer.errcode).toBe(-1);
    expect(answer.access_token).toBeUndefined();
    expect(h.sandbox.counters().faultsInjected.busy).toBe(1);
    expect(h.sandbox.counters().tokensIssued).toBe(0);
  });

  it('http5xxRate: HTTP 503 with an HTML body', async () => {
    const h = await startHarness({ faults: { http5xxRate: 1 } });
    const response = await stableTokenCall(h);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toContain('503');
    expect(h.sandbox.counters().faultsInjected.http5xx).toBe(1);
  });

  it('resetRate: the connection is dropped without an answer', async () => {
    const h = await startHarness({ faults: { resetRate: 1 } });
    await expect(stableTokenCall(h)).rejects.toThrow();
    expect(h.sandbox.counters().faultsInjected.reset).toBe(1);
    expect(h.sandbox.counters().calls['/cgi-bin/stable_token']).toBe(1);
  });

  it('truncatedJsonRate: the call is handled but its JSON answer is cut short', async () => {
    const h = await startHarness({ faults: { truncatedJsonRate: 1 } });
    const response = await stableTokenCall(h);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(text.startsWith('{"access_token":"')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    expect(h.sandbox.counters().tokensIssued).toBe(1);
    expect(h.sandbox.counters().faultsInjected.truncatedJson).toBe(1);
  });

  it('latencyMs: the answer comes no sooner than the latency', async () => {
    const h = await startHarness({ faults: { latencyMs: 120 } });
    const started = performance.now();
    const answer = await readJson(await stableTokenCall(h));
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    expect(answer.access_token).toEqual(expect.any(String));
    expect(h.sandbox.counters().faultsInjected.delayed).toBe(1);
  });

  it('the same seed gives the same faults in the same order', async () => {
    const outcomes = async (seed: number) => {
      const h = await startHarness({ seed, faults: { busyRate: 0.5 } });
      const seen: number[] = [];
      for (let i = 0; i < 24; i++)
        seen.push(((await readJson(await stableTokenCall(h))).errcode as number) ?? 0);
      return seen;
    };
    const first = await outcomes(42);
    expect(await outcomes(42)).toEqual(first);
    expect(first).toContain(-1);
    expect(first).toContain(0);
  });

  it('never touch the /sandbox control endpoints', async () => {
    const h = await startHarness({
      faults: { resetRate: 1, busyRate: 1, http5xxRate: 1, truncatedJsonRate: 1 },
    });
    const login = await postControl(h, '/sandbox/device/login', { openid: 'o_user' });
    expect(login.status).toBe(200);
    expect((await readJson(login)).code).toEqual(expect.any(String));
    expect((await fetch(`${h.sandbox.url}/sandbox/counters`)).status).toBe(200);
    expect(h.sandbox.counters().faultsInjected).toMatchObject({
      reset: 0,
      busy: 0,
      http5xx: 0,
      truncatedJson: 0,
    });
  });
});

describe('changing faults while running', () => {
  it('setFaults() turns a fault on and off', async () => {
    const h = await startHarness();
    h.sandbox.setFaults({ busyRate: 1 });
    expect(h.sandbox.faults().busyRate).toBe(1);
    expect((await readJson(await stableTokenCall(h))).errcode).toBe(-1);
    h.sandbox.setFaults({ busyRate: 0 });
    expect((await readJson(await stableTokenCall(h))).access_token).toEqual(expect.any(String));
  });

  it('POST /sandbox/faults does the same and answers the settings now in force', async () => {
    const h = await startHarness();
    const response = await postControl(h, '/sandbox/faults', { http5xxRate: 1, latencyMs: 5 });
    expect(await readJson(response)).toMatchObject({
      http5xxRate: 1,
      latencyMs: 5,
      busyRate: 0,
      tokenTtlSeconds: 7200,
    });
    expect((await stableTokenCall(h)).status).toBe(503);
    await postControl(h, '/sandbox/faults', { http5xxRate: 0 });
    expect((await stableTokenCall(h)).status).toBe(200);
  });

  it('refuses a bad setting as a whole, changing nothing', async () => {
    const h = await startHarness();
    expect(() => h.sandbox.setFaults({ busyRate: 0.5, resetRate: 2 })).toThrow(SandboxInputError);
    expect(() => h.sandbox.setFaults({ lossRate: 0.1 } as never)).toThrow(/unknown fault setting: lossRate/);
    expect(() => h.sandbox.setFaults({ busyRate: 0.5, tokenTtlSeconds: 0 })).toThrow(/tokenTtlSeconds/);
    expect(h.sandbox.faults().busyRate).toBe(0);
    const response = await postControl(h, '/sandbox/faults', { latencyMs: -1 });
    expect(response.status).toBe(400);
    expect((await readJson(response)).error).toMatch(/latencyMs/);
    await expect(startHarness({ faults: { busyRate: -0.1 } })).rejects.toThrow(/busyRate/);
  });

  it('revokeTokens via POST /sandbox/faults or /sandbox/revoke-token: the current token gets 40001', async () => {
    const h = await startHarness();
    const use = async (token: string) =>
      (await h.face('getuseridkey', token, { name: '张三', id_card_number: '11010519491231002X' })).errcode;
    const first = await h.stableToken();
    await postControl(h, '/sandbox/faults', { revokeTokens: true });
    expect(await use(first)).toBe(40001);
    const second = await h.stableToken();
    expect(await use(second)).toBe(0);
    expect(await readJson(await postControl(h, '/sandbox/revoke-token', {}))).toEqual({
      sandbox: true,
      revoked: true,
    });
    expect(await use(second)).toBe(40001);
  });

  it('tokenTtlSeconds: tokens issued from now on live that long', async () => {
    const h = await startHarness();
    h.sandbox.setFaults({ tokenTtlSeconds: 30, revokeTokens: true });
    expect(h.sandbox.tokenTtlSeconds()).toBe(30);
    const answer = await readJson(await stableTokenCall(h));
    expect(answer.expires_in).toBe(30);
    h.clock.advance(30_000);
    expect(
      (
        await h.face('getuseridkey', answer.access_token as string, {
          name: '张三',
          id_card_number: '11010519491231002X',
        })
      ).errcode,
    ).toBe(42001);
  });
});

describe('FaultInjector', () => {
  it('delays between latency and latency + jitter, varying with the dice', () => {
    const injector = new FaultInjector({ latencyMs: 100, jitterMs: 50 }, 3);
    const delays = Array.from({ length: 50 }, () => injector.roll().delayMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThan(150);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });

  it('hits a rate roughly in proportion', () => {
    const injector = new FaultInjector({ busyRate: 0.25 }, 11);
    const busy = Array.from({ length: 2000 }, () => injector.roll().action).filter(
      (a) => a === 'busy',
    ).length;
    expect(busy).toBeGreaterThan(400);
    expect(busy).toBeLessThan(600);
  });
});
