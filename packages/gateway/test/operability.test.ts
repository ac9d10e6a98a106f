import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { confirm, fullFlow, PEOPLE, runDevice, start } from './support/flows';
import type { Json } from './support/test-gateway';
import { DATABASE_KINDS, GET, startTestGateway, type TestGateway } from './support/test-gateway';

/** Reads `event: next` payloads from an SSE response until `stop` says so. */
async function readSse(response: Response, stop: (payload: Json) => boolean, onFirst?: () => void) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const payloads: Json[] = [];
  let buffer = '';
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('');
        if (block.includes('event: next') && data) {
          const payload = JSON.parse(data);
          payloads.push(payload);
          if (payloads.length === 1) onFirst?.();
          if (stop(payload)) return payloads;
        }
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return payloads;
}

describe.each(DATABASE_KINDS)('operability (%s)', (database) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves /healthz, /readyz and Prometheus /metrics with verification and upstream series', async () => {
    expect((await t.gateway.fetch('http://gateway/healthz')).status).toBe(200);
    const ready = await t.gateway.fetch('http://gateway/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', wechat: 'ok' } });
    await fullFlow(t, 'o_metrics_user', 'V2');
    const metrics = await (await t.gateway.fetch('http://gateway/metrics')).text();
    expect(metrics).toMatch(
      /facegate_verification_outcomes_total\{app="default",status="VERIFIED",failure_code="none"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /facegate_upstream_request_duration_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /facegate_upstream_token_refreshes_total\{app="default",source="[a-z_]+"\} [1-9]/,
    );
  });

  it('the subscription delivers the current state and then the VERIFIED update over SSE', async () => {
    const openid = 'o_sse_user';
    const token = await t.signIn(openid);
    const { session } = await start(t, token, { protocol: 'LEGACY' });
    const response = await t.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        query: 'subscription($id: ID!) { verificationUpdated(id: $id) { id status attempts } }',
        variables: { id: session!.id },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    let confirming: Promise<unknown> | undefined;
    const payloads = await readSse(
      response,
      (p) => p.data?.verificationUpdated?.status === 'VERIFIED',
      () => {
        confirming = confirm(t, token, runDevice(t, openid, session!));
      },
    );
    await confirming;
    expect(payloads[0]?.data.verificationUpdated).toMatchObject({ id: session!.id, status: 'PENDING' });
    expect(payloads.at(-1)?.data.verificationUpdated).toMatchObject({ status: 'VERIFIED', attempts: 1 });
  });

  it('a database dump and the logs hold none of the names, ID numbers or evidence used', async () => {
    const used = [PEOPLE.zhang, PEOPLE.li, PEOPLE.wang];
    const evidence: string[] = [];
    for (const [i, identity] of used.entries()) {
      const legacy = await fullFlow(t, `o_privacy_${i}`, 'LEGACY', identity);
      evidence.push(legacy.input.verifyResult!);
      const v2 = await fullFlow(t, `o_privacy_v2_${i}`, 'V2', identity);
      evidence.push(v2.started.clientParams.verifyId);
    }
    // sessions left open keep their (encrypted) binding
    const token = await t.signIn('o_privacy_open');
    for (const sandboxIdentity of SANDBOX_TEST_IDENTITIES.slice(0, 3)) {
      await start(t, token, {
        protocol: 'LEGACY',
        name: sandboxIdentity.name,
        idCardNumber: sandboxIdentity.idCardNumber,
      });
    }
    const db = t.container.resolve(TOKENS.Database);
    const tables = await db.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
    );
    expect(tables.length).toBeGreaterThan(0);
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await db.query<{ row: string }>(
        `select row_to_json(t)::text as row from "${table_name}" t`,
      );
      dump += rows.map((r) => r.row).join('\n');
    }
    const logs = t.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    const secrets = [
      ...used.flatMap((p) => [p.name, p.idCardNumber]),
      ...SANDBOX_TEST_IDENTITIES.slice(0, 3).flatMap((p) => [p.name, p.idCardNumber]),
      ...evidence,
    ];
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(logs).not.toContain(secret);
      // JSON may escape non-ASCII text
      expect(logs).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    expect(logs).not.toContain(token);
  });
});

describe('hardening and restarts', () => {
  it('WeChat unavailable is UPSTREAM_UNAVAILABLE and uses up no attempt; an internal fault is masked', async () => {
    const t = await startTestGateway({ database: 'pglite' });
    try {
      const openid = 'o_upstream_down';
      const token = await t.signIn(openid);
      const { session } = await start(t, token, { protocol: 'V2' });
      const input = runDevice(t, openid, session!);
      t.sandbox.setFaults({ http5xxRate: 1 });
      const down = await confirm(t, token, input);
      expect(down.response.status).toBe(200);
      expect(down.response.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      t.sandbox.setFaults({ http5xxRate: 0 });
      const after = await confirm(t, token, input);
      expect(after.session).toMatchObject({ status: 'VERIFIED', attempts: 1 });

      const scrape = async () => (await t.gateway.fetch('http://gateway/metrics')).text();
      expect(await scrape()).toMatch(/^facegate_database_up 1$/m);
      expect(await scrape()).toMatch(/^facegate_outbox_lag_seconds \d/m);
      // the sandbox's 5xx were retried, then given up: the alert on WeChat errors reads these
      expect(await scrape()).toMatch(/^facegate_upstream_errors_total\{[^}]*outcome="transient"\} [1-9]/m);

      await t.container.resolve(TOKENS.Database).close();
      // what the "database unavailable" alert reads
      expect(await scrape()).toMatch(/^facegate_database_up 0$/m);
      const broken = await t.gql(GET, { id: session!.id }, token);
      expect(broken.body.errors?.[0]?.message).toBe('Unexpected error.');
      expect(JSON.stringify(broken.body)).not.toMatch(/stack|\.ts:|at /);
    } finally {
      await t.close().catch(() => {});
    }
  });

  it('NODE_ENV=production: no GraphiQL, no introspection', async () => {
    const t = await startTestGateway({ database: 'pglite', env: { NODE_ENV: 'production' } });
    try {
      const page = await t.gateway.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('GraphiQL');
      const introspection = await t.gql('{ __schema { types { name } } }');
      expect(introspection.body.data?.__schema).toBeUndefined();
      expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    } finally {
      await t.close();
    }
    const dev = await startTestGateway({ database: 'pglite' });
    try {
      expect((await dev.gql('{ __schema { queryType { name } } }')).body.data?.__schema).toEqual({
        queryType: { name: 'Query' },
      });
    } finally {
      await dev.close();
    }
  });

  it('a restarted gateway still has every session (PGlite on disk in DATA_DIR)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'facegate-restart-'));
    try {
      const first = await startTestGateway({ database: 'pglite', dataDir });
      const verified = await fullFlow(first, 'o_restart', 'LEGACY');
      const pending = await start(first, verified.token, { protocol: 'V2' });
      await first.close();

      const second = await startTestGateway({ database: 'pglite', dataDir });
      try {
        const a = await second.gql(GET, { id: verified.started.id }, verified.token);
        const b = await second.gql(GET, { id: pending.session!.id }, verified.token);
        expect(a.body.data?.verification).toMatchObject({ status: 'VERIFIED', attempts: 1 });
        expect(b.body.data?.verification).toMatchObject({ status: 'PENDING', protocol: 'V2' });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
