import { UpstreamProtocolError, UpstreamUnavailableError } from '@facegate/domain';
import { waitFor } from '@facegate/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { type Live, live, nextOutSeqNo, stableTokenCalls } from './sandbox-harness';

const NAME = '李四';
const ID = '440306199003076519';
const GETUSERIDKEY = '/cityservice/face/identify/getuseridkey';

let env: Live | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});
async function start(...args: Parameters<typeof live>): Promise<Live> {
  env = await live(...args);
  return env;
}

describe('access tokens against the sandbox', () => {
  it('1,000 concurrent calls on a cold cache cause exactly one token request', async () => {
    // Generous deadline: 1,000 real requests share the Agent's connections on a possibly slow CI machine.
    const { sandbox, client } = await start({}, { deadlineMs: 30_000 });
    const answers = await Promise.all(Array.from({ length: 1000 }, () => client.getUserIdKey(NAME, ID)));

    expect(answers.every((a) => a.ok)).toBe(true);
    expect(stableTokenCalls(sandbox)).toBe(1);
    expect(sandbox.counters().tokensIssued).toBe(1);
    expect(sandbox.counters().calls[GETUSERIDKEY]).toBe(1000);
  });

  it('a token revoked while 500 calls are in flight causes exactly one refresh and no failed call', async () => {
    const { sandbox, client } = await start({}, { deadlineMs: 30_000 });
    await client.accessToken(); // warm: the burst starts with a cached token
    sandbox.resetCounters();
    // Latency holds the requests inside the sandbox, so the revocation lands while they are in flight.
    sandbox.setFaults({ latencyMs: 100 });

    const burst = Promise.allSettled(Array.from({ length: 500 }, () => client.getUserIdKey(NAME, ID)));
    // The sandbox counts a call when it arrives and answers it after the latency: once one is counted, it is
    // in flight (its answer's timer is due later than this check's), so the revocation lands on it.
    await waitFor('a call to reach the sandbox', () => (sandbox.counters().calls[GETUSERIDKEY] ?? 0) > 0, {
      intervalMs: 5,
    });
    sandbox.revokeTokens();
    const results = await burst;

    const failed = results.filter((r) => r.status === 'rejected' || !r.value.ok);
    expect(failed).toEqual([]);
    expect(stableTokenCalls(sandbox)).toBe(1);
    expect(sandbox.counters().tokensIssued).toBe(1);
    // Some calls really did meet the revoked token (each of those was repeated once).
    expect(sandbox.counters().calls[GETUSERIDKEY]).toBeGreaterThan(500);
  });
});

describe('transient faults against the sandbox', () => {
  it('bursts of -1 end in success inside the deadline', async () => {
    const { sandbox, client } = await start(
      { faults: { busyRate: 0.6 }, seed: 7 },
      { deadlineMs: 5_000, retry: { baseDelayMs: 5, maxDelayMs: 40 } },
    );
    // Sequential, so the seeded dice fall the same way on every run.
    for (let i = 0; i < 20; i++) {
      const answer = await client.getUserIdKey(NAME, ID);
      expect(answer.ok).toBe(true);
    }
    const code = sandbox.device.login('o_busy_user');
    await expect(client.code2Session(code)).resolves.toMatchObject({ openid: 'o_busy_user' });
    expect(sandbox.counters().faultsInjected.busy).toBeGreaterThan(10);
  });

  it('-1 that never stops gives UpstreamUnavailableError once the deadline is spent', async () => {
    // long enough that a loaded machine still sees WeChat's -1 before the deadline ends the retries
    const { client } = await start({ faults: { busyRate: 1 } }, { deadlineMs: 3_000 });
    const error = await client.getUserIdKey(NAME, ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).upstreamCode).toBe(-1);
  });

  it('HTTP 503s and dropped connections are retried where a repeat is safe', async () => {
    const { sandbox, client, provider } = await start(
      { faults: { http5xxRate: 0.3, resetRate: 0.2 }, seed: 11 },
      { retry: { baseDelayMs: 5, maxDelayMs: 40 } },
    );
    for (let i = 0; i < 10; i++) {
      const prepared = await provider.prepare({
        protocol: 'V2',
        app: 'default',
        openid: 'o_fault_user',
        outSeqNo: nextOutSeqNo(),
        name: NAME,
        idCardNumber: ID,
      });
      expect(prepared.errcode).toBe(0);
    }
    await expect(client.getUserIdKey(NAME, ID)).resolves.toMatchObject({ ok: true });
    const injected = sandbox.counters().faultsInjected;
    expect(injected.http5xx + injected.reset).toBeGreaterThan(0);
  });

  it('a dropped jscode2session is not repeated (the code may be spent), and the code still works after', async () => {
    const { sandbox, client } = await start();
    await client.accessToken();
    const code = sandbox.device.login('o_reset_user');
    sandbox.setFaults({ resetRate: 1 });
    await expect(client.code2Session(code)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(sandbox.counters().calls['/sns/jscode2session']).toBe(1);
    sandbox.setFaults({ resetRate: 0 });
    await expect(client.code2Session(code)).resolves.toMatchObject({ openid: 'o_reset_user' });
  });

  it('an answer slower than the deadline gives UpstreamUnavailableError', async () => {
    const { sandbox, client } = await start({}, { deadlineMs: 300 });
    await client.accessToken();
    sandbox.setFaults({ latencyMs: 2_000 });
    await expect(client.getUserIdKey(NAME, ID)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe('truncated JSON from the sandbox', () => {
  it('gives UpstreamProtocolError for every endpoint, token included', async () => {
    const { sandbox, client, provider } = await start();
    await client.accessToken();
    const code = sandbox.device.login('o_trunc_user');
    const run = sandbox.device.runLegacyCheck({
      openid: 'o_trunc_user',
      checkAliveType: 1,
      name: NAME,
      idCardNumber: ID,
    });
    sandbox.setFaults({ truncatedJsonRate: 1 });

    await expect(client.code2Session(code)).rejects.toBeInstanceOf(UpstreamProtocolError);
    await expect(
      provider.prepare({ protocol: 'LEGACY', app: 'default', name: NAME, idCardNumber: ID }),
    ).rejects.toBeInstanceOf(UpstreamProtocolError);
    await expect(
      provider.prepare({
        protocol: 'V2',
        app: 'default',
        openid: 'o_trunc_user',
        outSeqNo: nextOutSeqNo(),
        name: NAME,
        idCardNumber: ID,
      }),
    ).rejects.toBeInstanceOf(UpstreamProtocolError);
    await expect(provider.fetchLegacyResult(run.verifyResult!, 'default')).rejects.toBeInstanceOf(
      UpstreamProtocolError,
    );
    await expect(
      provider.fetchV2Result({
        app: 'default',
        verifyId: 'v',
        outSeqNo: nextOutSeqNo(),
        certHash: 'c',
        openid: 'o_trunc_user',
      }),
    ).rejects.toBeInstanceOf(UpstreamProtocolError);

    sandbox.revokeTokens(); // the next call needs a new token, whose answer is cut short too
    await expect(client.getUserIdKey(NAME, ID)).rejects.toBeInstanceOf(UpstreamProtocolError);
    expect(sandbox.counters().faultsInjected.truncatedJson).toBeGreaterThanOrEqual(6);
  });
});

describe('logs during faults', () => {
  it('hold no token, secret, name or ID number', async () => {
    const { sandbox, client, logs } = await start(
      { faults: { busyRate: 0.5, resetRate: 0.2 }, seed: 3 },
      { retry: { baseDelayMs: 5, maxDelayMs: 40 } },
    );
    const token = await client.accessToken();
    for (let i = 0; i < 5; i++) await client.getUserIdKey(NAME, ID);
    sandbox.revokeTokens();
    sandbox.setFaults({ busyRate: 0, resetRate: 0 });
    await client.getUserIdKey(NAME, ID);
    const fresh = await client.accessToken();

    expect(logs.length).toBeGreaterThan(0);
    const text = JSON.stringify(logs);
    for (const secret of [token, fresh, sandbox.appSecret, NAME, ID]) expect(text).not.toContain(secret);
  });
});
