import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@facegate/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { WebhookSender } from '../src/infrastructure/webhooks/webhook-sender';
import { start } from './support/flows';
import { DATABASE_KINDS, type Json, startTestGateway, type TestGateway } from './support/test-gateway';

/*
 * Issue 24, item 3 (second half) and item 8 (second half): what an attempt records about an answer must not
 * turn webhooks into a way to read the gateway's network. An excerpt is kept only of an answer from a public
 * address, and an error is a category, never the text of a TLS or connect error.
 */

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8');
/** A self-signed certificate for internal.corp only (its own CA; the gateway is told to trust it below). */
const CERT = fixture('internal-corp.cert.pem');
const KEY = fixture('internal-corp.key.pem');
/** What an internal service answers: it must never reach whoever holds the endpoint. */
const INTERNAL_SECRET = 'internal-admin-token-5f1c9a';

const CREATE = `mutation($url: String!) {
  createWebhookEndpoint(url: $url, events: [VERIFICATION_STARTED]) { endpoint { id } } }`;
const ATTEMPTS = `query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node {
  status lastStatusCode lastError attemptLog { statusCode responseExcerpt error } } } } }`;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server | undefined) {
  if (!server) return;
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe.each(DATABASE_KINDS)('what an attempt records (%s)', (database) => {
  let t: TestGateway;
  let key: string;
  let server: Server | undefined;

  beforeAll(async () => {
    t = await startTestGateway({
      database,
      env: { FACEGATE_OUTBOX_POLL_MS: '50' },
      overrides: {
        webhookRelay: { intervalMs: 25, schedule: { delaysMs: [], jitter: 0 } },
        webhookSender: { timeoutMs: 3_000, ca: CERT },
      },
    });
    key = await t.createApiKey(['webhooks:write', 'verifications:write']);
    t.container.resolve(TOKENS.WebhookRelay).start();
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    await close(server);
    server = undefined;
  });

  /** An endpoint at `url`, one event for it, and the recorded delivery once its attempt is recorded. */
  async function attemptAt(url: string, openid: string): Promise<{ endpointId: string; delivery: Json }> {
    const created = await t.gql(CREATE, { url }, key);
    const endpointId = created.body.data?.createWebhookEndpoint.endpoint.id as string;
    expect(endpointId, JSON.stringify(created.body.errors)).toBeDefined();
    await start(t, key, { protocol: 'V2', openid });
    let delivery: Json | undefined;
    await waitFor('the attempt recorded', async () => {
      const page = await t.gql(ATTEMPTS, { id: endpointId }, key);
      delivery = page.body.data?.webhookDeliveries.edges[0]?.node;
      // no retries here: the attempt ends the delivery (read together, not the delivery before the attempt)
      return delivery?.status === 'FAILED' && delivery.attemptLog.length > 0;
    });
    await t.gql('mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }', { id: endpointId }, key);
    return { endpointId, delivery: delivery! };
  }

  /** Every stored column of the endpoint's deliveries and attempts, as text. */
  async function storedRows(endpointId: string): Promise<string> {
    const db = t.container.resolve(TOKENS.Database);
    const rows = await db.query(
      `SELECT row_to_json(d)::text AS delivery, row_to_json(a)::text AS attempt
       FROM webhook_deliveries d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id WHERE d.endpoint_id = $1`,
      [endpointId],
    );
    return JSON.stringify(rows);
  }

  it('a TLS name mismatch is stored as TLS_ERROR, without the certificate names', async () => {
    server = createHttpsServer({ cert: CERT, key: KEY }, (_req, res) => res.end('ok'));
    const port = await listen(server);
    const url = `https://localhost:${port}/hooks`;
    // the fixture really gives a name mismatch whose text names the certificate's host (what was stored before)
    const raw = await new Promise<Error>((resolve) => {
      const req = httpsRequest(url, { method: 'POST', ca: CERT }, () => resolve(new Error('answered')));
      req.on('error', resolve);
      req.end();
    });
    expect(raw).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(raw.message).toContain('DNS:internal.corp');

    const { endpointId, delivery } = await attemptAt(url, 'o_attempt_tls');
    expect(delivery).toMatchObject({ lastStatusCode: null, lastError: 'TLS_ERROR' });
    expect(delivery.attemptLog).toEqual([{ statusCode: null, responseExcerpt: null, error: 'TLS_ERROR' }]);
    const stored = await storedRows(endpointId);
    expect(stored).toContain('TLS_ERROR');
    for (const leak of ['internal.corp', 'altname', 'Hostname', 'localhost']) {
      expect(stored.replace(url, '')).not.toContain(leak);
    }
  });

  it("a loopback service's answer is not kept: no excerpt, only HTTP_<status>", async () => {
    server = createHttpServer((_req, res) => res.writeHead(500).end(`{"token":"${INTERNAL_SECRET}"}`));
    const port = await listen(server);
    const { endpointId, delivery } = await attemptAt(`http://127.0.0.1:${port}/admin`, 'o_attempt_ssrf');
    expect(delivery).toMatchObject({ lastStatusCode: 500, lastError: 'HTTP_500' });
    expect(delivery.attemptLog).toEqual([{ statusCode: 500, responseExcerpt: null, error: 'HTTP_500' }]);
    expect(await storedRows(endpointId)).not.toContain(INTERNAL_SECRET);
  });

  it('a refused connection is stored as CONNECTION_REFUSED', async () => {
    // a port that was just free: nothing listens there now
    const probe = createHttpServer();
    const port = await listen(probe);
    await close(probe);
    const { endpointId, delivery } = await attemptAt(`http://127.0.0.1:${port}/hooks`, 'o_attempt_refused');
    expect(delivery.attemptLog).toEqual([
      { statusCode: null, responseExcerpt: null, error: 'CONNECTION_REFUSED' },
    ]);
    expect(await storedRows(endpointId)).not.toContain('ECONNREFUSED');
  });
});

describe('the sender: categories and the address an answer came from', () => {
  it('names each failure by its category and decides on the excerpt by the address connected to', async () => {
    const seen: string[] = [];
    const sender = new WebhookSender({
      publicAddressesOnly: false,
      timeoutMs: 500,
      ca: CERT,
      keepExcerptFrom: (address) => {
        seen.push(address);
        return true;
      },
    });
    const answering = createHttpServer((_req, res) => res.end('hello'));
    const huge = createHttpServer((_req, res) =>
      res.writeHead(200, { 'x-big': 'y'.repeat(64 * 1024) }).end(),
    );
    const silent = createHttpServer(() => {
      // never answers
    });
    const tls = createHttpsServer({ cert: CERT, key: KEY }, (_req, res) => res.end('ok'));
    const servers: Server[] = [answering, huge, silent, tls];
    try {
      const [a, h, s, x] = await Promise.all(servers.map(listen));
      // the hook is asked about the address actually reached, not the URL's host name
      expect(await sender.send(`http://localhost:${a}/`, {}, '{}')).toMatchObject({
        statusCode: 200,
        responseExcerpt: 'hello',
        error: null,
      });
      expect(seen).toEqual(['127.0.0.1']);
      expect(await sender.send(`http://127.0.0.1:${h}/`, {}, '{}')).toMatchObject({
        statusCode: null,
        error: 'RESPONSE_TOO_LARGE',
      });
      expect(await sender.send(`http://127.0.0.1:${s}/`, {}, '{}')).toMatchObject({ error: 'TIMEOUT' });
      expect(await sender.send(`https://localhost:${x}/`, {}, '{}')).toMatchObject({ error: 'TLS_ERROR' });
      expect(await sender.send('http://webhook-receiver.invalid/', {}, '{}')).toMatchObject({
        error: 'DNS_ERROR',
      });
      // the default keeps no answer from loopback
      const strict = new WebhookSender({ publicAddressesOnly: false, timeoutMs: 500 });
      expect(await strict.send(`http://127.0.0.1:${a}/`, {}, '{}')).toMatchObject({
        statusCode: 200,
        responseExcerpt: null,
      });
    } finally {
      await Promise.all(servers.map(close));
    }
  });
});
