import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@facegate/test-support';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_FILE, type AdminFile } from '../src/http/admin-endpoint';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';
import { PEOPLE } from './support/flows';
import { START } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/** A GET with this Host header (fetch sets its own): the status. */
function statusWithHost(url: string, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, authorization: `Bearer ${token}` } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const ENDPOINT_ID = /we_[A-Za-z0-9_-]{16}/;
const SECRET = /whsec_[A-Za-z0-9+/=]+/;
const KEY = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;

/**
 * `npm start` holds the embedded database (PGlite: one process only), and the operator manages webhooks from
 * another terminal: every `facegate webhooks` command must work then as it does with the server stopped,
 * through the running gateway, with the same output and exit codes.
 */
describe('facegate webhooks while `facegate serve` holds the embedded database', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServingGateway;
  let receiver: WebhookReceiver;
  const webhooks = (...args: string[]) => runFacegate(['webhooks', ...args], { cwd: tmpdir(), env });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-webhooks-serving-'));
    env = { DATA_DIR: dataDir };
    receiver = await startWebhookReceiver();
    server = await startServing({ env });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('add, list, deliveries, redeliver, rotate, disable, enable and delete go through the server; its relay uses them at once', async () => {
    expect(server.output()).toContain('webhooks: `facegate webhooks');

    const added = await webhooks(
      'add',
      '--url',
      receiver.url,
      '--events',
      'verification.started',
      '--description',
      'crm',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = ENDPOINT_ID.exec(added.stdout)![0];
    const secret = SECRET.exec(added.stdout)![0];
    expect(added.stdout).toContain(
      `Created webhook endpoint ${id} -> ${receiver.url} (verification.started; apps all).`,
    );

    const listed = await webhooks('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(`${id}  ${receiver.url}  verification.started  enabled  owner cli\n`);

    // the serving gateway's relay delivers to the endpoint just added, signed with the secret just printed
    const created = await runFacegate(
      ['keys', 'create', '--name', 'shop', '--scopes', 'verifications:write'],
      { cwd: tmpdir(), env },
    );
    expect(created.code, created.stderr).toBe(0);
    const key = KEY.exec(created.stdout)![0];
    const started = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: START,
        variables: { input: { ...PEOPLE.li, protocol: 'V2', openid: 'o_webhooks_while_serving' } },
      }),
    });
    const sessionId = ((await started.json()) as { data: { startVerification: { id: string } } }).data
      .startVerification.id;
    await waitFor('the webhook', () => receiver.received.length === 1, { timeoutMs: 30_000 });
    const hook = receiver.received[0]!;
    expect(() => new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).not.toThrow();
    expect(hook.json).toMatchObject({ type: 'verification.started', data: { id: sessionId } });

    const deliveries = await waitFor(
      'the delivery recorded',
      async () => {
        const answer = await webhooks('deliveries', id);
        return answer.stdout.includes('DELIVERED') && answer;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(deliveries.code).toBe(0);
    expect(deliveries.stdout).toMatch(
      new RegExp(
        `^${hook.id}  verification.started  ${sessionId}  DELIVERED  attempts 1  HTTP 200  \\S+Z\\n$`,
      ),
    );
    expect((await webhooks('deliveries', id, '--status', 'failed')).stdout).toBe('No deliveries.\n');

    const redelivered = await webhooks('redeliver', hook.id);
    expect(redelivered).toMatchObject({ code: 0, stdout: `Queued ${hook.id} for delivery again.\n` });
    await waitFor('the redelivery', () => receiver.received.length === 2, { timeoutMs: 30_000 });
    expect(receiver.received[1]!.id).toBe(hook.id);

    const rotated = await webhooks('rotate', id);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(
      new RegExp(`^Rotated the secret of ${id}; the previous one also signs until \\S+Z\\.\\n`),
    );
    expect(SECRET.exec(rotated.stdout)![0]).not.toBe(secret);

    expect(await webhooks('disable', id)).toMatchObject({ code: 0, stdout: `Disabled ${id}.\n` });
    expect((await webhooks('list')).stdout).toContain(
      `${id}  ${receiver.url}  verification.started  disabled (MANUAL)`,
    );
    expect(await webhooks('enable', id)).toMatchObject({ code: 0, stdout: `Enabled ${id}.\n` });
    expect((await webhooks('list')).stdout).toContain(`  verification.started  enabled  owner cli`);

    expect(await webhooks('delete', id)).toMatchObject({
      code: 0,
      stdout: `Deleted ${id} and its delivery history.\n`,
    });
    expect((await webhooks('list')).stdout).toBe(
      'No webhook endpoints. Add one with: facegate webhooks add --url URL --events ...\n',
    );
  }, 240_000);

  it('refusals read the same as without a server: bad input exit 2, unknown ids exit 1, one line each', async () => {
    const bad = await webhooks('add', '--url', 'ftp://127.0.0.1/hooks', '--events', 'verification.started');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^facegate: url: .+\n$/);
    const unknownEvent = await webhooks('add', '--url', receiver.url, '--events', 'verification.nope');
    expect(unknownEvent.code).toBe(2);
    expect(unknownEvent.stderr).toMatch(
      /^facegate: events: unknown event "verification\.nope"; known: .+\n$/,
    );
    for (const args of [
      ['disable', 'we_missing'],
      ['enable', 'we_missing'],
      ['rotate', 'we_missing'],
      ['delete', 'we_missing'],
      ['deliveries', 'we_missing'],
    ]) {
      expect(await webhooks(...args), args.join(' ')).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'facegate: webhook endpoint not found\n',
      });
    }
    expect(await webhooks('redeliver', 'msg_missing')).toMatchObject({
      code: 1,
      stderr: 'facegate: webhook delivery not found\n',
    });
  }, 120_000);

  it('the webhook routes take the admin token and Host like the key routes; with the server stopped the command opens the database itself', async () => {
    const admin = JSON.parse(await readFile(join(dataDir, ADMIN_FILE), 'utf8')) as AdminFile;
    for (const [method, path] of [
      ['GET', '/webhooks'],
      ['POST', '/webhooks'],
      ['POST', '/webhooks/disable'],
      ['POST', '/webhooks/nothing-here'],
    ] as const) {
      const response = await fetch(`${admin.url}${path}`, {
        method,
        headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    // the right token under another Host (a DNS-rebinding page) is refused too, on every route
    for (const path of ['/webhooks', '/keys']) {
      expect(
        await statusWithHost(`${admin.url}${path}`, 'facegate.attacker.example', admin.token),
        path,
      ).toBe(403);
      expect(await statusWithHost(`${admin.url}${path}`, new URL(admin.url).host, admin.token), path).toBe(
        200,
      );
    }
    const authorized = { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' };
    const wrongShape = await fetch(`${admin.url}/webhooks`, {
      method: 'POST',
      headers: authorized,
      body: JSON.stringify({ url: receiver.url, events: 'verification.started' }),
    });
    expect(wrongShape.status).toBe(400);
    const wrongStatus = await fetch(`${admin.url}/webhooks/deliveries`, {
      method: 'POST',
      headers: authorized,
      body: JSON.stringify({ endpointId: 'we_x', status: 'LOST' }),
    });
    expect(wrongStatus.status).toBe(400);
    expect(
      (await fetch(`${admin.url}/webhooks/nothing-here`, { method: 'POST', headers: authorized })).status,
    ).toBe(404);

    const kept = await webhooks('add', '--url', receiver.url, '--events', 'verification.verified');
    const id = ENDPOINT_ID.exec(kept.stdout)![0];
    expect(await server.stop()).toBe(0);
    const listed = await webhooks('list');
    expect(listed).toMatchObject({
      code: 0,
      stdout: `${id}  ${receiver.url}  verification.verified  enabled  owner cli\n`,
    });
  }, 120_000);
});
