import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { waitFor } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { start } from './support/flows';
import { CANCEL, DATABASE_KINDS, startTestGateway, type TestGateway } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/*
 * Issue 24, item 4: the relay claimed 50 deliveries and waited for all of them, so with 120 endpoints that
 * never answer, a healthy endpoint's third event arrived a minute late. The same shape here: 120 endpoints
 * whose receiver accepts the connection and never answers, and one healthy receiver, all on loopback.
 */

const SILENT_ENDPOINTS = 120;
/** The delivery timeout in this test (10 s in production): the healthy latency must stay far below it. */
const TIMEOUT_MS = 8_000;
/** The outbox poll interval (FACEGATE_OUTBOX_POLL_MS), as deployed by default. */
const POLL_MS = 200;
/**
 * What the healthy endpoint may take per event: the poll interval plus a margin for a loaded machine (the
 * tests share two cores with PostgreSQL and other suites; unloaded, every event arrives within 500 ms).
 */
const HEALTHY_BOUND_MS = POLL_MS + 1_300;

const CREATE = `mutation($url: String!) {
  createWebhookEndpoint(url: $url, events: [VERIFICATION_STARTED, VERIFICATION_CANCELED]) { endpoint { id } } }`;

/** Accepts connections and reads requests, never answering: a receiver that hangs. */
async function startSilentServer() {
  const requests = new Set<Socket>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => requests.add(socket));
    socket.on('close', () => {
      sockets.delete(socket);
      requests.delete(socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: (n: number) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/silent/${n}`,
    /** Requests sent and still waiting for an answer that never comes. */
    waiting: () => requests.size,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.each(DATABASE_KINDS)('a slow receiver delays only itself (%s)', (database) => {
  let t: TestGateway;
  let key: string;
  let healthy: WebhookReceiver;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let healthyId: string;

  beforeAll(async () => {
    t = await startTestGateway({
      database,
      env: { FACEGATE_OUTBOX_POLL_MS: String(POLL_MS) },
      overrides: { webhookSender: { timeoutMs: TIMEOUT_MS } },
    });
    key = await t.createApiKey(['webhooks:write', 'verifications:write']);
    silent = await startSilentServer();
    healthy = await startWebhookReceiver();
    for (let n = 0; n < SILENT_ENDPOINTS; n++) {
      const created = await t.gql(CREATE, { url: silent.url(n) }, key);
      expect(created.body.errors).toBeUndefined();
    }
    const created = await t.gql(CREATE, { url: healthy.url }, key);
    healthyId = created.body.data?.createWebhookEndpoint.endpoint.id;
    t.container.resolve(TOKENS.WebhookRelay).start();
  });
  afterAll(async () => {
    await t?.close();
    await silent?.close();
    await healthy?.close();
  });

  it('120 endpoints that never answer: the healthy endpoint gets each event within the poll interval', async () => {
    const db = t.container.resolve(TOKENS.Database);
    const attemptsOfOthers = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
           WHERE d.endpoint_id <> $1`,
          [healthyId],
        )
      )[0]!.n;

    /** Runs a mutation and returns how long the healthy receiver took to get the event it caused. */
    const latencyOf = async (type: string, act: () => Promise<string>) => {
      const before = healthy.received.length;
      const written = Date.now();
      const id = await act();
      await waitFor(`${type} at the healthy receiver`, () =>
        healthy.received.slice(before).some((r) => r.json?.type === type && r.json.data.id === id),
      );
      const got = healthy.received.slice(before).find((r) => r.json.type === type && r.json.data.id === id)!;
      return got.at - written;
    };

    // the first event goes to all 121 endpoints at once; every silent one then holds a request it will not
    // answer before the timeout
    const first = (await start(t, key, { protocol: 'V2', openid: 'o_slow_1' })).session!.id as string;
    await waitFor('a request at every silent endpoint', () => silent.waiting() >= SILENT_ENDPOINTS);
    await waitFor('the first start at the healthy receiver', () => healthy.received.length === 1);

    // the healthy endpoint's next four events, while all 120 hang
    const latencies: number[] = [];
    latencies.push(
      await latencyOf('verification.canceled', async () => {
        await t.gql(CANCEL, { id: first }, key);
        return first;
      }),
    );
    let second = '';
    latencies.push(
      await latencyOf('verification.started', async () => {
        second = (await start(t, key, { protocol: 'V2', openid: 'o_slow_2' })).session!.id;
        return second;
      }),
    );
    latencies.push(
      await latencyOf('verification.canceled', async () => {
        await t.gql(CANCEL, { id: second }, key);
        return second;
      }),
    );
    latencies.push(
      await latencyOf(
        'verification.started',
        async () => (await start(t, key, { protocol: 'V2', openid: 'o_slow_3' })).session!.id,
      ),
    );
    // the silent endpoints' first attempts are still waiting: the healthy events did not wait for them
    expect(await attemptsOfOthers()).toBe(0);
    expect(silent.waiting()).toBeGreaterThanOrEqual(SILENT_ENDPOINTS);
    console.info(
      `healthy endpoint latency with ${SILENT_ENDPOINTS} silent ones (ms): ${latencies.join(', ')}`,
    );
    for (const latency of latencies) expect(latency).toBeLessThan(HEALTHY_BOUND_MS);
    expect(HEALTHY_BOUND_MS).toBeLessThan(TIMEOUT_MS / 5);

    // and the silent ones really were hanging: their attempts end at the timeout, as TIMEOUT
    await waitFor(
      'the silent endpoints timed out',
      async () => (await attemptsOfOthers()) >= SILENT_ENDPOINTS,
      30_000,
    );
    const errors = await db.query<{ error: string; n: number }>(
      `SELECT a.error, count(*)::int AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE d.endpoint_id <> $1 GROUP BY a.error`,
      [healthyId],
    );
    expect(errors.map((e) => e.error)).toEqual(['TIMEOUT']);
    const slowest = await db.query<{ ms: number }>(
      `SELECT min(a.latency_ms)::int AS ms FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE d.endpoint_id <> $1`,
      [healthyId],
    );
    expect(slowest[0]!.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  }, 60_000);
});
