import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { waitFor } from '@facegate/test-support';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';
import { PEOPLE } from './support/flows';
import {
  DATABASE_KINDS,
  errorCode,
  type Json,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/*
 * Issue 24, item 3: any webhooks:write key owned every endpoint. Key B listed key A's endpoint, rotated its
 * secret (and was handed the new one), pointed it at B's receiver and redelivered A's deliveries, so B received
 * openids, statuses and client references it may not read. Here, black-box through `facegate serve` over HTTP
 * with keys made by `facegate keys create`: every one of those steps answers NOT_FOUND, exactly as for an id
 * that does not exist, and A's endpoint is untouched.
 */

const KEY = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;
const UNKNOWN_ENDPOINT = 'we_AAAAAAAAAAAAAAAAAAAAAAAA';
const UNKNOWN_DELIVERY = 'msg_00000000000000000000000000000000';

const CREATE = `mutation($url: String!) {
  createWebhookEndpoint(url: $url, events: [VERIFICATION_STARTED, VERIFICATION_CANCELED]) {
    secret endpoint { id url createdBy } } }`;
/** B's own endpoint: subscribed to an event this test never causes, so anything at B's receiver came from A's. */
const CREATE_EXPIRED_ONLY = `mutation($url: String!) {
  createWebhookEndpoint(url: $url, events: [VERIFICATION_EXPIRED]) { endpoint { id } } }`;
const LIST = '{ webhookEndpoints { id url enabled previousSecretExpiresAt createdBy } }';
const DELIVERIES = `query($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id status } } } }`;
const START = `mutation($input: StartVerificationInput!) { startVerification(input: $input) { id } }`;

/** What B tries on an endpoint (or delivery) id; each must be refused as if the id did not exist. */
const ATTACKS: [string, string, 'endpoint' | 'delivery'][] = [
  ['webhookDeliveries', DELIVERIES, 'endpoint'],
  ['rotateWebhookSecret', 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', 'endpoint'],
  [
    'updateWebhookEndpoint (url)',
    'mutation($id: ID!, $url: String) { updateWebhookEndpoint(id: $id, url: $url) { id url } }',
    'endpoint',
  ],
  [
    'updateWebhookEndpoint (bad url)',
    'mutation($id: ID!) { updateWebhookEndpoint(id: $id, url: "ftp://x") { id } }',
    'endpoint',
  ],
  [
    'updateWebhookEndpoint (enabled)',
    'mutation($id: ID!) { updateWebhookEndpoint(id: $id, enabled: true) { id } }',
    'endpoint',
  ],
  ['disableWebhookEndpoint', 'mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }', 'endpoint'],
  ['redeliverWebhook', 'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }', 'delivery'],
  ['deleteWebhookEndpoint', 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', 'endpoint'],
];

for (const database of DATABASE_KINDS) {
  describe(`webhook endpoints belong to the API key that created them: facegate serve (${database})`, () => {
    let dataDir: string;
    let pg: TestPostgresDatabase | null = null;
    let env: Record<string, string>;
    let server: ServingGateway;
    let receiverA: WebhookReceiver;
    let receiverB: WebhookReceiver;
    const keys: Record<'a' | 'b' | 'admin', { key: string; id: string }> = {} as never;
    let endpointA: { id: string; url: string; secret: string };
    let endpointB: string;

    async function gql(key: string, query: string, variables: Record<string, unknown> = {}) {
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      expect(response.status).toBeLessThan(500);
      return (await response.json()) as { data?: Json | null; errors?: Json[] };
    }

    async function createKey(name: string, scopes: string) {
      const created = await runFacegate(['keys', 'create', '--name', name, '--scopes', scopes], { env });
      expect(created.code, created.stderr).toBe(0);
      return { key: KEY.exec(created.stdout)![0], id: /\(id ([^,]+),/.exec(created.stdout)![1]! };
    }

    async function startVerification(key: string, openid: string): Promise<string> {
      const started = await gql(key, START, { input: { ...PEOPLE.zhang, protocol: 'V2', openid } });
      expect(started.errors).toBeUndefined();
      return started.data!.startVerification.id;
    }

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'facegate-webhook-owners-'));
      env = { DATA_DIR: dataDir };
      if (database === 'postgres') {
        pg = await createTestPostgresDatabase();
        env.DATABASE_URL = pg.url;
      }
      server = await startServing({ env });
      receiverA = await startWebhookReceiver('/a');
      receiverB = await startWebhookReceiver('/b');
      keys.a = await createKey('integrator-a', 'webhooks:write,verifications:write');
      // the attacker: webhooks only (reading verifications is FORBIDDEN to it)
      keys.b = await createKey('integrator-b', 'webhooks:write');
      keys.admin = await createKey('operator', 'console:admin,webhooks:write,verifications:write');
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await receiverA?.close();
      await receiverB?.close();
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it("key B neither sees nor touches key A's endpoint: each step of the attack is NOT_FOUND, like an unknown id", async () => {
      const created = await gql(keys.a.key, CREATE, { url: receiverA.url });
      endpointA = {
        ...created.data!.createWebhookEndpoint.endpoint,
        secret: created.data!.createWebhookEndpoint.secret,
      };
      expect(endpointA).toMatchObject({ url: receiverA.url, createdBy: keys.a.id });
      endpointB = (await gql(keys.b.key, CREATE_EXPIRED_ONLY, { url: receiverB.url })).data!
        .createWebhookEndpoint.endpoint.id;
      const session = await startVerification(keys.a.key, 'o_owner_a_1');
      await waitFor('A receives its event', () =>
        receiverA.accepted().some((r) => r.json.data.id === session),
      );
      const deliveries = await gql(keys.a.key, DELIVERIES, { id: endpointA.id });
      const deliveryA = deliveries.data!.webhookDeliveries.edges[0].node.id as string;

      // B's list holds only B's endpoint, and A's only A's
      expect((await gql(keys.b.key, LIST)).data!.webhookEndpoints.map((e: Json) => e.id)).toEqual([
        endpointB,
      ]);
      expect((await gql(keys.a.key, LIST)).data!.webhookEndpoints.map((e: Json) => e.id)).toEqual([
        endpointA.id,
      ]);

      for (const [name, query, kind] of ATTACKS) {
        const real = kind === 'endpoint' ? endpointA.id : deliveryA;
        const unknown = kind === 'endpoint' ? UNKNOWN_ENDPOINT : UNKNOWN_DELIVERY;
        const onA = await gql(keys.b.key, query, { id: real, url: receiverB.url });
        const onNothing = await gql(keys.b.key, query, { id: unknown, url: receiverB.url });
        expect(onA.errors?.[0]?.extensions?.code, name).toBe('NOT_FOUND');
        // the same answer as for an id that does not exist: ids cannot be probed
        expect({ data: onA.data, errors: onA.errors }, name).toEqual({
          data: onNothing.data,
          errors: onNothing.errors,
        });
      }
      // A's endpoint is as A left it: same URL, not rotated, enabled, still there
      expect((await gql(keys.a.key, LIST)).data!.webhookEndpoints).toEqual([
        {
          id: endpointA.id,
          url: receiverA.url,
          enabled: true,
          previousSecretExpiresAt: null,
          createdBy: keys.a.id,
        },
      ]);
      // and its next event goes to A only, signed with A's one secret
      const next = await startVerification(keys.a.key, 'o_owner_a_2');
      await waitFor('A receives the next event', () =>
        receiverA.accepted().some((r) => r.json.data.id === next),
      );
      const got = receiverA.received.find((r) => r.json.data.id === next)!;
      expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(() =>
        new Webhook(endpointA.secret).verify(got.body, got.headers as Record<string, string>),
      ).not.toThrow();
      expect(receiverB.received).toEqual([]);
    });

    it("a revoked key's endpoint keeps being delivered; console:admin manages it", {
      timeout: 60_000,
    }, async () => {
      const revoked = await runFacegate(['keys', 'revoke', keys.a.id], { env });
      expect(revoked.code, revoked.stderr).toBe(0);
      // a server trusts a verified key for up to 10 s without asking the database again
      await waitFor(
        'the revocation in force',
        async () => (await gql(keys.a.key, LIST)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
        15_000,
      );
      // the integration keeps working: revoking a credential does not silently stop its webhooks
      const session = await startVerification(keys.admin.key, 'o_owner_after_revoke');
      await waitFor('A still receives', () => receiverA.accepted().some((r) => r.json.data.id === session));
      // the console's admins see every endpoint and act on any of them
      const all = (await gql(keys.admin.key, LIST)).data!.webhookEndpoints.map((e: Json) => e.id);
      expect(all.sort()).toEqual([endpointA.id, endpointB].sort());
      const rotated = await gql(
        keys.admin.key,
        'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
        {
          id: endpointA.id,
        },
      );
      expect(rotated.data?.rotateWebhookSecret.secret).toMatch(/^whsec_/);
      const disabled = await gql(
        keys.admin.key,
        'mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled } }',
        {
          id: endpointA.id,
        },
      );
      expect(disabled.data?.disableWebhookEndpoint).toEqual({ enabled: false });
    });

    it('the CLI lists every endpoint with its owner and deletes any', async () => {
      // the embedded database is the server's while it runs: the CLI's webhooks commands run beside a stopped one
      expect(await server.stop()).toBe(0);
      const listed = await runFacegate(['webhooks', 'list'], { env });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(`${endpointA.id}  ${receiverA.url}`);
      expect(listed.stdout).toMatch(new RegExp(`${endpointA.id} .*owner ${keys.a.id}`));
      expect(listed.stdout).toMatch(new RegExp(`${endpointB} .*owner ${keys.b.id}`));
      const deleted = await runFacegate(['webhooks', 'delete', endpointA.id], { env });
      expect(deleted).toMatchObject({ code: 0 });
      const after = await runFacegate(['webhooks', 'list'], { env });
      expect(after.stdout).not.toContain(endpointA.id);
      expect(after.stdout).toContain(endpointB);
    }, 60_000);
  });
}

describe.each(DATABASE_KINDS)('who reaches which endpoint, by scope (%s)', (database) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('console:read reads every endpoint but changes none; with webhooks:write it still changes only its own', async () => {
    const owner = await t.createApiKey(['webhooks:write']);
    const reader = await t.createApiKey(['console:read']);
    const readerWriter = await t.createApiKey(['console:read', 'webhooks:write']);
    const create = async (key: string) =>
      (await t.gql(CREATE, { url: 'http://127.0.0.1:9/hooks' }, key)).body.data?.createWebhookEndpoint
        .endpoint.id as string;
    const theirs = await create(owner);
    const mine = await create(readerWriter);
    const ids = async (key: string) =>
      ((await t.gql(LIST, {}, key)).body.data?.webhookEndpoints ?? ([] as Json[]))
        .map((e: Json) => e.id)
        .sort();
    expect(await ids(reader)).toEqual([theirs, mine].sort());
    expect(await ids(readerWriter)).toEqual([theirs, mine].sort());
    expect(await ids(owner)).toEqual([theirs]);
    expect(errorCode(await t.gql(DELIVERIES, { id: theirs }, readerWriter))).toBeUndefined();
    const rotate = 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }';
    expect(errorCode(await t.gql(rotate, { id: theirs }, reader))).toBe('FORBIDDEN');
    expect(errorCode(await t.gql(rotate, { id: theirs }, readerWriter))).toBe('NOT_FOUND');
    expect((await t.gql(rotate, { id: mine }, readerWriter)).body.data?.rotateWebhookSecret.secret).toMatch(
      /^whsec_/,
    );
    expect(errorCode(await t.gql(rotate, { id: mine }, owner))).toBe('NOT_FOUND');
  });
});
