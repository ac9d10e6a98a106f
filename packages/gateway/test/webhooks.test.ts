import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { waitFor } from '@facegate/test-support';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { VerificationEventBus } from '../src/application/events/verification-event-bus';
import { WebhookRelay } from '../src/application/webhooks/webhook-relay';
import { nextRetryAt, STANDARD_RETRY_SCHEDULE } from '../src/application/webhooks/webhook-retry-schedule';
import { resolve, TOKENS } from '../src/composition/tokens';
import { createLogger } from '../src/infrastructure/observability/logger';
import { WebhookSender } from '../src/infrastructure/webhooks/webhook-sender';
import { signatureHeader, signatureOf, webhookHeaders } from '../src/infrastructure/webhooks/webhook-signing';
import {
  checkWebhookUrl,
  isNonPublicAddress,
  PRODUCTION_URL_POLICY,
} from '../src/infrastructure/webhooks/webhook-url-policy';
import { fullFlow, PEOPLE, start } from './support/flows';
import {
  CANCEL,
  DATABASE_KINDS,
  errorCode,
  type Json,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/** Short retries so the schedule is exercised in milliseconds, not hours. */
const FAST = { intervalMs: 25, schedule: { delaysMs: [30, 30, 30, 30], jitter: 0.2 } };

const CREATE = `mutation($url: String!, $events: [WebhookEventType!]!, $description: String) {
  createWebhookEndpoint(url: $url, events: $events, description: $description) {
    secret endpoint { id url events enabled disabledReason failingSince description } } }`;
const DELIVERIES = `query($id: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $id, status: $status, first: $first, after: $after) {
    edges { cursor node { id eventType verificationId status attempts lastStatusCode lastError
      attemptLog { statusCode latencyMs responseExcerpt error } } }
    pageInfo { hasNextPage endCursor } } }`;
const ALL_EVENTS = [
  'VERIFICATION_STARTED',
  'VERIFICATION_VERIFIED',
  'VERIFICATION_FAILED',
  'VERIFICATION_CANCELED',
  'VERIFICATION_EXPIRED',
  'VERIFICATION_ATTEMPT_FAILED',
];

const relayOf = (t: TestGateway) => t.container.resolve(TOKENS.WebhookRelay);

async function createEndpoint(t: TestGateway, key: string, url: string, events = ALL_EVENTS) {
  const created = await t.gql(CREATE, { url, events, description: 'test receiver' }, key);
  const payload = created.body.data?.createWebhookEndpoint;
  if (!payload) throw new Error(`create failed: ${JSON.stringify(created.body.errors)}`);
  return payload as { secret: string; endpoint: Json };
}

/** Starts a verification for `openid` as a service and cancels it: two events. */
async function startAndCancel(t: TestGateway, key: string, openid: string): Promise<string> {
  const started = await start(t, key, { protocol: 'V2', openid });
  if (!started.session) throw new Error(`start failed: ${JSON.stringify(started.response.body.errors)}`);
  const id = started.session.id as string;
  const canceled = await t.gql(CANCEL, { id }, key);
  expect(canceled.body.data?.cancelVerification?.status).toBe('CANCELED');
  return id;
}

/**
 * How long a subscription on `bus` takes to hear of a cancel made through `writer`, five times (ms). The
 * start's own event may still be on its way, so updates are read until the cancel arrives.
 */
async function cancelLatencies(writer: TestGateway, key: string, bus: VerificationEventBus, prefix: string) {
  const latencies: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = await start(writer, key, { protocol: 'V2', openid: `${prefix}_${i}` });
    const updates = bus.subscribe(started.session!.id);
    const before = performance.now();
    await writer.gql(CANCEL, { id: started.session!.id }, key);
    let next = await updates.next();
    while (next.value?.status === 'PENDING') next = await updates.next();
    latencies.push(performance.now() - before);
    await updates.return?.();
    expect(next.value?.status).toBe('CANCELED');
  }
  return latencies;
}

describe('signing (Standard Webhooks)', () => {
  it("matches the specification's published vector", () => {
    // standard-webhooks/libraries/javascript/src/webhook.test.ts, "sign function works"
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const header = signatureHeader(
      [secret],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(header).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    // the prefix is optional on the secret, as in the reference library
    expect(
      signatureOf(
        'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every secret given, and the reference verifier accepts either secret (rotation overlap)', () => {
    const oldSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const newSecret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const body = '{"type":"verification.verified"}';
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([newSecret, oldSecret], 'msg_1', now, body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook('whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk=').verify(body, headers)).toThrow();
    expect(() => new Webhook(oldSecret).verify(`${body} `, headers)).toThrow();
  });
});

describe('retry schedule and event types', () => {
  it("follows Standard Webhooks' delays with bounded jitter, about 3 days in all, then stops", () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(nextRetryAt(STANDARD_RETRY_SCHEDULE, 1, now, () => 0.5)).toEqual(new Date(now.getTime() + 5_000));
    expect(nextRetryAt(STANDARD_RETRY_SCHEDULE, 2, now, () => 0.5)).toEqual(
      new Date(now.getTime() + 300_000),
    );
    const low = nextRetryAt(STANDARD_RETRY_SCHEDULE, 4, now, () => 0)!.getTime() - now.getTime();
    const high = nextRetryAt(STANDARD_RETRY_SCHEDULE, 4, now, () => 0.999)!.getTime() - now.getTime();
    expect(low).toBe(2 * 3600_000 * 0.8);
    expect(high).toBeGreaterThan(2 * 3600_000 * 1.19);
    const total = STANDARD_RETRY_SCHEDULE.delaysMs.reduce((a, b) => a + b, 0);
    expect(total / 3600_000).toBeGreaterThan(60);
    expect(total / 3600_000).toBeLessThan(80);
    expect(nextRetryAt(STANDARD_RETRY_SCHEDULE, STANDARD_RETRY_SCHEDULE.delaysMs.length + 1, now)).toBeNull();
  });
});

describe('SSRF rules', () => {
  it('production refuses http://, credentials and private, loopback or link-local addresses', async () => {
    const refused: [string, string][] = [
      ['http://hooks.example.com/x', 'URL_HTTPS_REQUIRED'],
      ['https://user:pw@hooks.example.com/x', 'URL_CREDENTIALS'],
      ['https://127.0.0.1/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://10.1.2.3/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://172.16.0.9/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://192.168.1.1/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://169.254.169.254/latest/meta-data', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://[::1]/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://[fe80::1]/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://[::ffff:10.0.0.1]/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['https://localhost/x', 'URL_ADDRESS_NOT_ALLOWED'],
      ['ftp://hooks.example.com/x', 'URL_FORMAT'],
    ];
    for (const [url, rule] of refused) {
      await expect(checkWebhookUrl(url, PRODUCTION_URL_POLICY), url).rejects.toMatchObject({ rule });
    }
    expect(await checkWebhookUrl('https://93.184.216.34/hook', PRODUCTION_URL_POLICY)).toBe(
      'https://93.184.216.34/hook',
    );
    expect(isNonPublicAddress('100.64.0.1')).toBe(true);
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(isNonPublicAddress('2606:4700::1111')).toBe(false);
  });
});

describe('the sender (real servers on loopback)', () => {
  it('does not follow redirects, bounds the excerpt, and gives up at its timeout', async () => {
    const target = await startWebhookReceiver();
    const redirecting = createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    const chatty = createServer((_req, res) => res.writeHead(500).end('x'.repeat(100_000)));
    const silent = createServer(() => {
      // never answers
    });
    for (const server of [redirecting, chatty, silent]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    // loopback answers are kept here only to see the bound (the default keeps none: next test)
    const sender = new WebhookSender({
      publicAddressesOnly: false,
      timeoutMs: 300,
      excerptChars: 64,
      keepExcerptFrom: () => true,
    });
    try {
      const redirected = await sender.send(urlOf(redirecting), {}, '{}');
      expect(redirected).toMatchObject({ statusCode: 307, error: null });
      expect(target.received).toEqual([]);
      const long = await sender.send(urlOf(chatty), {}, '{}');
      expect(long).toMatchObject({ statusCode: 500, responseExcerpt: 'x'.repeat(64) });
      const timedOut = await sender.send(urlOf(silent), {}, '{}');
      expect(timedOut).toMatchObject({ statusCode: null, error: 'TIMEOUT' });
      expect(timedOut.latencyMs).toBeGreaterThanOrEqual(250);
    } finally {
      await sender.close();
      await target.close();
      for (const server of [redirecting, chatty, silent]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });
});

describe.each(DATABASE_KINDS)('webhooks end to end (%s)', (database) => {
  let t: TestGateway;
  let key: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestGateway({
      database,
      env: { FACEGATE_OUTBOX_POLL_MS: '50' },
      overrides: { webhookRelay: FAST },
    });
    key = await t.createApiKey(['webhooks:write', 'verifications:write', 'verifications:read']);
    relayOf(t).start();
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    await receiver?.close();
    // endpoints of one test must not receive the next test's events
    const list = await t.gql('{ webhookEndpoints { id } }', {}, key);
    for (const e of list.body.data?.webhookEndpoints ?? []) {
      await t.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: e.id }, key);
    }
  });

  it('delivers started then verified, signed, with the documented payload and no name or ID number', async () => {
    receiver = await startWebhookReceiver();
    const { secret, endpoint } = await createEndpoint(t, key, receiver.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(endpoint).toMatchObject({ url: receiver.url, enabled: true, failingSince: null });
    const flow = await fullFlow(t, 'o_webhook_e2e', 'V2');
    const id = flow.started.id;
    await waitFor(
      'two webhooks',
      () => receiver.accepted().filter((r) => r.json?.data?.id === id).length >= 2,
    );
    const mine = receiver.received.filter((r) => r.json?.data?.id === id);
    expect(mine.map((r) => r.json.type)).toEqual(['verification.started', 'verification.verified']);
    for (const r of mine) {
      // the reference implementation verifies what the relay sent
      expect(() => new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.body).not.toContain(PEOPLE.zhang.name);
      expect(r.body).not.toContain(PEOPLE.zhang.idCardNumber);
    }
    expect(mine[1]!.json).toMatchObject({
      type: 'verification.verified',
      timestamp: expect.any(String),
      data: {
        id,
        status: 'VERIFIED',
        protocol: 'V2',
        openid: 'o_webhook_e2e',
        attempt: 1,
        maxAttempts: 3,
        failure: null,
        createdAt: flow.started.createdAt,
        verifiedAt: expect.any(String),
      },
    });
    // the receiver answers before the relay records the answer: wait for both records
    let deliveries = await t.gql(DELIVERIES, { id: endpoint.id, status: 'DELIVERED' }, key);
    await waitFor('both deliveries recorded', async () => {
      deliveries = await t.gql(DELIVERIES, { id: endpoint.id, status: 'DELIVERED' }, key);
      return deliveries.body.data?.webhookDeliveries.edges.length === 2;
    });
    const nodes = deliveries.body.data?.webhookDeliveries.edges.map((e: Json) => e.node);
    expect(nodes.map((n: Json) => n.eventType).sort()).toEqual([
      'VERIFICATION_STARTED',
      'VERIFICATION_VERIFIED',
    ]);
    expect(nodes[0]).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      lastStatusCode: 200,
      verificationId: id,
    });
    expect(nodes[0].attemptLog).toEqual([
      // the receiver is on loopback: its answer is not kept (only public addresses' answers are)
      { statusCode: 200, latencyMs: expect.any(Number), responseExcerpt: null, error: null },
    ]);
    expect(mine.map((r) => r.id).sort()).toEqual(nodes.map((n: Json) => n.id).sort());
  });

  it('a failed attempt and the final failure carry the failure code and reason', async () => {
    receiver = await startWebhookReceiver();
    await createEndpoint(t, key, receiver.url, ['VERIFICATION_ATTEMPT_FAILED', 'VERIFICATION_FAILED']);
    const flow = await fullFlow(t, 'o_webhook_fail', 'V2', PEOPLE.zhang, 'face_mismatch');
    await waitFor('the failure webhook', () =>
      receiver.accepted().some((r) => r.json?.data?.id === flow.started.id),
    );
    const got = receiver.accepted().find((r) => r.json?.data?.id === flow.started.id)!;
    expect(['verification.attempt_failed', 'verification.failed']).toContain(got.json.type);
    expect(got.json.data.failure).toMatchObject({ code: expect.any(String), reason: expect.any(String) });
    expect(got.json.data.attempt).toBe(1);
  });

  it('a session that runs out of time is announced as verification.expired', async () => {
    receiver = await startWebhookReceiver();
    await createEndpoint(t, key, receiver.url, ['VERIFICATION_EXPIRED']);
    const started = await start(t, key, { protocol: 'V2', openid: 'o_webhook_expired' });
    const id = started.session!.id as string;
    const ahead = new Date(started.session!.expiresAt).getTime() - t.clock.now().getTime() + 60_000;
    t.clock.advance(ahead);
    try {
      const expire = t.container.resolve(TOKENS.ExpireVerifications);
      while ((await expire.execute({ limit: 100 })) === 100) {
        // every session due in this gateway
      }
      await waitFor('the expired webhook', () => receiver.accepted().some((r) => r.json?.data?.id === id));
    } finally {
      t.clock.advance(-ahead);
    }
    const got = receiver.accepted().find((r) => r.json?.data?.id === id)!;
    expect(got.json).toMatchObject({
      type: 'verification.expired',
      data: { id, status: 'EXPIRED', attempt: 0, failure: null, endedAt: expect.any(String) },
    });
    // subscribed to expiry only: the start was not sent
    expect(receiver.received.every((r) => r.json.type === 'verification.expired')).toBe(true);
  });

  it('a receiver answering 500 three times then 200 gets the event once more after each failure, then no more', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer = ({ count }) => (count < 3 ? 500 : 200);
    const { secret, endpoint } = await createEndpoint(t, key, receiver.url, ['VERIFICATION_STARTED']);
    const started = await start(t, key, { protocol: 'V2', openid: 'o_webhook_retry' });
    await waitFor('the fourth attempt', () => receiver.received.length >= 4);
    await waitFor('the delivery recorded', async () => {
      const d = await t.gql(DELIVERIES, { id: endpoint.id }, key);
      return d.body.data?.webhookDeliveries.edges[0]?.node.status === 'DELIVERED';
    });
    // two more relay rounds: nothing else goes out
    await relayOf(t).runOnce();
    await relayOf(t).runOnce();
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.received.every((r) => r.json.data.id === started.session!.id)).toBe(true);
    for (const r of receiver.received) {
      expect(() => new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    }
    const d = (await t.gql(DELIVERIES, { id: endpoint.id }, key)).body.data?.webhookDeliveries.edges[0].node;
    expect(d).toMatchObject({ status: 'DELIVERED', attempts: 4, lastStatusCode: 200, lastError: null });
    expect(d.attemptLog.map((a: Json) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect(d.attemptLog[0]).toMatchObject({ responseExcerpt: null, error: 'HTTP_500' });

    // redeliver sends the same message (same webhook-id) once more
    const again = await t.gql(
      'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status attempts } }',
      { id: d.id },
      key,
    );
    expect(again.body.data?.redeliverWebhook).toMatchObject({ id: d.id, status: 'PENDING', attempts: 0 });
    await waitFor('the redelivery', () => receiver.received.length === 5);
    expect(receiver.received[4]!.id).toBe(d.id);
  });

  it('gives up after the last retry and marks the delivery FAILED', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer = () => 503;
    const { endpoint } = await createEndpoint(t, key, receiver.url, ['VERIFICATION_STARTED']);
    await start(t, key, { protocol: 'V2', openid: 'o_webhook_dead' });
    await waitFor('a FAILED delivery', async () => {
      const d = await t.gql(DELIVERIES, { id: endpoint.id, status: 'FAILED' }, key);
      return d.body.data?.webhookDeliveries.edges.length === 1;
    });
    await relayOf(t).runOnce();
    // 1 attempt + 4 retries in FAST's schedule
    expect(receiver.received).toHaveLength(5);
    // what the "webhook endpoint failing" alert reads (deploy/prometheus/alerts.yml)
    const metrics = await (await t.gateway.fetch('http://gateway/metrics')).text();
    expect(metrics).toContain(
      `facegate_webhook_attempts_total{endpoint_id="${endpoint.id}",result="retrying"} 4`,
    );
    expect(metrics).toContain(
      `facegate_webhook_attempts_total{endpoint_id="${endpoint.id}",result="failed"} 1`,
    );
  });

  it('a page of deliveries reads the attempt logs of all its deliveries at once, each with its own attempts', async () => {
    receiver = await startWebhookReceiver();
    // the first session's webhook is accepted at once, the second's after one failure, the third's after two
    const failuresFor = new Map([
      ['o_webhook_page_0', 0],
      ['o_webhook_page_1', 1],
      ['o_webhook_page_2', 2],
    ]);
    receiver.answer = ({ json, count }) =>
      count < (failuresFor.get((json as Json).data.openid) ?? 0) ? 500 : 200;
    const { endpoint } = await createEndpoint(t, key, receiver.url, ['VERIFICATION_STARTED']);
    const sessionOf = new Map<string, string>();
    for (const openid of failuresFor.keys()) {
      sessionOf.set((await start(t, key, { protocol: 'V2', openid })).session!.id, openid);
    }
    await waitFor('three deliveries delivered', async () => {
      const d = await t.gql(DELIVERIES, { id: endpoint.id, status: 'DELIVERED' }, key);
      return d.body.data?.webhookDeliveries.edges.length === 3;
    });
    const reads = vi.spyOn(resolve(t.container, TOKENS.WebhookDeliveryLog), 'attemptsOf');
    try {
      const page = await t.gql(DELIVERIES, { id: endpoint.id }, key);
      const nodes = ((page.body.data?.webhookDeliveries.edges ?? []) as Json[]).map((e) => e.node);
      expect(nodes).toHaveLength(3);
      expect(reads).toHaveBeenCalledTimes(1);
      expect([...reads.mock.calls[0]![0]].sort()).toEqual(nodes.map((n) => n.id).sort());
      const logs = Object.fromEntries(
        nodes.map((n) => [sessionOf.get(n.verificationId), n.attemptLog.map((a: Json) => a.statusCode)]),
      );
      expect(logs).toEqual({
        o_webhook_page_0: [200],
        o_webhook_page_1: [500, 200],
        o_webhook_page_2: [500, 500, 200],
      });
    } finally {
      reads.mockRestore();
    }
  });

  it('keeps order per session across 50 sessions with a flaky receiver', async () => {
    receiver = await startWebhookReceiver();
    let n = 0;
    // every third message is refused twice before it is accepted (within the retry schedule), some answers
    // are slow: retries interleave with later events
    const messages = new Map<string, number>();
    receiver.answer = async ({ id, count }) => {
      n++;
      if (!messages.has(id)) messages.set(id, messages.size);
      if (n % 5 === 0) await new Promise((r) => setTimeout(r, 30));
      return messages.get(id)! % 3 === 0 && count < 2 ? 500 : 200;
    };
    await createEndpoint(t, key, receiver.url, ['VERIFICATION_STARTED', 'VERIFICATION_CANCELED']);
    const ids: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) => startAndCancel(t, key, `o_webhook_order_${batch}_${i}`)),
        )),
      );
    }
    await waitFor(
      '100 accepted webhooks',
      () => new Set(receiver.accepted().map((r) => r.id)).size >= 100,
      60_000,
    );
    for (const id of ids) {
      const seen = receiver.received.filter((r) => r.json?.data?.id === id);
      const firstCanceled = seen.findIndex((r) => r.json.type === 'verification.canceled');
      const startedAccepted = seen.findIndex(
        (r) => r.json.type === 'verification.started' && r.status === 200,
      );
      // the cancel is not even tried before the start was accepted
      expect(startedAccepted).toBeGreaterThanOrEqual(0);
      expect(firstCanceled).toBeGreaterThan(startedAccepted);
    }
    expect(receiver.received.some((r) => r.status === 500)).toBe(true);
  }, 90_000);

  it('rotation: both secrets sign for 24 hours, then only the new one', async () => {
    receiver = await startWebhookReceiver();
    const { secret: oldSecret, endpoint } = await createEndpoint(t, key, receiver.url, [
      'VERIFICATION_STARTED',
    ]);
    const rotated = await t.gql(
      'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id previousSecretExpiresAt } } }',
      { id: endpoint.id },
      key,
    );
    const newSecret = rotated.body.data?.rotateWebhookSecret.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    const until = new Date(rotated.body.data?.rotateWebhookSecret.endpoint.previousSecretExpiresAt).getTime();
    expect(until - t.clock.now().getTime()).toBeGreaterThan(23.9 * 3600_000);
    await start(t, key, { protocol: 'V2', openid: 'o_webhook_rotate' });
    await waitFor('a webhook', () => receiver.received.length === 1);
    const during = receiver.received[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() =>
      new Webhook(oldSecret).verify(during.body, during.headers as Record<string, string>),
    ).not.toThrow();
    expect(() =>
      new Webhook(newSecret).verify(during.body, during.headers as Record<string, string>),
    ).not.toThrow();

    const endpoints = resolve(t.container, TOKENS.WebhookEndpointRepository);
    const db = t.container.resolve(TOKENS.Database);
    // 24 hours later (moved in the database, so signatures stay within the receiver's timestamp tolerance)
    await db.query(
      "UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1",
      [endpoint.id],
    );
    expect((await endpoints.find(endpoint.id))?.previousSecretExpiresAt).not.toBeNull();
    await start(t, key, { protocol: 'V2', openid: 'o_webhook_rotate_2' });
    await waitFor('a second webhook', () => receiver.received.length === 2);
    const after = receiver.received[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() =>
      new Webhook(newSecret).verify(after.body, after.headers as Record<string, string>),
    ).not.toThrow();
    expect(() =>
      new Webhook(oldSecret).verify(after.body, after.headers as Record<string, string>),
    ).toThrow();
  });

  it('an endpoint failing every attempt for 5 days is disabled, and webhookEndpoints says so', async () => {
    receiver = await startWebhookReceiver();
    receiver.answer = () => 500;
    const { endpoint } = await createEndpoint(t, key, receiver.url, ['VERIFICATION_STARTED']);
    await start(t, key, { protocol: 'V2', openid: 'o_webhook_disable_1' });
    await waitFor('a failure', () => receiver.received.length >= 1);
    const list = async () => {
      const all = await t.gql('{ webhookEndpoints { id enabled disabledReason failingSince } }', {}, key);
      return ((all.body.data?.webhookEndpoints ?? []) as Json[]).find((e) => e.id === endpoint.id)!;
    };
    await waitFor('failingSince', async () => (await list()).failingSince !== null);
    expect((await list()).enabled).toBe(true);
    t.clock.advance(5 * 24 * 3600_000 + 60_000);
    try {
      await start(t, key, { protocol: 'V2', openid: 'o_webhook_disable_2' });
      await waitFor('the endpoint disabled', async () => (await list()).enabled === false);
      expect(await list()).toMatchObject({ enabled: false, disabledReason: 'FAILING' });
      expect(await (await t.gateway.fetch('http://gateway/metrics')).text()).toContain(
        `facegate_webhook_endpoints_disabled_total{endpoint_id="${endpoint.id}"} 1`,
      );
      const pending = await t.gql(DELIVERIES, { id: endpoint.id, status: 'PENDING' }, key);
      expect(pending.body.data?.webhookDeliveries.edges).toEqual([]);
      // a disabled endpoint cannot be redelivered to: CONFLICT, not a delivery that never goes out
      const failed = await t.gql(DELIVERIES, { id: endpoint.id, status: 'FAILED' }, key);
      const failedId = failed.body.data?.webhookDeliveries.edges[0]?.node.id;
      expect(failedId).toBeDefined();
      const refused = await t.gql(
        'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }',
        { id: failedId },
        key,
      );
      expect(errorCode(refused)).toBe('CONFLICT');
    } finally {
      t.clock.advance(-(5 * 24 * 3600_000 + 60_000));
    }
  });

  it('refuses at delivery time an endpoint whose host resolves to loopback in production mode', async () => {
    receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    // allowed when created (outside production), then a production-mode relay tries it
    const { endpoint } = await createEndpoint(t, key, `http://localhost:${port}/hooks`, [
      'VERIFICATION_STARTED',
    ]);
    await t.gql(
      'mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id enabled } }',
      { id: endpoint.id },
      key,
    );
    const sender = new WebhookSender({ publicAddressesOnly: true });
    const strictRelay = new WebhookRelay(
      {
        queue: resolve(t.container, TOKENS.WebhookDeliveryQueue),
        endpoints: resolve(t.container, TOKENS.WebhookEndpointRepository),
        log: resolve(t.container, TOKENS.WebhookDeliveryLog),
        outbox: resolve(t.container, TOKENS.OutboxPruner),
      },
      sender,
      t.clock,
      createLogger({ level: 'warn' }),
      FAST,
    );
    try {
      // the shared relay must not take it first: the endpoint is enabled only while the strict relay runs
      await relayOf(t).stop();
      const enabled = await t.gql(
        'mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: true) { id enabled } }',
        { id: endpoint.id },
        key,
      );
      expect(enabled.body.data?.updateWebhookEndpoint, JSON.stringify(enabled.body.errors)).toMatchObject({
        enabled: true,
      });
      await start(t, key, { protocol: 'V2', openid: 'o_webhook_ssrf' });
      await waitFor('a refused attempt', async () => {
        await strictRelay.runOnce();
        const d = await t.gql(DELIVERIES, { id: endpoint.id }, key);
        return (d.body.data?.webhookDeliveries.edges[0]?.node.attemptLog.length ?? 0) > 0;
      });
      const d = (await t.gql(DELIVERIES, { id: endpoint.id }, key)).body.data?.webhookDeliveries.edges[0]
        .node;
      expect(d.attemptLog[0]).toMatchObject({ statusCode: null, error: 'ADDRESS_NOT_ALLOWED' });
      expect(receiver.received).toEqual([]);
    } finally {
      await strictRelay.stop();
      await sender.close();
      relayOf(t).start();
    }
  });

  it('bad input is BAD_USER_INPUT, unknown ids NOT_FOUND', async () => {
    const bad = await t.gql(
      CREATE,
      { url: 'http://hooks.example.com/x', events: ['VERIFICATION_STARTED'] },
      key,
    );
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    const none = await t.gql(CREATE, { url: 'https://hooks.example.com/x', events: [] }, key);
    expect(none.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
    const missing = await t.gql('mutation { rotateWebhookSecret(id: "we_nope") { secret } }', {}, key);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const noDelivery = await t.gql('mutation { redeliverWebhook(deliveryId: "msg_nope") { id } }', {}, key);
    expect(errorCode(noDelivery)).toBe('NOT_FOUND');
    // a malformed delivery id names nothing, whoever asks: it is bad input, not a lookup that found nothing
    for (const malformed of ['', 'x'.repeat(129)]) {
      const refused = await t.gql(
        'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }',
        { id: malformed },
        key,
      );
      expect(refused.body.errors?.[0]?.extensions, JSON.stringify(malformed)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'id',
        rule: 'ID_FORMAT',
      });
      expect(refused.body.errors?.[0]?.message).toBe('id must be 1-128 characters');
    }
    const page = await t.gql(DELIVERIES, { id: 'we_nope' }, key);
    expect(errorCode(page)).toBe('NOT_FOUND');
  });

  it('prunes dispatched outbox rows and finished deliveries past the retention, keeping the rest', async () => {
    receiver = await startWebhookReceiver();
    const { endpoint } = await createEndpoint(t, key, receiver.url, ['VERIFICATION_STARTED']);
    await start(t, key, { protocol: 'V2', openid: 'o_webhook_prune' });
    await waitFor('the delivery', () => receiver.accepted().length === 1);
    await waitFor('recorded', async () => {
      const d = await t.gql(DELIVERIES, { id: endpoint.id, status: 'DELIVERED' }, key);
      return d.body.data?.webhookDeliveries.edges.length === 1;
    });
    const db = t.container.resolve(TOKENS.Database);
    const count = async (table: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;
    const before = { outbox: await count('event_outbox'), deliveries: await count('webhook_deliveries') };
    expect(before.outbox).toBeGreaterThan(0);
    // stopped first: a running relay would fan the row below out (and so make it prunable) before prune runs
    const relay = relayOf(t);
    await relay.stop();
    // an event not yet fanned out, however old, is kept
    await db.query(
      `INSERT INTO event_outbox (event_type, session_id, payload, created_at)
       VALUES ('other.event', 's_unsent', '{}'::jsonb, now() - interval '30 days')`,
    );
    try {
      const nothingYet = await relay.prune(t.clock.now());
      expect(nothingYet).toEqual({ outbox: 0, deliveries: 0 });
      const later = new Date(t.clock.now().getTime() + 8 * 24 * 3600_000);
      const pruned = await relay.prune(later);
      expect(pruned.outbox).toBe(before.outbox);
      expect(pruned.deliveries).toBeGreaterThanOrEqual(1);
      expect(await count('event_outbox')).toBe(1);
      expect(await count('webhook_attempts')).toBe(
        (
          await db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id',
          )
        )[0]!.n,
      );
    } finally {
      await db.query("DELETE FROM event_outbox WHERE session_id = 's_unsent'");
      relay.start();
    }
  });

  it('subscriptions hear of a change written by the outbox reader well within a second', async () => {
    const bus = t.container.resolve(TOKENS.EventBus);
    const latencies = await cancelLatencies(t, key, bus, 'o_latency');
    // poll interval here 50 ms; the default 200 ms keeps the same bound
    console.info(`subscription latency (ms): ${latencies.map((l) => l.toFixed(0)).join(', ')}`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });
});

describe('two gateway instances on PostgreSQL', () => {
  it('deliver each event exactly once to a healthy receiver', async () => {
    const pg = await createTestPostgresDatabase();
    // the default outbox poll interval (200 ms), as deployed
    const options = { database: 'postgres' as const, postgresUrl: pg.url, overrides: { webhookRelay: FAST } };
    const a = await startTestGateway(options);
    const b = await startTestGateway({ ...options, sandbox: a.sandbox });
    const receiver = await startWebhookReceiver();
    try {
      const keyA = await a.createApiKey(['webhooks:write', 'verifications:write']);
      const keyB = await b.createApiKey(['verifications:write']);
      await createEndpoint(a, keyA, receiver.url, ['VERIFICATION_STARTED', 'VERIFICATION_CANCELED']);
      relayOf(a).start();
      relayOf(b).start();
      // both instances write events, both relays deliver
      const ids = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          startAndCancel(i % 2 ? a : b, i % 2 ? keyA : keyB, `o_two_${i}`),
        ),
      );
      await waitFor('80 webhooks', () => receiver.received.length >= 80, 60_000);
      await relayOf(a).runOnce();
      await relayOf(b).runOnce();
      expect(receiver.received).toHaveLength(80);
      const delivered = [...receiver.received];
      // a subscription on one instance hears of a change made on the other within a second
      const bus = b.container.resolve(TOKENS.EventBus);
      const latencies = await cancelLatencies(a, keyA, bus, 'o_two_latency');
      console.info(
        `cross-instance subscription latency (ms): ${latencies.map((l) => l.toFixed(0)).join(', ')}`,
      );
      expect(Math.max(...latencies)).toBeLessThan(1_000);
      expect(new Set(delivered.map((r) => r.id)).size).toBe(80);
      for (const id of ids) {
        expect(delivered.filter((r) => r.json.data.id === id).map((r) => r.json.type)).toEqual([
          'verification.started',
          'verification.canceled',
        ]);
      }
    } finally {
      await receiver.close();
      await b.close();
      await a.close();
      await pg.drop();
    }
  });
});
