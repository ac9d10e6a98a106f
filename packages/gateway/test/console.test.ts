import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolve, TOKENS } from '../src/composition/tokens';
import { ConfigError } from '../src/config/env';
import { loadConfig } from '../src/config/load-config';
import { buildSchema } from '../src/graphql/index';
import { consoleAssetsPlugin, consoleAvailability } from '../src/http/plugins/console-assets.plugin';
import { fullFlow, PEOPLE, start } from './support/flows';
import { CANCEL, CONFIRM, type Json, startTestGateway, type TestGateway } from './support/test-gateway';

const OVERVIEW = `query($from: DateTime!, $to: DateTime!, $bucket: ConsoleBucket!) {
  consoleOverview(from: $from, to: $to, bucket: $bucket) {
    total { started pending verified failed canceled expired deviceRan confirmed passRate medianSecondsToOutcome p95SecondsToOutcome }
    byProtocol { protocol counts { started verified failed } }
    series { bucket status count }
  } }`;
const FAILURES = `query($from: DateTime!, $to: DateTime!) { failureBreakdown(from: $from, to: $to) {
  total failures { code reasonZh reasonEn retryable upstream count share trend { bucket count } }
  upstreamErrors { endpoint outcome count } } }`;
const SESSIONS = `query($filter: ConsoleSessionFilter, $first: Int, $after: String) {
  consoleSessions(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id status protocol maskedName maskedIdCardNumber attempts lastErrorCode openid clientReferenceId } }
    hasNextPage endCursor } }`;
const PAGE_WITH_TIMELINES = `query($first: Int) { consoleSessions(first: $first) {
  edges { node { id timeline { at kind status attempt failureCode } } } } }`;
const SESSION = `query($id: ID!) { consoleSession(id: $id) { id status maskedName timeline { at kind status attempt failureCode } } }`;

describe('console GraphQL operations (PGlite, sandbox)', () => {
  let t: TestGateway;
  let read: string;
  let admin: string;
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const ids: Record<string, string> = {};
  const bodies: string[] = [];

  async function gql(query: string, variables: unknown, credential: string | undefined) {
    const response = await t.gql(query, variables, credential);
    bodies.push(JSON.stringify(response.body));
    return response;
  }

  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
    read = await t.createApiKey(['console:read']);
    admin = await t.createApiKey(['console:admin']);
    // 3 verified (2 V2, 1 legacy), 1 failed for good, 1 pending after a retryable failure,
    // 1 pending without an attempt, 1 canceled: 7 started
    ids.v2a = (await fullFlow(t, 'o_console_a', 'V2')).session!.id;
    ids.v2b = (await fullFlow(t, 'o_console_b', 'V2', PEOPLE.li)).session!.id;
    ids.legacy = (await fullFlow(t, 'o_console_c', 'LEGACY', PEOPLE.wang)).session!.id;
    ids.failed = (await fullFlow(t, 'o_console_d', 'V2', PEOPLE.zhang, 'id_mismatch')).session!.id;
    ids.retry = (await fullFlow(t, 'o_console_e', 'V2', PEOPLE.zhang, 'face_mismatch')).session!.id;
    const token = await t.signIn('o_console_f');
    ids.pending = (await start(t, token, { protocol: 'V2', clientReferenceId: 'order-42' })).session!.id;
    const canceled = (await start(t, token, { protocol: 'V2' })).session!;
    await t.gql(CANCEL, { id: canceled.id }, token);
    ids.canceled = canceled.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts the period in the database: statuses, the funnel, times to outcome, by protocol', async () => {
    const r = await gql(OVERVIEW, { from, to, bucket: 'HOUR' }, read);
    const o = r.body.data!.consoleOverview as Json;
    expect(o.total).toMatchObject({
      started: 7,
      pending: 2,
      verified: 3,
      failed: 1,
      canceled: 1,
      expired: 0,
      deviceRan: 5,
      confirmed: 4,
    });
    expect(o.total.passRate).toBeCloseTo(3 / 5);
    expect(o.total.medianSecondsToOutcome).toBeGreaterThanOrEqual(0);
    expect(o.total.p95SecondsToOutcome).toBeGreaterThanOrEqual(o.total.medianSecondsToOutcome);
    expect(o.byProtocol).toEqual([
      { protocol: 'LEGACY', counts: { started: 1, verified: 1, failed: 0 } },
      { protocol: 'V2', counts: { started: 6, verified: 2, failed: 1 } },
    ]);
    const byStatus = (status: string) =>
      (o.series as Json[]).filter((p) => p.status === status).reduce((n, p) => n + p.count, 0);
    expect(byStatus('VERIFIED')).toBe(3);
    expect(byStatus('PENDING')).toBe(2);
    // a period before any session: all zero, no series
    const empty = await gql(
      OVERVIEW,
      { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z', bucket: 'DAY' },
      read,
    );
    expect(empty.body.data!.consoleOverview.total).toMatchObject({
      started: 0,
      passRate: null,
      medianSecondsToOutcome: null,
    });
    expect(empty.body.data!.consoleOverview.series).toEqual([]);
  });

  it('refuses periods it will not answer with BAD_USER_INPUT', async () => {
    const backwards = await gql(OVERVIEW, { from: to, to: from, bucket: 'DAY' }, read);
    expect(backwards.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const hourlyYear = await gql(
      OVERVIEW,
      { from: '2024-01-01T00:00:00Z', to: '2024-12-31T00:00:00Z', bucket: 'HOUR' },
      read,
    );
    expect(hourlyYear.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bucket' });
    const tooLong = await gql(FAILURES, { from: '2020-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z' }, read);
    expect(tooLong.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'PERIOD_TOO_LONG',
    });
  });

  it('ranks failure codes with their zh-CN reason and share, user outcomes apart from upstream ones', async () => {
    const r = await gql(FAILURES, { from, to }, read);
    const b = r.body.data!.failureBreakdown as Json;
    const codes = (b.failures as Json[]).map((f) => f.code);
    expect(codes).toContain('ID_NUMBER_MISMATCH');
    expect(codes).toContain('FACE_MISMATCH');
    expect(b.total).toBe((b.failures as Json[]).reduce((n, f) => n + f.count, 0));
    const mismatch = (b.failures as Json[]).find((f) => f.code === 'ID_NUMBER_MISMATCH')!;
    expect(mismatch).toMatchObject({
      reasonZh: '姓名与身份证号码不匹配',
      upstream: false,
      retryable: false,
      count: 1,
    });
    expect(mismatch.share).toBeCloseTo(1 / b.total);
    expect(mismatch.trend).toHaveLength(1);
    expect(Array.isArray(b.upstreamErrors)).toBe(true);
  });

  it('filters sessions (status, protocol, openid, client reference) and pages them, masked only', async () => {
    const failed = await gql(SESSIONS, { filter: { status: 'FAILED' } }, read);
    expect(failed.body.data!.consoleSessions.edges.map((e: Json) => e.node.id)).toEqual([ids.failed]);
    const legacy = await gql(SESSIONS, { filter: { protocol: 'LEGACY' } }, read);
    expect(legacy.body.data!.consoleSessions.edges.map((e: Json) => e.node.id)).toEqual([ids.legacy]);
    const byOpenid = await gql(SESSIONS, { filter: { openid: 'o_console_f' } }, read);
    expect(byOpenid.body.data!.consoleSessions.edges.map((e: Json) => e.node.id).sort()).toEqual(
      [ids.pending, ids.canceled].sort(),
    );
    const byReference = await gql(SESSIONS, { filter: { clientReferenceId: 'order-42' } }, read);
    expect(byReference.body.data!.consoleSessions.edges).toHaveLength(1);
    expect(byReference.body.data!.consoleSessions.edges[0].node).toMatchObject({
      id: ids.pending,
      maskedName: '张*',
      maskedIdCardNumber: expect.stringMatching(/^1101\*+002X$/),
    });
    // pages of 3: 3 + 3 + 1, no repeats
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const r = await gql(SESSIONS, { first: 3, after }, read);
      const c = r.body.data!.consoleSessions as Json;
      seen.push(...c.edges.map((e: Json) => e.node.id));
      after = c.endCursor;
      expect(c.hasNextPage).toBe(page < 2);
    }
    expect(new Set(seen).size).toBe(7);
    const badCursor = await gql(SESSIONS, { after: 'nonsense' }, read);
    expect(badCursor.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it("shows a session's timeline: start, the attempt taken to WeChat, its outcome, the end", async () => {
    const r = await gql(SESSION, { id: ids.v2a }, read);
    const kinds = (r.body.data!.consoleSession.timeline as Json[]).map((e) => e.kind);
    expect(kinds[0]).toBe('STARTED');
    expect(kinds).toContain('ATTEMPT_CLAIMED');
    expect(kinds).toContain('ATTEMPT_COMPLETED');
    expect(kinds.at(-1)).toBe('ENDED');
    const retry = await gql(SESSION, { id: ids.retry }, read);
    const completed = (retry.body.data!.consoleSession.timeline as Json[]).find(
      (e) => e.kind === 'ATTEMPT_COMPLETED',
    );
    expect(completed).toMatchObject({ failureCode: 'FACE_MISMATCH', attempt: 1 });
    expect((await gql(SESSION, { id: 'no-such-session' }, read)).body.data!.consoleSession).toBeNull();
  });

  it('reads a page of sessions with their timelines in the same statements whatever its size', async () => {
    const query = vi.spyOn(resolve(t.container, TOKENS.ConsoleDatabase), 'query');
    const page = async (first: number) => {
      query.mockClear();
      const r = await gql(PAGE_WITH_TIMELINES, { first }, read);
      return { edges: r.body.data!.consoleSessions.edges as Json[], statements: query.mock.calls.length };
    };
    let seven: Awaited<ReturnType<typeof page>>;
    try {
      const two = await page(2);
      seven = await page(7);
      expect(two.edges).toHaveLength(2);
      expect(seven.edges).toHaveLength(7);
      // the page, then its sessions' evidence claims and outbox events: not one read per session
      expect(two.statements).toBe(3);
      expect(seven.statements).toBe(3);
    } finally {
      query.mockRestore();
    }
    // read together, each session still gets its own timeline: the same as when read alone
    for (const edge of seven.edges) {
      const alone = await gql(SESSION, { id: edge.node.id }, read);
      expect(edge.node.timeline).toEqual(alone.body.data!.consoleSession.timeline);
    }
    const kinds = seven.edges.map((e) => (e.node.timeline as Json[]).map((x) => x.kind).join());
    expect(new Set(kinds).size).toBeGreaterThan(1);
  });

  it('reports the system: readiness, database kind, token state (never the token), abuse refusals', async () => {
    const r = await gql(
      '{ systemStatus { checks { name ok } databaseKind sandboxMode version tokenFetchedAt tokenRefreshes abuseRefusals { rule refused } } }',
      {},
      read,
    );
    const s = r.body.data!.systemStatus as Json;
    expect(s.checks).toEqual([
      { name: 'database', ok: true },
      { name: 'wechat', ok: true },
    ]);
    expect(s).toMatchObject({ databaseKind: 'pglite', sandboxMode: true, version: '0.1.0' });
    expect(s.tokenRefreshes).toBeGreaterThanOrEqual(1);
    expect(Date.parse(s.tokenFetchedAt)).toBeLessThanOrEqual(Date.now());
    // every rule AbuseLimits applies (their refusals are pinned in rate-limits.test.ts)
    expect((s.abuseRefusals as Json[]).map((x) => x.rule)).toEqual([
      'start:ip:minute',
      'start:openid:day',
      'start:id-number+openid:minute',
      'start:id-number+openid:day',
      'mismatch:id-number:day',
      'sign-in:ip:minute',
      'confirm:ip:minute',
    ]);
  });

  it('lets console:admin list, create (secret once) and revoke keys; console:read may not', async () => {
    expect((await gql('{ apiKeys { id } }', {}, read)).body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const created = await gql(
      'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name prefix scopes revokedAt } } }',
      { input: { name: 'night shift', scopes: ['CONSOLE_READ'] } },
      admin,
    );
    const { key, apiKey } = created.body.data!.createApiKey as Json;
    expect(key).toMatch(new RegExp(`^fgk_${apiKey.prefix}_`));
    expect(apiKey).toMatchObject({ name: 'night shift', scopes: ['CONSOLE_READ'], revokedAt: null });
    const viewer = await gql('{ consoleViewer { name scopes } }', {}, key);
    expect(viewer.body.data!.consoleViewer).toEqual({ name: 'night shift', scopes: ['CONSOLE_READ'] });
    const listed = await gql('{ apiKeys { id name prefix } }', {}, admin);
    // the secret is everything after the prefix: base64url, so it may itself hold underscores
    const secret = key.slice('fgk_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((listed.body.data!.apiKeys as Json[]).map((k) => k.id)).toContain(apiKey.id);
    const revoked = await gql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }',
      { id: apiKey.id },
      admin,
    );
    expect(revoked.body.data!.revokeApiKey.revokedAt).not.toBeNull();
    expect((await gql('{ consoleViewer { name } }', {}, key)).body.errors![0]!.extensions!.code).toBe(
      'UNAUTHENTICATED',
    );
    const again = await gql('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKey.id }, admin);
    expect(again.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const noName = await gql(
      'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
      { input: { name: ' ', scopes: ['CONSOLE_READ'] } },
      admin,
    );
    expect(noName.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('never sends a raw name or ID number to the console', () => {
    const all = bodies.join('\n');
    for (const person of Object.values(PEOPLE)) {
      expect(all).not.toContain(person.name);
      expect(all).not.toContain(person.idCardNumber);
    }
  });
});

describe('console GraphQL operations per app (PGlite, sandbox serving default and card)', () => {
  let t: TestGateway;
  let all: string;
  let cardOnly: string;
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const ids = { card: [] as string[], default: [] as string[] };
  const CARD_APPID = 'wx_sandbox_card';

  /** A card user: signs in with the card mini program's wx.login code, starts, runs the device, confirms. */
  async function cardFlow(openid: string, scenario?: 'id_mismatch'): Promise<string> {
    const signedIn = await t.gql('mutation($code: String!) { signIn(code: $code, app: "card") { token } }', {
      code: t.sandbox.device.login(openid, CARD_APPID),
    });
    const token = signedIn.body.data!.signIn.token as string;
    const started = await start(t, token, { protocol: 'V2' });
    if (!started.session) throw new Error(JSON.stringify(started.response.body.errors));
    const check = t.sandbox.device.runV2Check({
      openid,
      appId: CARD_APPID,
      verifyId: started.session.clientParams.verifyId,
      ...(scenario ? { scenario } : {}),
    });
    await t.gql(CONFIRM, { input: { id: started.session.id, clientErrCode: check.errCode } }, token);
    return started.session.id as string;
  }

  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
    all = await t.createApiKey(['console:read']);
    const keys = t.container.resolve(TOKENS.ApiKeys);
    const created = await keys.create('card desk', ['console:read'], ['card']);
    if (!created.ok) throw new Error(created.error.message);
    cardOnly = created.value.key;
    // default: 2 verified, 1 failed (ID_NUMBER_MISMATCH); card: 1 verified, 1 failed (ID_NUMBER_MISMATCH)
    ids.default.push((await fullFlow(t, 'o_apps_a', 'V2')).session!.id);
    ids.default.push((await fullFlow(t, 'o_apps_b', 'V2', PEOPLE.li)).session!.id);
    ids.default.push((await fullFlow(t, 'o_apps_c', 'V2', PEOPLE.wang, 'id_mismatch')).session!.id);
    ids.card.push(await cardFlow('o_apps_card_a'));
    ids.card.push(await cardFlow('o_apps_card_b', 'id_mismatch'));
  });
  afterAll(async () => {
    await t?.close();
  });

  const overview = (key: string, app?: string) =>
    t.gql(
      `query($from: DateTime!, $to: DateTime!, $app: String) {
        consoleOverview(from: $from, to: $to, bucket: HOUR, app: $app) { total { started verified failed } series { count } } }`,
      { from, to, app },
      key,
    );
  const failures = (key: string, app?: string) =>
    t.gql(
      `query($from: DateTime!, $to: DateTime!, $app: String) {
        failureBreakdown(from: $from, to: $to, app: $app) { total failures { code count } } }`,
      { from, to, app },
      key,
    );
  const sessions = (key: string, app?: string, filter?: Json) =>
    t.gql(
      `query($app: String, $filter: ConsoleSessionFilter) {
        consoleSessions(app: $app, filter: $filter, first: 50) { edges { node { id app } } } }`,
      { app, filter },
      key,
    );
  const idsOf = (r: { body: { data?: Json | null } }) =>
    (r.body.data!.consoleSessions.edges as Json[]).map((e) => e.node.id).sort();

  it('counts every app, or the one asked for', async () => {
    expect((await overview(all)).body.data!.consoleOverview.total).toEqual({
      started: 5,
      verified: 3,
      failed: 2,
    });
    const card = (await overview(all, 'card')).body.data!.consoleOverview;
    expect(card.total).toEqual({ started: 2, verified: 1, failed: 1 });
    expect((card.series as Json[]).reduce((n, p) => n + p.count, 0)).toBe(2);
    expect((await overview(all, 'default')).body.data!.consoleOverview.total).toEqual({
      started: 3,
      verified: 2,
      failed: 1,
    });
    expect((await failures(all)).body.data!.failureBreakdown).toEqual({
      total: 2,
      failures: [{ code: 'ID_NUMBER_MISMATCH', count: 2 }],
    });
    expect((await failures(all, 'card')).body.data!.failureBreakdown.total).toBe(1);
    const listed = await sessions(all, 'card');
    expect(idsOf(listed)).toEqual([...ids.card].sort());
    expect((listed.body.data!.consoleSessions.edges as Json[]).every((e) => e.node.app === 'card')).toBe(
      true,
    );
    expect(idsOf(await sessions(all))).toEqual([...ids.card, ...ids.default].sort());
    expect(idsOf(await sessions(all, 'default', { status: 'FAILED' }))).toEqual([ids.default[2]]);
    const one = await t.gql(
      'query($id: ID!) { consoleSession(id: $id) { id app } }',
      { id: ids.card[0] },
      all,
    );
    expect(one.body.data!.consoleSession).toEqual({ id: ids.card[0], app: 'card' });
    const bad = await overview(all, 'Not An App');
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'app' });
  });

  it("never shows a key limited to card the default app's sessions, even when it names default", async () => {
    expect((await overview(cardOnly)).body.data!.consoleOverview.total).toEqual({
      started: 2,
      verified: 1,
      failed: 1,
    });
    expect((await failures(cardOnly)).body.data!.failureBreakdown.total).toBe(1);
    expect(idsOf(await sessions(cardOnly))).toEqual([...ids.card].sort());
    for (const asked of [
      overview(cardOnly, 'default'),
      failures(cardOnly, 'default'),
      sessions(cardOnly, 'default'),
    ]) {
      const r = await asked;
      expect(r.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
      expect(r.body.data ?? null).toBeNull();
    }
    // a default session by its id is not there for this key, exactly like a missing one
    const other = await t.gql(
      'query($id: ID!) { consoleSession(id: $id) { id } }',
      { id: ids.default[0] },
      cardOnly,
    );
    expect(other.body.data!.consoleSession).toBeNull();
    // the System page lists its apps only; an unlimited key sees both
    const system =
      '{ systemStatus { apps { id displayName appId serving tokenOk tokenAgeSeconds tokenFetchedAt lastCallAt lastCallOutcome } } }';
    const mine = (await t.gql(system, {}, cardOnly)).body.data!.systemStatus.apps as Json[];
    expect(mine.map((a) => a.id)).toEqual(['card']);
    const both = (await t.gql(system, {}, all)).body.data!.systemStatus.apps as Json[];
    expect(both.map((a) => a.id).sort()).toEqual(['card', 'default']);
    for (const app of both) {
      expect(app).toMatchObject({ serving: true, tokenOk: true, lastCallOutcome: 'OK' });
      expect(app.tokenAgeSeconds).toBeGreaterThanOrEqual(0);
      expect(Date.parse(app.lastCallAt)).toBeLessThanOrEqual(Date.now());
    }
    expect(both.find((a) => a.id === 'card')!.appId).toBe(CARD_APPID);
  });
});

describe('console: failed API-key attempts are limited per address', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      database: 'pglite',
      env: { FACEGATE_RATE_LIMIT_IP_KEY_FAILURES_PER_MINUTE: '3' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses every key, the right one too, once an address has failed too often', async () => {
    const good = await t.createApiKey(['console:read']);
    const wrong = `fgk_000000000000_${'A'.repeat(43)}`;
    expect((await t.gql('{ consoleViewer { name } }', {}, good)).body.data!.consoleViewer.name).toBeTruthy();
    for (let i = 0; i < 3; i++) {
      expect((await t.gql('{ consoleViewer { name } }', {}, wrong)).body.errors![0]!.extensions!.code).toBe(
        'UNAUTHENTICATED',
      );
    }
    const limited = await t.gql('{ consoleViewer { name } }', {}, wrong);
    expect(limited.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await t.gql('{ consoleViewer { name } }', {}, good)).body.errors![0]!.extensions!.code).toBe(
      'RATE_LIMITED',
    );
  });
});

describe('console: serving the built files', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'facegate-console-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(
      join(dist, 'index.html'),
      '<!doctype html><script type="module" src="/console/assets/app-1.js"></script>',
    );
    await writeFile(join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  });
  afterAll(async () => {
    await rm(dist, { recursive: true, force: true });
  });

  const yogaWith = (distDir: string, available = async () => true) =>
    createYoga({ schema: buildSchema(), plugins: [consoleAssetsPlugin({ distDir, available })] });

  it('serves the page and its assets with a strict CSP and no framing; nothing outside the build', async () => {
    const yoga = yogaWith(dist);
    const page = await yoga.fetch('http://gateway/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    // the whole policy, as written here: no inline script or style, nothing from elsewhere, no framing
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const script = await yoga.fetch('http://gateway/console/assets/app-1.js');
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await yoga.fetch('http://gateway/console/../package.json')).status).not.toBe(200);
    expect((await yoga.fetch('http://gateway/console/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await yoga.fetch('http://gateway/console')).headers.get('location')).toBe('/console/');
    expect((await yoga.fetch('http://gateway/console/', { method: 'POST' })).status).toBe(405);
  });

  it('answers a clear 503 saying how to build when the console has not been built', async () => {
    const response = await yogaWith(join(dist, 'missing')).fetch('http://gateway/console/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('--filter @facegate/console run build');
  });

  it('in production shows no console until a console:* key exists', async () => {
    let now = 0;
    const keys: { scopes: string[]; revokedAt: Date | null }[] = [
      { scopes: ['verifications:read'], revokedAt: null },
      { scopes: ['console:admin'], revokedAt: new Date() },
    ];
    const available = consoleAvailability(true, { list: async () => keys }, () => now);
    expect(await available()).toBe(false);
    const response = await yogaWith(dist, available).fetch('http://gateway/console/');
    expect(response.status).toBe(404);
    keys.push({ scopes: ['console:read'], revokedAt: null });
    now += 10_001;
    expect(await available()).toBe(true);
    expect(await consoleAvailability(false, { list: async () => [] })()).toBe(true);
  });

  it('is off with FACEGATE_CONSOLE=false; any other value stops start-up naming the variable', async () => {
    expect(loadConfig({ FACEGATE_CONSOLE: 'false' }).console.enabled).toBe(false);
    expect(loadConfig({}).console.enabled).toBe(true);
    expect(() => loadConfig({ FACEGATE_CONSOLE: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ FACEGATE_CONSOLE: 'maybe' })).toThrow(/FACEGATE_CONSOLE/);
    const off = await startTestGateway({ database: 'pglite', env: { FACEGATE_CONSOLE: 'false' } });
    try {
      expect((await off.gateway.fetch('http://gateway/console/')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
