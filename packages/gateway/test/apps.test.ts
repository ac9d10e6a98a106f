/**
 * Several mini programs in one deployment, black-box: the real `facegate serve` and the real CLI against a
 * sandbox serving four appids over real sockets, on the embedded database and on PostgreSQL. Three apps are
 * configured (WECHAT_APP_ID's `default`, and `retail` and `card` from FACEGATE_APPS_FILE); a fourth is added
 * with `facegate apps add`. Each serves its own mini program end to end, and nothing of one app is visible
 * or usable from another: sessions, evidence, abuse allowances, API keys, webhooks and WeChat tokens.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { waitFor } from '@facegate/test-support';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';
import { CONSENT, type Identity, PEOPLE } from './support/flows';
import { TEST_SECRET } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are asserted by the tests
type Json = any;
type Protocol = 'V2' | 'LEGACY';

/** The mini programs: FaceGate's slug, the WeChat appid, the secret the sandbox knows it by. */
const APPS = {
  default: { appId: 'wx_facegate_default01', secret: 'default-app-secret' },
  retail: { appId: 'wxretail0000000001', secret: 'retail-app-secret' },
  card: { appId: 'wxcard000000000002', secret: 'card-app-secret' },
  extra: { appId: 'wxextra00000000003', secret: 'extra-app-secret' },
} as const;
type AppName = keyof typeof APPS;
const CONFIGURED: readonly AppName[] = ['default', 'retail', 'card'];

const APPS_FILE = `# two mini programs kept in git; their secrets come from the environment
apps:
  - id: retail
    appId: ${APPS.retail.appId}
    displayName: 零售
    secretEnv: RETAIL_WECHAT_APP_SECRET
  - id: card
    appId: ${APPS.card.appId}
    displayName: 信用卡
    secretEnv: CARD_WECHAT_APP_SECRET
    protocols: [V2, LEGACY]
`;

const VERIFICATION = `id app status attempts
  clientParams { __typename
    ... on V2ClientParams { verifyId }
    ... on LegacyClientParams { checkAliveType userIdKey name idCardNumber } }`;
const START = `mutation($input: StartVerificationInput!) { startVerification(input: $input) { ${VERIFICATION} } }`;
const CONFIRM = `mutation($input: ConfirmVerificationInput!) {
  confirmVerification(input: $input) { id app status attempts lastError { code } } }`;
const READ = 'query($id: ID!) { verification(id: $id) { id app status } }';
const CANCEL = 'mutation($id: ID!) { cancelVerification(id: $id) { id status } }';
const SUBSCRIBE = 'subscription($id: ID!) { verificationUpdated(id: $id) { id status } }';
const IDENTITY = `query($openid: String!, $app: String) {
  identityStatus(openid: $openid, app: $app) { app openid verified verificationId } }`;

const errorOf = (body: Json) => body.errors?.[0];
const codeOf = (body: Json) => errorOf(body)?.extensions?.code;

/** An error as a client sees it, without what differs between any two requests (the path, a request id). */
function comparable(body: Json): Json {
  const error = errorOf(body);
  if (!error) return { data: body.data };
  const { requestId: _requestId, ...extensions } = error.extensions ?? {};
  return { message: error.message, extensions, data: body.data ?? null };
}

describe.each(['pglite', 'postgres'] as const)('several mini programs, black-box on %s', (kind) => {
  let dataDir: string;
  let pg: TestPostgresDatabase | null = null;
  let sandbox: Sandbox;
  let gateway: ServingGateway | null = null;
  let env: Record<string, string>;
  let adminKey: string;
  /** Verified sessions by app, from the end-to-end test (the keys test reads them). */
  const verified = new Map<AppName, string[]>();

  const url = () => gateway!.graphqlUrl;
  const serve = async () => {
    gateway = await startServing({ env });
  };
  const stop = async () => {
    await gateway?.stop();
    gateway = null;
  };

  async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Json> {
    const response = await fetch(url(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-facegate-client': 'test',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  }

  /** What the phone's WeChat does, through the sandbox's device routes (a real HTTP call). */
  async function device(path: string, body: Record<string, unknown>): Promise<Json> {
    const response = await fetch(`${sandbox.url}/sandbox/device/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `device ${path}`).toBe(200);
    return response.json();
  }

  /** wx.login in `app`'s mini program; the code is for that app only. */
  const loginCode = async (openid: string, app: AppName): Promise<string> =>
    (await device('login', { openid, appId: APPS[app].appId })).code;

  const signInAnswer = (code: string, app: string) =>
    gql('mutation($code: String!, $app: String) { signIn(code: $code, app: $app) { token } }', { code, app });

  /** Signs `openid` into `app`, naming the app by its WeChat appid as a mini program does. */
  async function signIn(openid: string, app: AppName): Promise<string> {
    const body = await signInAnswer(await loginCode(openid, app), APPS[app].appId);
    if (!body.data?.signIn) throw new Error(`signIn to ${app} failed: ${JSON.stringify(body.errors)}`);
    return body.data.signIn.token;
  }

  async function start(token: string, protocol: Protocol, identity: Identity = PEOPLE.zhang): Promise<Json> {
    return gql(START, { input: { ...identity, protocol, consent: CONSENT } }, token);
  }

  async function started(
    token: string,
    protocol: Protocol,
    identity: Identity = PEOPLE.zhang,
  ): Promise<Json> {
    const body = await start(token, protocol, identity);
    if (!body.data?.startVerification) throw new Error(`start failed: ${JSON.stringify(body.errors)}`);
    return body.data.startVerification;
  }

  /** Runs the face check on the phone of `openid` in `app`; returns the confirm input. */
  async function runCheck(openid: string, app: AppName, session: Json): Promise<Record<string, unknown>> {
    const params = session.clientParams;
    const appId = APPS[app].appId;
    if (params.__typename === 'V2ClientParams') {
      const check = await device('v2-check', { openid, verifyId: params.verifyId, appId });
      expect(check.errCode).toBe(0);
      return { id: session.id, verifyId: params.verifyId };
    }
    const check = await device('legacy-check', {
      openid,
      appId,
      checkAliveType: params.checkAliveType,
      ...(params.userIdKey
        ? { userIdKey: params.userIdKey }
        : { name: params.name, idCardNumber: params.idCardNumber }),
    });
    expect(check.errCode).toBe(0);
    return { id: session.id, verifyResult: check.verifyResult };
  }

  /** device login -> signIn -> startVerification (with consent) -> device check -> confirmVerification. */
  async function verify(openid: string, app: AppName, protocol: Protocol, identity: Identity = PEOPLE.zhang) {
    const token = await signIn(openid, app);
    const session = await started(token, protocol, identity);
    const input = await runCheck(openid, app, session);
    const confirmed = await gql(CONFIRM, { input }, token);
    return { token, session, input, confirmed: confirmed.data?.confirmVerification, body: confirmed };
  }

  /** The first thing a verificationUpdated stream over SSE says: the current state, or the refusal. */
  async function firstUpdate(token: string, id: string): Promise<Json> {
    const response = await fetch(url(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query: SUBSCRIBE, variables: { id } }),
    });
    if (!response.headers.get('content-type')?.includes('text/event-stream')) return response.json();
    const reader = response.body!.getReader();
    let text = '';
    while (!/event: (next|complete)[\s\S]*?\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
    return data ? JSON.parse(data) : { stream: text };
  }

  const counters = async (): Promise<Json> => (await fetch(`${sandbox.url}/sandbox/counters`)).json();

  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const result = await runFacegate(args, { env: { ...env, ...extra } });
    return { ...result, all: `${result.stdout}${result.stderr}` };
  };

  const createKey = async (name: string, scopes: string, apps?: string): Promise<string> => {
    const created = await cli([
      'keys',
      'create',
      '--name',
      name,
      '--scopes',
      scopes,
      ...(apps ? ['--apps', apps] : []),
    ]);
    expect(created.code, created.all).toBe(0);
    expect(created.stdout).toContain(`apps ${apps ?? 'all'}`);
    return /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-apps-'));
    if (kind === 'postgres') pg = await createTestPostgresDatabase();
    // one sandbox for every mini program; `extra` is the one `facegate apps add` adds later
    sandbox = await startSandbox({
      appId: APPS.default.appId,
      appSecret: APPS.default.secret,
      extraApps: (['retail', 'card', 'extra'] as const).map((a) => ({
        appId: APPS[a].appId,
        appSecret: APPS[a].secret,
      })),
    });
    const appsFile = join(dataDir, 'apps.yaml');
    await writeFile(appsFile, APPS_FILE);
    env = {
      DATA_DIR: dataDir,
      FACEGATE_SECRET: TEST_SECRET,
      FACEGATE_CONSOLE: 'false',
      WECHAT_APP_ID: APPS.default.appId,
      WECHAT_APP_SECRET: APPS.default.secret,
      // not WeChat, but this machine: allowed outside production
      WECHAT_API_BASE_URL: sandbox.url,
      FACEGATE_APPS_FILE: appsFile,
      RETAIL_WECHAT_APP_SECRET: APPS.retail.secret,
      CARD_WECHAT_APP_SECRET: APPS.card.secret,
      EXTRA_SECRET: APPS.extra.secret,
      FACEGATE_APPS_REFRESH_MS: '1000',
      // two starts a day per person: the abuse test exhausts it, every other test stays within it
      FACEGATE_RATE_LIMIT_OPENID_PER_DAY: '2',
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    };
    await serve();
    adminKey = await createKey('apps-admin', 'verifications:read,verifications:write,webhooks:write');
  }, 300_000);

  afterAll(async () => {
    await stop();
    await sandbox?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('each of the three apps serves its own mini program end to end, with both protocols', async () => {
    for (const app of CONFIGURED) {
      for (const protocol of ['V2', 'LEGACY'] as const) {
        const flow = await verify(`o_e2e_${app}`, app, protocol);
        expect(flow.body.errors, JSON.stringify(flow.body.errors)).toBeUndefined();
        expect(flow.session.app).toBe(app);
        expect(flow.confirmed).toMatchObject({ app, status: 'VERIFIED', attempts: 1 });
        verified.set(app, [...(verified.get(app) ?? []), flow.session.id]);
      }
    }
    // each app's calls were made with its own credentials: each got its own access token
    const seen = await counters();
    for (const app of CONFIGURED) {
      expect(seen.tokensIssuedByApp[APPS[app].appId], app).toBeGreaterThanOrEqual(1);
      expect(
        seen.callsByApp[APPS[app].appId]['/cityservice/face/identify/getinfo'],
        app,
      ).toBeGreaterThanOrEqual(1);
    }
    expect(seen.tokensIssuedByApp[APPS.extra.appId]).toBe(0);
  }, 120_000);

  it('signIn with an appid served nowhere is APP_UNKNOWN; a code of one app is refused by another', async () => {
    for (const unknown of ['wxnotserved0000001', 'nosuch-app']) {
      const body = await signInAnswer(await loginCode('o_unknown_app', 'default'), unknown);
      expect(errorOf(body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'APP_UNKNOWN' });
      expect(body.data).toBeNull();
    }
    // not configured here (yet): the sandbox knows it, the gateway does not
    const extra = await signInAnswer(await loginCode('o_unknown_app', 'extra'), APPS.extra.appId);
    expect(errorOf(extra).extensions.rule).toBe('APP_UNKNOWN');

    const retailCode = await loginCode('o_wrong_app', 'retail');
    const asCard = await signInAnswer(retailCode, 'card');
    expect(asCard.data).toBeNull();
    expect(errorOf(asCard).extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'CODE_INVALID' });
    // WeChat refused the exchange without using the code up: it still signs in to its own app
    const asRetail = await signInAnswer(retailCode, 'retail');
    expect(asRetail.data.signIn.token).toEqual(expect.any(String));
  }, 60_000);

  it("a token of another app cannot read, confirm, cancel or subscribe to a session: NOT_FOUND, as another user's", async () => {
    const openid = 'o_isolation_owner';
    const owner = await signIn(openid, 'card');
    const session = await started(owner, 'V2', PEOPLE.li);
    // the same openid string in another app, and another user of the same app
    const otherApp = await signIn(openid, 'retail');
    const otherUser = await signIn('o_isolation_stranger', 'card');
    const missing = 'vs_NoSuchSessionAnywhere0';
    const input = { id: session.id, verifyId: session.clientParams.verifyId };

    const attempts: [string, (token: string, id: string) => Promise<Json>][] = [
      ['verification', (token, id) => gql(READ, { id }, token)],
      ['confirmVerification', (token, id) => gql(CONFIRM, { input: { ...input, id } }, token)],
      ['cancelVerification', (token, id) => gql(CANCEL, { id }, token)],
      ['verificationUpdated over SSE', (token, id) => firstUpdate(token, id)],
    ];
    for (const [what, attempt] of attempts) {
      const fromOtherApp = await attempt(otherApp, session.id);
      const fromOtherUser = await attempt(otherUser, session.id);
      expect(codeOf(fromOtherApp), what).toBe('NOT_FOUND');
      expect(comparable(fromOtherApp), what).toEqual(comparable(fromOtherUser));
      // and exactly as a session that does not exist
      expect(comparable(fromOtherApp), what).toEqual(comparable(await attempt(otherApp, missing)));
    }
    // nothing happened to it: the owner still has it open, and finishes it
    expect((await gql(READ, { id: session.id }, owner)).data.verification).toMatchObject({
      app: 'card',
      status: 'PENDING',
    });
    await runCheck(openid, 'card', session);
    const done = await gql(CONFIRM, { input }, owner);
    expect(done.data.confirmVerification.status).toBe('VERIFIED');
  }, 60_000);

  it('the same openid string in two apps is two people: identityStatus differs per app', async () => {
    const openid = 'o_two_apps_one_string';
    const inCard = await verify(openid, 'card', 'V2', PEOPLE.wang);
    expect(inCard.confirmed.status).toBe('VERIFIED');
    const retailToken = await signIn(openid, 'retail');
    await started(retailToken, 'V2', PEOPLE.wang);

    const card = await gql(IDENTITY, { openid, app: 'card' }, adminKey);
    const retail = await gql(IDENTITY, { openid, app: 'retail' }, adminKey);
    const inDefault = await gql(IDENTITY, { openid, app: 'default' }, adminKey);
    expect(card.data.identityStatus).toEqual({
      app: 'card',
      openid,
      verified: true,
      verificationId: inCard.session.id,
    });
    expect(retail.data.identityStatus).toEqual({
      app: 'retail',
      openid,
      verified: false,
      verificationId: null,
    });
    expect(inDefault.data.identityStatus).toMatchObject({ app: 'default', verified: false });
  }, 60_000);

  it('abuse limits count per app: an openid out of starts in one app still starts in another', async () => {
    const openid = 'o_abuse_limited';
    const retail = await signIn(openid, 'retail');
    await started(retail, 'V2');
    await started(retail, 'LEGACY');
    const third = await start(retail, 'V2');
    expect(codeOf(third), JSON.stringify(third.errors)).toBe('RATE_LIMITED');
    const card = await signIn(openid, 'card');
    const inCard = await start(card, 'V2');
    expect(inCard.errors, JSON.stringify(inCard.errors)).toBeUndefined();
    expect(inCard.data.startVerification.app).toBe('card');
  }, 60_000);

  it("a legacy verifyResult from one app's confirmed session is refused on a session of another app", async () => {
    const openid = 'o_replayed_evidence';
    const first = await verify(openid, 'default', 'LEGACY', PEOPLE.li);
    expect(first.confirmed.status).toBe('VERIFIED');
    const evidence = first.input.verifyResult;
    const retail = await signIn(openid, 'retail');
    const session = await started(retail, 'LEGACY', PEOPLE.li);
    const replayed = await gql(CONFIRM, { input: { id: session.id, verifyResult: evidence } }, retail);
    expect(errorOf(replayed).extensions).toMatchObject({ code: 'CONFLICT', reason: 'EVIDENCE_ALREADY_USED' });

    // evidence of the other app never used there: WeChat, asked with retail's credentials, does not know it
    const defaultToken = await signIn(openid, 'default');
    const pending = await started(defaultToken, 'LEGACY', PEOPLE.li);
    const unused = (await runCheck(openid, 'default', pending)).verifyResult;
    const foreign = await gql(CONFIRM, { input: { id: session.id, verifyResult: unused } }, retail);
    expect(foreign.data).toBeNull();
    expect(errorOf(foreign).extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'EVIDENCE_REJECTED' });
    expect((await gql(READ, { id: session.id }, retail)).data.verification.status).toBe('PENDING');
    // while in its own app it still confirms the session it was made for
    const own = await gql(CONFIRM, { input: { id: pending.id, verifyResult: unused } }, defaultToken);
    expect(own.data.confirmVerification).toMatchObject({ app: 'default', status: 'VERIFIED' });
    const status = await gql(IDENTITY, { openid, app: 'retail' }, adminKey);
    expect(status.data.identityStatus.verified).toBe(false);
  }, 60_000);

  it('`facegate keys create --apps card`: the key sees card only', async () => {
    const key = await createKey('card-reader', 'verifications:read', 'card');
    const listed = await gql('query { verifications(first: 100) { edges { node { id app } } } }', {}, key);
    const nodes: Json[] = listed.data.verifications.edges.map((e: Json) => e.node);
    expect(nodes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(nodes.map((n) => n.app))).toEqual(new Set(['card']));
    expect(nodes.map((n) => n.id)).toEqual(expect.arrayContaining(verified.get('card')!));

    // an unlimited key sees them all; this one is told another app's session does not exist
    const retailId = verified.get('retail')![0]!;
    expect((await gql(READ, { id: retailId }, adminKey)).data.verification.app).toBe('retail');
    const other = await gql(READ, { id: retailId }, key);
    expect(codeOf(other)).toBe('NOT_FOUND');
    expect(other.data?.verification ?? null).toBeNull();

    const foreign = await gql(IDENTITY, { openid: 'o_e2e_retail', app: 'retail' }, key);
    expect(codeOf(foreign)).toBe('FORBIDDEN');
    const own = await gql(IDENTITY, { openid: 'o_e2e_card', app: 'card' }, key);
    expect(own.data.identityStatus).toMatchObject({ app: 'card', verified: true });
    // without an app: the key's only app
    const implied = await gql(IDENTITY, { openid: 'o_e2e_card' }, key);
    expect(implied.data.identityStatus).toMatchObject({ app: 'card', verified: true });
  }, 60_000);

  it('`facegate webhooks add --apps card` is told of card sessions only, each payload naming the app', async () => {
    const cardReceiver = await startWebhookReceiver('/card');
    const allReceiver = await startWebhookReceiver('/all');
    try {
      const add = async (receiver: WebhookReceiver, apps?: string) => {
        const added = await cli([
          'webhooks',
          'add',
          '--url',
          receiver.url,
          '--events',
          'verification.verified',
          ...(apps ? ['--apps', apps] : []),
        ]);
        expect(added.code, added.all).toBe(0);
        expect(added.stdout).toContain(`apps ${apps ?? 'all'}`);
        return {
          id: /Created webhook endpoint (\S+)/.exec(added.stdout)![1]!,
          secret: /whsec_\S+/.exec(added.stdout)![0],
        };
      };
      const card = await add(cardReceiver, 'card');
      await add(allReceiver);
      const sessions = new Map<AppName, string>();
      for (const app of CONFIGURED) {
        const flow = await verify(`o_webhook_${app}`, app, 'V2', PEOPLE.wang);
        expect(flow.confirmed.status).toBe('VERIFIED');
        sessions.set(app, flow.session.id);
      }
      const verifiedIn = (receiver: WebhookReceiver) =>
        receiver.accepted().filter((r) => r.json?.type === 'verification.verified');
      // the unlimited endpoint hears of all three: the events went out to every endpoint by then
      await waitFor(
        'the unlimited endpoint to receive all three apps',
        () =>
          CONFIGURED.every((app) =>
            verifiedIn(allReceiver).some((r) => r.json.data.id === sessions.get(app)),
          ),
        { timeoutMs: 30_000 },
      );
      await waitFor('the card endpoint to receive card', () => verifiedIn(cardReceiver).length > 0, 30_000);
      const got = verifiedIn(cardReceiver);
      expect(got.map((r) => r.json.data.id)).toEqual([sessions.get('card')]);
      expect(got[0]!.json.data.app).toBe('card');
      expect(() =>
        new Webhook(card.secret).verify(got[0]!.body, got[0]!.headers as Record<string, string>),
      ).not.toThrow();
      for (const app of CONFIGURED) {
        const hook = verifiedIn(allReceiver).find((r) => r.json.data.id === sessions.get(app))!;
        expect(hook.json.data.app).toBe(app);
      }
      // and nothing else is queued for it: its only delivery is card's
      const deliveries = await cli(['webhooks', 'deliveries', card.id]);
      expect(deliveries.code, deliveries.all).toBe(0);
      const lines = deliveries.stdout.split('\n').filter((l) => l.includes('verification.verified'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(sessions.get('card'));
    } finally {
      await cardReceiver.close();
      await allReceiver.close();
    }
  }, 120_000);

  it("each app has its own WeChat token: revoking retail's leaves card untouched, and retail recovers", async () => {
    const before = await counters();
    sandbox.revokeTokens(APPS.retail.appId);
    const card = await verify('o_tokens_card', 'card', 'V2', PEOPLE.li);
    expect(card.confirmed.status).toBe('VERIFIED');
    const between = await counters();
    expect(between.tokensIssuedByApp[APPS.card.appId]).toBe(before.tokensIssuedByApp[APPS.card.appId]);

    // retail's next calls meet 40001: it fetches a new token of its own and carries on
    const retail = await waitFor(
      'retail to verify again after its token was revoked',
      async () => {
        const flow = await verify(`o_tokens_retail_${Date.now()}`, 'retail', 'V2', PEOPLE.li).catch(
          () => null,
        );
        return flow?.confirmed?.status === 'VERIFIED' ? flow : null;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(retail.confirmed.app).toBe('retail');
    const after = await counters();
    expect(after.tokensIssuedByApp[APPS.retail.appId]).toBeGreaterThan(
      before.tokensIssuedByApp[APPS.retail.appId],
    );
    expect(after.tokensIssuedByApp[APPS.card.appId]).toBe(before.tokensIssuedByApp[APPS.card.appId]);
    expect(after.tokensIssuedByApp[APPS.default.appId]).toBe(before.tokensIssuedByApp[APPS.default.appId]);
  }, 90_000);

  it('/metrics labels outcomes and upstream calls by app', async () => {
    const metrics = await (await fetch(`${gateway!.url}/metrics`)).text();
    for (const app of CONFIGURED) {
      expect(metrics).toMatch(
        new RegExp(
          `facegate_verification_outcomes_total\\{[^}]*app="${app}"[^}]*status="VERIFIED"[^}]*\\} [1-9]`,
        ),
      );
      expect(metrics).toMatch(
        new RegExp(`facegate_upstream_request_duration_seconds_count\\{[^}]*app="${app}"[^}]*\\} [1-9]`),
      );
      expect(metrics).toMatch(
        new RegExp(`facegate_upstream_token_refreshes_total\\{[^}]*app="${app}"[^}]*\\} [1-9]`),
      );
    }
    expect(metrics).not.toContain('app="extra"');
  }, 30_000);

  it('`facegate apps add` serves a new app, `apps list` names every origin, `apps disable` stops its sign-in', async () => {
    const add = ['apps', 'add', '--id', 'extra', '--appid', APPS.extra.appId, '--secret-env', 'EXTRA_SECRET'];
    if (kind === 'pglite') {
      // the running gateway holds the embedded database: the command says so and changes nothing
      const refused = await cli(add);
      expect(refused.code).not.toBe(0);
      expect(refused.all).toContain('stop it to change apps');
      await stop();
    }
    const added = await cli(add);
    expect(added.code, added.all).toBe(0);
    expect(added.stdout).toContain(`Added app extra (${APPS.extra.appId}, V2,LEGACY)`);
    const listed = await cli(['apps', 'list']);
    expect(listed.code, listed.all).toBe(0);
    const line = (id: string) => listed.stdout.split('\n').find((l) => l.startsWith(`${id}  `)) ?? '';
    expect(line('default')).toMatch(new RegExp(`${APPS.default.appId} .* environment .* serving`));
    expect(line('retail')).toMatch(/file {2}secret from RETAIL_WECHAT_APP_SECRET {2}serving/);
    expect(line('card')).toMatch(/file {2}secret from CARD_WECHAT_APP_SECRET {2}serving/);
    expect(line('extra')).toMatch(/database {2}secret from EXTRA_SECRET/);
    // the file's apps are changed in the file
    const fileApp = await cli(['apps', 'disable', 'card']);
    expect(fileApp.code).not.toBe(0);
    expect(fileApp.all).toContain('comes from FACEGATE_APPS_FILE');
    if (kind === 'pglite') await serve();

    // within FACEGATE_APPS_REFRESH_MS the running gateway serves it
    const token = await waitFor(
      'the gateway to serve the added app',
      async () =>
        (await signInAnswer(await loginCode('o_extra_user', 'extra'), APPS.extra.appId)).data?.signIn?.token,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const session = await started(token, 'V2');
    expect(session.app).toBe('extra');
    const input = await runCheck('o_extra_user', 'extra', session);
    expect((await gql(CONFIRM, { input }, token)).data.confirmVerification).toMatchObject({
      app: 'extra',
      status: 'VERIFIED',
    });
    expect((await counters()).tokensIssuedByApp[APPS.extra.appId]).toBeGreaterThanOrEqual(1);

    if (kind === 'pglite') await stop();
    const disabled = await cli(['apps', 'disable', 'extra']);
    expect(disabled.code, disabled.all).toBe(0);
    if (kind === 'pglite') await serve();
    const refused = await waitFor(
      'the gateway to stop serving the disabled app',
      async () => {
        const body = await signInAnswer(await loginCode('o_extra_user', 'extra'), 'extra');
        return errorOf(body)?.extensions?.rule === 'APP_UNKNOWN' ? body : null;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(refused.data).toBeNull();
    // its session stays readable
    expect((await gql(READ, { id: session.id }, adminKey)).data.verification).toMatchObject({
      app: 'extra',
      status: 'VERIFIED',
    });
  }, 180_000);
});
