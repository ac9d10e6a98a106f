import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookOf } from '@facegate/domain';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserTokenService } from '../src/application/auth/user-token';
import { resolve, TOKENS } from '../src/composition/tokens';
import { KeyRing } from '../src/infrastructure/crypto/key-ring';
import { CONSENT, fullFlow, PEOPLE, runDevice, start } from './support/flows';
import {
  CANCEL,
  CONFIRM,
  GET,
  type Json,
  ShiftableClock,
  START,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';

/**
 * A recording proxy between the gateway and the sandbox: it sees every session_key the sandbox hands out,
 * so the tests can look for them where they must never be.
 */
class RecordingProxy {
  readonly sessionKeys: string[] = [];
  private readonly server: Server;

  constructor(private readonly target: string) {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(`${this.target}${req.url}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      });
      const text = await upstream.text();
      if (req.url?.startsWith('/sns/jscode2session')) {
        const key = (JSON.parse(text) as { session_key?: string }).session_key;
        if (key) this.sessionKeys.push(key);
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(text);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

type Who =
  | 'anonymous'
  | 'user A (owner)'
  | 'user B'
  | 'service read'
  | 'service write'
  | 'service read+write'
  | 'service webhooks'
  | 'service console:read'
  | 'service console:admin'
  | 'service privacy:read'
  | 'service privacy:write'
  | 'service audit:read'
  | 'service keys:admin'
  | 'revoked key'
  | 'expired token'
  | 'tampered token'
  | 'token of another secret';

type Operation =
  | 'signIn'
  | 'startVerification'
  | 'confirmVerification'
  | 'cancelVerification'
  | 'verification'
  | 'verifications'
  | 'identityStatus'
  | 'verificationUpdated'
  | 'consoleViewer'
  | 'consoleOverview'
  | 'failureBreakdown'
  | 'consoleSessions'
  | 'consoleSession'
  | 'systemStatus'
  | 'apiKeys'
  | 'createApiKey'
  | 'revokeApiKey'
  | WebhookOperation;

const WEBHOOK_OPERATIONS = [
  'createWebhookEndpoint',
  'updateWebhookEndpoint',
  'rotateWebhookSecret',
  'disableWebhookEndpoint',
  'deleteWebhookEndpoint',
  'redeliverWebhook',
  'webhookEndpoints',
  'webhookDeliveries',
] as const;
type WebhookOperation = (typeof WEBHOOK_OPERATIONS)[number];

const OK = 'ok';
const UNAUTH = 'UNAUTHENTICATED';
const FORBID = 'FORBIDDEN';
const MISSING = 'NOT_FOUND';

/**
 * The expected answer per operation and caller. Services starting a verification must name the user
 * (input.openid), which this matrix leaves out, hence BAD_USER_INPUT for the write scope. A credential
 * that does not check out is no credential: UNAUTHENTICATED (signIn needs none).
 */
const MATRIX = {
  signIn: {
    anonymous: OK,
    'user A (owner)': OK,
    'user B': OK,
    'service read': OK,
    'service write': OK,
    'service read+write': OK,
    'service webhooks': OK,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': OK,
    'expired token': OK,
    'tampered token': OK,
    'token of another secret': OK,
  },
  startVerification: {
    anonymous: UNAUTH,
    'user A (owner)': OK,
    'user B': OK,
    'service read': FORBID,
    'service write': 'BAD_USER_INPUT',
    'service read+write': 'BAD_USER_INPUT',
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  confirmVerification: {
    anonymous: UNAUTH,
    'user A (owner)': OK,
    'user B': MISSING,
    'service read': FORBID,
    'service write': OK,
    'service read+write': OK,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  cancelVerification: {
    anonymous: UNAUTH,
    'user A (owner)': OK,
    'user B': MISSING,
    'service read': FORBID,
    'service write': OK,
    'service read+write': OK,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  verification: {
    anonymous: UNAUTH,
    'user A (owner)': OK,
    'user B': MISSING,
    'service read': OK,
    'service write': FORBID,
    'service read+write': OK,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  verifications: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': OK,
    'service write': FORBID,
    'service read+write': OK,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  identityStatus: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': OK,
    'service write': FORBID,
    'service read+write': OK,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  verificationUpdated: {
    anonymous: UNAUTH,
    'user A (owner)': OK,
    'user B': MISSING,
    'service read': OK,
    'service write': FORBID,
    'service read+write': OK,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  consoleViewer: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  consoleOverview: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  failureBreakdown: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  consoleSessions: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  consoleSession: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  systemStatus: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': OK,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  apiKeys: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  createApiKey: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
  revokeApiKey: {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': FORBID,
    'service console:read': FORBID,
    'service console:admin': OK,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
  },
} as Record<Operation, Record<Who, string>>;

/** The console reads endpoints and deliveries, and its admins redeliver; the rest needs webhooks:write. */
const CONSOLE_READS = new Set<WebhookOperation>(['webhookEndpoints', 'webhookDeliveries']);
const CONSOLE_ADMIN_ACTS = new Set<WebhookOperation>(['redeliverWebhook']);

/** Endpoints and deliveries: services with webhooks:write (and the console, above); a bad or revoked credential is none. */
for (const operation of WEBHOOK_OPERATIONS) {
  MATRIX[operation] = {
    anonymous: UNAUTH,
    'user A (owner)': FORBID,
    'user B': FORBID,
    'service read': FORBID,
    'service write': FORBID,
    'service read+write': FORBID,
    'service webhooks': OK,
    'service console:read': CONSOLE_READS.has(operation) ? OK : FORBID,
    'service console:admin': CONSOLE_READS.has(operation) || CONSOLE_ADMIN_ACTS.has(operation) ? OK : FORBID,
    'revoked key': UNAUTH,
    'expired token': UNAUTH,
    'tampered token': UNAUTH,
    'token of another secret': UNAUTH,
    // the privacy, audit and keys:admin scopes reach no webhook operation
    'service privacy:read': FORBID,
    'service privacy:write': FORBID,
    'service audit:read': FORBID,
    'service keys:admin': FORBID,
  };
}

/**
 * The privacy and audit scopes reach none of the operations above (their own are tested in privacy.test.ts
 * and audit-trail.test.ts); keys:admin, the root scope, manages keys and nothing else.
 */
const KEY_ADMIN_OPERATIONS = new Set<Operation>(['apiKeys', 'createApiKey', 'revokeApiKey']);
for (const operation of Object.keys(MATRIX) as Operation[]) {
  const none = operation === 'signIn' ? OK : FORBID;
  MATRIX[operation]['service privacy:read'] = none;
  MATRIX[operation]['service privacy:write'] = none;
  MATRIX[operation]['service audit:read'] = none;
  MATRIX[operation]['service keys:admin'] = KEY_ADMIN_OPERATIONS.has(operation) ? OK : none;
}

const OWNER = 'o_matrix_owner';

describe('security (sandbox behind a recording proxy, PGlite)', () => {
  let sandbox: Sandbox;
  let proxy: RecordingProxy;
  let t: TestGateway;
  const credentials = new Map<Who, string | null>();
  const bodies: string[] = [];

  /** Every response body the tests saw, for the session_key check. */
  async function call(query: string, variables: unknown, credential: string | null, sse = false) {
    const response = await t.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: sse ? 'text/event-stream' : 'application/json',
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    let text: string;
    if (sse && response.headers.get('content-type')?.includes('text/event-stream')) {
      // the first event is enough: the current state, or the refusal
      const reader = response.body!.getReader();
      text = '';
      while (!/event: (next|complete)[\s\S]*?\n\n/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
      text = data ?? '{}';
    } else {
      text = await response.text();
    }
    bodies.push(text);
    expect(response.status).toBeLessThan(500);
    return JSON.parse(text) as Json;
  }

  beforeAll(async () => {
    const clock = new ShiftableClock();
    sandbox = await startSandbox({ port: 0, now: () => clock.now().getTime() });
    proxy = new RecordingProxy(sandbox.url);
    const url = await proxy.listen();
    t = await startTestGateway({
      database: 'pglite',
      sandbox,
      clock,
      env: { WECHAT_APP_ID: sandbox.appId, WECHAT_APP_SECRET: sandbox.appSecret, WECHAT_API_BASE_URL: url },
    });
    const keys = t.container.resolve(TOKENS.ApiKeys);
    const tokens = t.container.resolve(TOKENS.UserTokens);
    const ownerToken = await t.signIn(OWNER);
    const revoked = await t.createApiKey(['verifications:read', 'verifications:write']);
    await keys.revoke(revoked.split('_')[1]!);
    const [header, , signature] = ownerToken.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ sub: 'o_matrix_b', iat: 1, exp: 4_000_000_000, typ: 'user' }),
    ).toString('base64url');
    credentials.set('anonymous', null);
    credentials.set('user A (owner)', ownerToken);
    credentials.set('user B', await t.signIn('o_matrix_b'));
    credentials.set('service read', await t.createApiKey(['verifications:read']));
    credentials.set('service write', await t.createApiKey(['verifications:write']));
    credentials.set(
      'service read+write',
      await t.createApiKey(['verifications:read', 'verifications:write']),
    );
    credentials.set('service webhooks', await t.createApiKey(['webhooks:write']));
    credentials.set('service console:read', await t.createApiKey(['console:read']));
    credentials.set('service console:admin', await t.createApiKey(['console:admin']));
    credentials.set('service privacy:read', await t.createApiKey(['privacy:read']));
    credentials.set('service privacy:write', await t.createApiKey(['privacy:write']));
    credentials.set('service audit:read', await t.createApiKey(['audit:read']));
    credentials.set('service keys:admin', await t.createApiKey(['keys:admin']));
    credentials.set('revoked key', revoked);
    credentials.set(
      'expired token',
      tokens.issue(OWNER, new Date(t.clock.now().getTime() - tokens.ttlMs - 1000)).token,
    );
    credentials.set('tampered token', `${header}.${forgedPayload}.${signature}`);
    credentials.set(
      'token of another secret',
      new UserTokenService(
        new KeyRing('another-master-secret-that-is-long-enough').key('user-token-signing'),
      ).issue(OWNER, t.clock.now()).token,
    );
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await sandbox?.close();
  });

  /**
   * A fresh endpoint (to an address nothing listens on; the relay is not running here), of the webhooks key:
   * endpoints belong to the key that created them (the console's keys reach every one).
   */
  async function webhookEndpoint(): Promise<string> {
    const webhooks = t.container.resolve(TOKENS.WebhookEndpoints);
    const owner = await t.container
      .resolve(TOKENS.ApiKeys)
      .authenticate(credentials.get('service webhooks')!);
    const created = await webhooks.create({
      url: 'http://127.0.0.1:9/hooks',
      events: ['verification.started'],
      createdBy: owner!.keyId,
    });
    if (!created.ok) throw new Error(created.error.message);
    return created.value.endpoint.id;
  }

  /** A delivery of a fresh endpoint: a session started, and the outbox fanned out (nothing is sent). */
  async function webhookDelivery(): Promise<string> {
    const endpointId = await webhookEndpoint();
    await start(t, credentials.get('user A (owner)')!, { protocol: 'V2' });
    await resolve(t.container, TOKENS.WebhookDeliveryQueue).dispatchOutbox(t.clock.now(), 500, webhookOf);
    const page = await resolve(t.container, TOKENS.WebhookDeliveryLog).list(endpointId, null, 1, null);
    return page.items[0]!.id;
  }

  /** Runs one operation as `who` against a fresh session of the owner; returns 'ok' or the error code. */
  async function run(operation: Operation, who: Who): Promise<string> {
    const credential = credentials.get(who) ?? null;
    const session = (await start(t, credentials.get('user A (owner)')!, { protocol: 'V2' })).session!;
    let body: Json;
    switch (operation) {
      case 'signIn':
        body = await call(
          'mutation($c: String!) { signIn(code: $c) { token } }',
          { c: sandbox.device.login(`o_si_${Math.random().toString(36).slice(2)}`) },
          credential,
        );
        break;
      case 'startVerification': {
        // a user (or what claims to be one) sends the consent it accepted; a service gives none, and
        // naming no openid here is what it is refused for
        const service = who.startsWith('service') || who === 'revoked key';
        const consent = service ? {} : { consent: CONSENT };
        body = await call(START, { input: { ...PEOPLE.li, ...consent, protocol: 'V2' } }, credential);
        break;
      }
      case 'confirmVerification':
        body = await call(CONFIRM, { input: runDevice(t, OWNER, session) }, credential);
        break;
      case 'cancelVerification':
        body = await call(CANCEL, { id: session.id }, credential);
        break;
      case 'verification':
        body = await call(GET, { id: session.id }, credential);
        break;
      case 'verifications':
        body = await call('{ verifications(first: 1) { edges { node { id } } } }', {}, credential);
        break;
      case 'identityStatus':
        body = await call(`{ identityStatus(openid: "${OWNER}") { verified } }`, {}, credential);
        break;
      case 'createWebhookEndpoint':
        body = await call(
          'mutation { createWebhookEndpoint(url: "http://127.0.0.1:9/hooks", events: [VERIFICATION_VERIFIED]) { secret } }',
          {},
          credential,
        );
        break;
      case 'updateWebhookEndpoint':
      case 'rotateWebhookSecret':
      case 'disableWebhookEndpoint':
      case 'deleteWebhookEndpoint':
      case 'webhookDeliveries': {
        const id = await webhookEndpoint();
        const field =
          operation === 'updateWebhookEndpoint'
            ? 'updateWebhookEndpoint(id: $id, description: "changed") { id }'
            : operation === 'rotateWebhookSecret'
              ? 'rotateWebhookSecret(id: $id) { secret }'
              : operation === 'disableWebhookEndpoint'
                ? 'disableWebhookEndpoint(id: $id) { id }'
                : operation === 'deleteWebhookEndpoint'
                  ? 'deleteWebhookEndpoint(id: $id)'
                  : null;
        body = await call(
          field === null
            ? 'query($id: ID!) { webhookDeliveries(endpointId: $id) { pageInfo { hasNextPage } } }'
            : `mutation($id: ID!) { ${field} }`,
          { id },
          credential,
        );
        break;
      }
      case 'redeliverWebhook':
        body = await call(
          'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }',
          { id: await webhookDelivery() },
          credential,
        );
        break;
      case 'webhookEndpoints':
        body = await call('{ webhookEndpoints { id } }', {}, credential);
        break;
      case 'verificationUpdated':
        body = await call(
          'subscription($id: ID!) { verificationUpdated(id: $id) { id status } }',
          { id: session.id },
          credential,
          true,
        );
        break;
      case 'consoleViewer':
        body = await call('{ consoleViewer { name scopes } }', {}, credential);
        break;
      case 'consoleOverview':
        body = await call(
          '{ consoleOverview(from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z", bucket: HOUR) { total { started } } }',
          {},
          credential,
        );
        break;
      case 'failureBreakdown':
        body = await call(
          '{ failureBreakdown(from: "2025-01-01T00:00:00Z", to: "2025-01-02T00:00:00Z") { total } }',
          {},
          credential,
        );
        break;
      case 'consoleSessions':
        body = await call(
          '{ consoleSessions(first: 1) { edges { node { id maskedName } } } }',
          {},
          credential,
        );
        break;
      case 'consoleSession':
        body = await call(
          'query($id: ID!) { consoleSession(id: $id) { id } }',
          { id: session.id },
          credential,
        );
        break;
      case 'systemStatus':
        body = await call('{ systemStatus { databaseKind } }', {}, credential);
        break;
      case 'apiKeys':
        body = await call('{ apiKeys { id prefix } }', {}, credential);
        break;
      // scopes a console:admin key holds: which scopes a key may grant is tested in keys.test.ts
      case 'createApiKey':
        body = await call(
          'mutation { createApiKey(input: { name: "matrix", scopes: [CONSOLE_READ] }) { key } }',
          {},
          credential,
        );
        break;
      case 'revokeApiKey': {
        const victim = await t.createApiKey(['console:read']);
        body = await call(
          'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
          { id: victim.split('_')[1] },
          credential,
        );
        break;
      }
    }
    const code = body.errors?.[0]?.extensions?.code;
    if (code !== undefined) return String(code);
    const value = Object.values(body.data ?? {})[0];
    return value ? OK : 'no data';
  }

  const cells = (Object.keys(MATRIX) as Operation[]).flatMap((operation) =>
    (Object.keys(MATRIX[operation]) as Who[]).map((who) => [operation, who, MATRIX[operation][who]] as const),
  );

  it.each(cells)('%s as %s: %s', async (operation, who, expected) => {
    expect(await run(operation, who)).toBe(expected);
  });

  it('a user naming another openid in startVerification is FORBIDDEN', async () => {
    const body = await call(
      START,
      { input: { ...PEOPLE.li, consent: CONSENT, protocol: 'V2', openid: 'o_someone_else' } },
      credentials.get('user A (owner)')!,
    );
    expect(body.errors?.[0]?.extensions?.code).toBe(FORBID);
  });

  it('the session_key WeChat hands out never appears in a response, a log line or the database', async () => {
    for (const protocol of ['LEGACY', 'V2'] as const) {
      const flow = await fullFlow(t, `o_session_key_${protocol}`, protocol);
      expect(flow.session?.status).toBe('VERIFIED');
      bodies.push(JSON.stringify(flow.response.body), JSON.stringify(flow.started));
    }
    expect(proxy.sessionKeys.length).toBeGreaterThanOrEqual(3);
    const db = t.container.resolve(TOKENS.Database);
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await db.query<{ row: string }>(
        `SELECT row_to_json(x)::text AS row FROM "${table_name}" x`,
      );
      dump += rows.map((r) => r.row).join('\n');
    }
    const responses = bodies.join('\n');
    const logs = t.logs.join('\n');
    expect(responses.length).toBeGreaterThan(0);
    for (const key of proxy.sessionKeys) {
      for (const form of [key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)]) {
        expect(responses).not.toContain(form);
        expect(logs).not.toContain(form);
        expect(dump).not.toContain(form);
      }
    }
  });
});
