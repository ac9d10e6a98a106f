import { postgresForTests } from '@facegate/adapters-postgres/testing';
import { AuditChainVerifier, type AuditEvent } from '@facegate/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferedAuditTrail } from '../src/application/audit/buffered-audit-trail';
import { resolve, TOKENS } from '../src/composition/tokens';
import { loadConfig } from '../src/config/load-config';
import { startGateway } from '../src/http/server';
import { checkpointSignatureCheck, sha256Hex } from '../src/infrastructure/crypto/audit-checkpoint-key';
import { fullFlow } from './support/flows';
import { type Json, startTestGateway, TEST_SECRET, type TestGateway } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/*
 * Every action the audit trail records, performed through the gateway as a caller would, each found as its
 * row (actor, action, targets, request id, address HMAC, outcome) on PostgreSQL; the chain and its checkpoints
 * verify afterwards. The CLI's own rows are in audit-cli.test.ts.
 */
const postgres = await postgresForTests();

describe.runIf(postgres.run)('the audit trail records every audited action (PostgreSQL)', () => {
  let t: TestGateway;
  let service: string;
  let keyId: string;
  let consoleKey: string;
  let consoleKeyId: string;
  let receiver: WebhookReceiver;

  const trail = () => resolve(t.container, TOKENS.AuditTrail) as BufferedAuditTrail;
  /** Flushes what was recorded, then every row for `action`, oldest first. */
  async function rows(action: string): Promise<AuditEvent[]> {
    await trail().flush();
    const page = await resolve(t.container, TOKENS.AuditLog).query({ action }, 100, null);
    return [...page.items].reverse();
  }
  const last = async (action: string) => (await rows(action)).at(-1);

  /** A request as the console sends it: its client header marks it (actor console:<key id>). */
  async function viaConsole(query: string, variables: Json = {}): Promise<Json> {
    const response = await t.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-facegate-client': 'console',
        'x-request-id': 'req-console-1',
        authorization: `Bearer ${consoleKey}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Json;
  }

  beforeAll(async () => {
    // every flush may sign the head: the test need not wait minutes for a checkpoint
    t = await startTestGateway({ database: 'postgres', overrides: { audit: { checkpointEveryMs: 1 } } });
    resolve(t.container, TOKENS.WebhookRelay).start();
    service = await t.createApiKey([
      'verifications:read',
      'verifications:write',
      'webhooks:write',
      'audit:read',
    ]);
    consoleKey = await t.createApiKey(['console:admin', 'audit:read']);
    const keys = await resolve(t.container, TOKENS.ApiKeys).list();
    keyId = keys.find((k) => k.scopes.includes('webhooks:write'))!.id;
    consoleKeyId = keys.find((k) => k.scopes.includes('console:admin'))!.id;
    receiver = await startWebhookReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('a service reads a session, a list of sessions and an identity status: ids only, with its key id and name', async () => {
    const { token, session } = await fullFlow(t, 'o_audit_reader', 'V2');
    const id = session!.id as string;
    const before = (await rows('session.read')).length;
    expect(
      (await t.gql('query($id: ID!) { verification(id: $id) { id } }', { id }, service)).body.errors,
    ).toBeUndefined();
    // a user reading their own session is not an audited access
    await t.gql('query($id: ID!) { verification(id: $id) { id } }', { id }, token);
    const reads = await rows('session.read');
    expect(reads).toHaveLength(before + 1);
    expect(reads.at(-1)).toMatchObject({
      actor: `key:${keyId}`,
      actorName: 'test-verifications:read+verifications:write+webhooks:write+audit:read',
      targets: [`session:${id}`],
      outcome: 'success',
      clientAddressHmac: expect.stringMatching(/^[0-9a-f]{64}$/),
      requestId: expect.any(String),
    });

    await t.gql('{ verifications(first: 5) { edges { node { id } } } }', {}, service);
    const list = await last('session.list');
    expect(list).toMatchObject({ actor: `key:${keyId}`, details: { count: expect.any(Number) } });
    expect(list!.targets).toContain(`session:${id}`);

    await t.gql(
      'query($o: String!) { identityStatus(openid: $o) { verified } }',
      { o: 'o_audit_reader' },
      service,
    );
    const status = await last('identity-status.read');
    expect(status!.targets[0]).toMatch(/^openid-hmac:[0-9a-f]{64}$/);
    expect(status!.targets).toContain(`session:${id}`);
    // never the openid itself, anywhere in the row
    expect(JSON.stringify(status)).not.toContain('o_audit_reader');
  });

  it('the console reads a session and a list of sessions: actor console:<key id>', async () => {
    const { session } = await fullFlow(t, 'o_audit_console', 'V2');
    const answer = await viaConsole('query($id: ID!) { consoleSession(id: $id) { id } }', {
      id: session!.id,
    });
    expect(answer.errors).toBeUndefined();
    expect(await last('session.read')).toMatchObject({
      actor: `console:${consoleKeyId}`,
      actorName: null,
      targets: [`session:${session!.id}`],
      requestId: 'req-console-1',
    });
    await viaConsole('{ consoleSessions(first: 10) { edges { node { id } } } }');
    expect(await last('session.list')).toMatchObject({ actor: `console:${consoleKeyId}` });
  });

  it('API keys created and revoked, by the console', async () => {
    const created = await viaConsole(
      'mutation { createApiKey(input: { name: "audited", scopes: [CONSOLE_READ] }) { apiKey { id } } }',
    );
    const id = created.data.createApiKey.apiKey.id as string;
    expect(await last('api-key.created')).toMatchObject({
      actor: `console:${consoleKeyId}`,
      targets: [`api-key:${id}`],
      details: { name: 'audited', scopes: ['console:read'] },
    });
    await viaConsole('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id });
    expect(await last('api-key.revoked')).toMatchObject({ targets: [`api-key:${id}`] });
    // the new key's secret is nowhere in the trail
    expect(JSON.stringify(await rows('api-key.created'))).not.toContain('fgk_');
  });

  it('webhook endpoints created, changed, secret rotated, deleted; a delivery redelivered', async () => {
    const created = await t.gql(
      'mutation($url: String!) { createWebhookEndpoint(url: $url, events: [VERIFICATION_VERIFIED]) { endpoint { id } secret } }',
      { url: receiver.url },
      service,
    );
    const id = (created.body.data as Json).createWebhookEndpoint.endpoint.id as string;
    const target = `webhook-endpoint:${id}`;
    expect(await last('webhook-endpoint.created')).toMatchObject({
      actor: `key:${keyId}`,
      targets: [target],
    });
    await t.gql(
      'mutation($id: ID!) { updateWebhookEndpoint(id: $id, description: "x") { id } }',
      { id },
      service,
    );
    expect(await last('webhook-endpoint.changed')).toMatchObject({
      targets: [target],
      details: { changed: ['description'] },
    });
    await t.gql('mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id }, service);
    expect(await last('webhook-endpoint.secret-rotated')).toMatchObject({ targets: [target] });

    // a verification produces a delivery, which is then sent again
    await fullFlow(t, 'o_audit_hook', 'V2');
    let deliveryId: string | undefined;
    for (let i = 0; i < 100 && deliveryId === undefined; i++) {
      const found = await t.gql(
        'query($id: ID!) { webhookDeliveries(endpointId: $id, first: 5) { edges { node { id } } } }',
        { id },
        service,
      );
      deliveryId = (found.body.data as Json | undefined)?.webhookDeliveries?.edges?.[0]?.node?.id;
      if (deliveryId === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(deliveryId).toBeDefined();
    const redelivered = await t.gql(
      'mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { id } }',
      { d: deliveryId },
      service,
    );
    expect(redelivered.body.errors).toBeUndefined();
    expect(await last('webhook-delivery.redelivered')).toMatchObject({
      targets: [`webhook-delivery:${deliveryId}`, target],
    });

    await t.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id }, service);
    expect(await last('webhook-endpoint.deleted')).toMatchObject({ targets: [target] });
  });

  it('the whole trail verifies, with a checkpoint signed by the Ed25519 key; auditEvents pages it for audit:read only', async () => {
    const log = resolve(t.container, TOKENS.AuditLog);
    const head = await log.head();
    const key = resolve(t.container, TOKENS.AuditCheckpointKey);
    const verifier = new AuditChainVerifier({
      sha256: sha256Hex,
      checkSignature: checkpointSignatureCheck([key.publicKeyPem()]),
      start: 'trail',
    });
    verifier.add(await log.read(0, head.sequence, 10_000));
    expect(verifier.finish()).toMatchObject({ ok: true, anchor: 'genesis' });
    expect((await rows('audit.checkpoint')).length).toBeGreaterThan(0);

    const query = `query($f: AuditEventFilter, $after: String) { auditEvents(filter: $f, first: 2, after: $after) {
      edges { node { sequence actor actorKind action targets outcome details hash previousHash } } pageInfo { hasNextPage endCursor } } }`;
    const first = await t.gql(query, { f: { actor: `key:${keyId}` } }, service);
    const page = (first.body.data as Json).auditEvents;
    expect(page.edges).toHaveLength(2);
    expect(page.edges[0].node).toMatchObject({
      actor: `key:${keyId}`,
      actorKind: 'api-key',
      outcome: 'success',
    });
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await t.gql(
      query,
      { f: { actor: `key:${keyId}` }, after: page.pageInfo.endCursor },
      service,
    );
    expect(Number((next.body.data as Json).auditEvents.edges[0].node.sequence)).toBeLessThan(
      Number(page.edges[1].node.sequence),
    );
    const byConsole = await t.gql(query, { f: { actor: `console:${consoleKeyId}` } }, service);
    expect((byConsole.body.data as Json).auditEvents.edges[0].node.actorKind).toBe('console');
    const byTarget = await t.gql(query, { f: { target: `api-key:${keyId}` } }, service);
    expect((byTarget.body.data as Json).auditEvents.edges).toHaveLength(0);
    // reading the trail is recorded too
    expect(await rows('audit.read')).toContainEqual(
      expect.objectContaining({
        actor: `key:${keyId}`,
        details: { actor: `console:${consoleKeyId}`, count: 2 },
      }),
    );
    // console:admin alone does not read the trail
    const adminOnly = await t.createApiKey(['console:admin']);
    expect((await t.gql(query, {}, adminOnly)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const badCursor = await t.gql(query, { after: 'zzz' }, service);
    expect(badCursor.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refused attempts with an unknown or revoked key: one row per address and minute, with the count', async () => {
    const revoked = await t.createApiKey(['verifications:read']);
    await resolve(t.container, TOKENS.ApiKeys).revoke(revoked.slice(4, 16));
    const unknown = `fgk_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    for (const key of [unknown, unknown, revoked, unknown]) {
      const answer = await t.gql('{ identityStatus(openid: "o_x") { verified } }', {}, key);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // the minute is still open: nothing yet; closing the trail (shutdown) writes it
    expect(await rows('auth.refused')).toHaveLength(0);
    await trail().close();
    const refused = await rows('auth.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actor: 'system',
      outcome: 'refused',
      clientAddressHmac: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: { attempts: 4, credential: 'api-key' },
    });
  });
});

describe.runIf(postgres.run)('start-up is recorded (PostgreSQL)', () => {
  it('version, protocols, database kind and the names of the settings given, never a value', async () => {
    const t = await startTestGateway({ database: 'postgres' });
    try {
      const config = loadConfig({
        FACEGATE_SECRET: TEST_SECRET,
        DATABASE_URL: t.databaseUrl!,
        PORT: '0',
        SANDBOX_PORT: '0',
        WECHAT_FACE_PROTOCOLS: 'v2',
        FACEGATE_AUDIT_CHECKPOINT_MINUTES: '7',
        DATA_DIR: '/nonexistent/facegate-test',
      });
      const running = await startGateway(config, { sandbox: t.sandbox });
      await running.close();
      const log = resolve(t.container, TOKENS.AuditLog);
      const [started] = (await log.query({ action: 'gateway.started' }, 1, null)).items;
      expect(started).toMatchObject({
        actor: 'system',
        details: {
          version: expect.stringMatching(/^\d+\.\d+\.\d+/),
          protocols: ['V2'],
          database: 'postgres',
          sandboxMode: true,
          settingsGiven: [
            'DATABASE_URL',
            'DATA_DIR',
            'FACEGATE_AUDIT_CHECKPOINT_MINUTES',
            'FACEGATE_SECRET',
            'PORT',
            'SANDBOX_PORT',
            'WECHAT_FACE_PROTOCOLS',
          ],
        },
      });
      expect(JSON.stringify(started)).not.toContain(TEST_SECRET);
      expect(JSON.stringify(started)).not.toContain(t.databaseUrl!);
    } finally {
      await t.close();
    }
  });
});
