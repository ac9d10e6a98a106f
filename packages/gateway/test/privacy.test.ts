/**
 * Privacy by law, black-box: the real `facegate serve` (sandbox mode) and the real CLI, on the embedded
 * database and on PostgreSQL. Consent before any WeChat call, receipts the console shows, minors, the
 * alternative, redaction leaving no personal field in any table, a signed verification.redacted webhook,
 * retention with the overview unchanged, erasure and a person's copy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '@facegate/adapters-postgres';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { residentIdCheckChar } from '@facegate/domain';
import { waitFor } from '@facegate/test-support';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';
import { TEST_SECRET } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are asserted by the tests
type Json = any;

const PASS = { name: '核身通过', idCardNumber: '110102198001010017' };
const DAY = 86_400_000;

/** A valid resident ID number of someone born `years` years before today (China time), plus `days`. */
function idBornYearsAgo(years: number, days = 0): string {
  const china = new Date(Date.now() + 8 * 3600_000);
  const birth = new Date(
    Date.UTC(china.getUTCFullYear() - years, china.getUTCMonth(), china.getUTCDate() + days),
  );
  const pad = (n: number) => String(n).padStart(2, '0');
  const first17 = `110105${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1)}${pad(birth.getUTCDate())}123`;
  return `${first17}${residentIdCheckChar(first17)}`;
}

async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Json> {
  const response = await fetch(url, {
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

const VERIFICATION = `id status openid maskedName maskedIdCardNumber clientReferenceId cancelReason redactedAt
  consentReceipt { id version guardian acceptedAt withdrawnAt }
  clientParams { __typename ... on V2ClientParams { verifyId } }`;
const START = `mutation($input: StartVerificationInput!) { startVerification(input: $input) { ${VERIFICATION} } }`;
const rule = (body: Json) => body.errors?.[0]?.extensions?.rule;

describe.each(['pglite', 'postgres'] as const)('privacy by law, black-box on %s', (kind) => {
  let dataDir: string;
  let pg: TestPostgresDatabase | null = null;
  let gateway: ServingGateway | null = null;
  let receiver: WebhookReceiver;
  let apiKey: string;
  let webhookSecret: string;
  let env: Record<string, string>;

  const serve = async (extra: Record<string, string> = {}) => {
    gateway = await startServing({ env: { ...env, ...extra } });
    return gateway;
  };
  const stop = async () => {
    await gateway?.stop();
    gateway = null;
  };
  const url = () => gateway!.graphqlUrl;
  /** The database, opened by the test itself: the embedded one only while no gateway holds it. */
  const withDatabase = async <T>(use: (db: Database) => Promise<T>): Promise<T> => {
    const db = await openDatabase(pg ? { url: pg.url } : { dataDir });
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  };
  const signIn = async (openid: string): Promise<string> => {
    const login = await fetch(`${gateway!.sandboxUrl}/sandbox/device/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid }),
    });
    const { code } = (await login.json()) as { code: string };
    const body = await gql(url(), 'mutation($code: String!) { signIn(code: $code) { token } }', { code });
    return body.data.signIn.token;
  };
  const wechatCalls = async (): Promise<number> => {
    // every call to a face endpoint (getverifyid, getuseridkey, queryverifyinfo, getinfo)
    const counters = (await (await fetch(`${gateway!.sandboxUrl}/sandbox/counters`)).json()) as Json;
    return Object.entries(counters.calls as Record<string, number>)
      .filter(([path]) => path.includes('/face/'))
      .reduce((sum, [, n]) => sum + n, 0);
  };
  const currentVersion = async () =>
    (await gql(url(), '{ consentText { version } }')).data.consentText.version;
  const startAs = async (token: string, input: Record<string, unknown>) =>
    gql(url(), START, { input: { protocol: 'V2', ...PASS, ...input } }, token);
  const overview = async () => {
    const to = new Date(Date.now() + DAY).toISOString();
    const from = new Date(Date.now() - 10 * DAY).toISOString();
    const body = await gql(
      url(),
      `query($from: DateTime!, $to: DateTime!) { consoleOverview(from: $from, to: $to, bucket: DAY) {
        alternativeChosen total { started verified failed canceled expired pending } series { bucket status count } } }`,
      { from, to },
      apiKey,
    );
    return body.data.consoleOverview;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-privacy-'));
    if (kind === 'postgres') pg = await createTestPostgresDatabase();
    receiver = await startWebhookReceiver();
    env = {
      DATA_DIR: dataDir,
      FACEGATE_SECRET: TEST_SECRET,
      FACEGATE_ALTERNATIVE: '/pages/counter/index',
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    };
    await serve();
    const created = await runFacegate(
      [
        'keys',
        'create',
        '--name',
        'privacy-officer',
        '--scopes',
        'privacy:read,privacy:write,console:admin,console:read,webhooks:write,verifications:read,audit:read',
      ],
      { env },
    );
    expect(created.code, created.stderr).toBe(0);
    apiKey = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
    const endpoint = await gql(
      url(),
      `mutation($url: String!, $events: [WebhookEventType!]!) {
        createWebhookEndpoint(url: $url, events: $events) { secret endpoint { id } } }`,
      { url: receiver.url, events: ['VERIFICATION_REDACTED', 'VERIFICATION_CANCELED'] },
      apiKey,
    );
    webhookSecret = endpoint.data.createWebhookEndpoint.secret;
  }, 300_000);

  afterAll(async () => {
    await stop();
    await receiver?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a start without consent, or with an unknown version, is refused and WeChat is never called', async () => {
    const token = await signIn('o_privacy_noconsent');
    const before = await wechatCalls();
    const missing = await startAs(token, {});
    expect(missing.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'CONSENT_REQUIRED',
      currentVersion: await currentVersion(),
    });
    expect(rule(await startAs(token, { consent: { version: 'not-published' } }))).toBe('CONSENT_REQUIRED');
    expect(await wechatCalls()).toBe(before);
  }, 120_000);

  it('a start with the current version returns a receipt, which the console shows for the session', async () => {
    const token = await signIn('o_privacy_consents');
    const version = await currentVersion();
    const started = await startAs(token, { consent: { version } });
    const session = started.data.startVerification;
    expect(session.consentReceipt).toMatchObject({ version, guardian: false, withdrawnAt: null });
    expect(session.clientParams.verifyId).toEqual(expect.any(String));
    const shown = await gql(
      url(),
      'query($id: ID!) { consoleSession(id: $id) { id consentReceipts { id version acceptedAt } } }',
      { id: session.id },
      apiKey,
    );
    expect(shown.data.consoleSession.consentReceipts).toEqual([
      { id: session.consentReceipt.id, version, acceptedAt: session.consentReceipt.acceptedAt },
    ]);
  }, 120_000);

  it('`facegate consent publish` makes a new text current; the outdated version is then refused with the new one', async () => {
    const old = await currentVersion();
    const file = join(dataDir, 'consent-v2.json');
    await writeFile(
      file,
      JSON.stringify({
        version: `bank-2026-12-${kind}`,
        purpose: '开户身份核验',
        textZh: '为开立账户，我们将通过微信人脸核身核验您的身份……',
        textEn: 'To open your account we verify your identity with WeChat face verification...',
      }),
    );
    const published = await runFacegate(['consent', 'publish', '--file', file, '--url', url()], {
      env: { ...env, FACEGATE_API_KEY: apiKey },
    });
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain(`consent text bank-2026-12-${kind} (STANDARD) is current`);
    expect(await currentVersion()).toBe(`bank-2026-12-${kind}`);
    const token = await signIn('o_privacy_outdated');
    const outdated = await startAs(token, { consent: { version: old } });
    expect(outdated.errors[0].extensions).toMatchObject({
      rule: 'CONSENT_REQUIRED',
      currentVersion: `bank-2026-12-${kind}`,
    });
    // published texts never change: the same version with other content is refused
    await writeFile(
      file,
      JSON.stringify({ version: `bank-2026-12-${kind}`, purpose: 'x', textZh: '改过的' }),
    );
    const changed = await runFacegate(['consent', 'publish', '--file', file, '--url', url()], {
      env: { ...env, FACEGATE_API_KEY: apiKey },
    });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('CONFLICT');
  }, 120_000);

  it("`facegate consent publish --app card` publishes card's own text: card's mini program is shown it, the others keep the deployment's", async () => {
    const deployment = await currentVersion();
    const file = join(dataDir, 'consent-card.json');
    await writeFile(
      file,
      JSON.stringify({
        version: `card-2026-12-${kind}`,
        purpose: '办卡身份核验',
        textZh: '为办理信用卡，我们将核验您的身份……',
      }),
    );
    const published = await runFacegate(
      ['consent', 'publish', '--file', file, '--app', 'card', '--url', url()],
      {
        env: { ...env, FACEGATE_API_KEY: apiKey },
      },
    );
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain(
      `consent text card-2026-12-${kind} (STANDARD) is current for app card`,
    );
    const shown = async (app: string) =>
      (await gql(url(), 'query($app: String) { consentText(app: $app) { version app } }', { app })).data
        .consentText;
    expect(await shown('wx_sandbox_card')).toEqual({ version: `card-2026-12-${kind}`, app: 'card' });
    expect(await currentVersion()).toBe(deployment);
    // an app the deployment does not serve is refused before anything is stored
    const unknown = await runFacegate(
      ['consent', 'publish', '--file', file, '--app', 'nope', '--url', url()],
      {
        env: { ...env, FACEGATE_API_KEY: apiKey },
      },
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('BAD_USER_INPUT');
  }, 120_000);

  it('a holder of 13 years and 364 days is refused with MINOR_NEEDS_GUARDIAN and a zh-CN message; 14 is not', async () => {
    const token = await signIn('o_privacy_minor');
    const version = await currentVersion();
    const minor = await startAs(token, {
      name: '张小明',
      idCardNumber: idBornYearsAgo(14, 1),
      consent: { version },
    });
    expect(minor.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'MINOR_NEEDS_GUARDIAN',
    });
    expect(minor.errors[0].extensions.messageZh).toContain('十四周岁');
    const fourteen = await startAs(token, {
      name: '张小明',
      idCardNumber: idBornYearsAgo(14),
      consent: { version },
    });
    expect(fourteen.errors, JSON.stringify(fourteen.errors)).toBeUndefined();
  }, 120_000);

  it('choosing the alternative ends the session CANCELED (ALTERNATIVE_CHOSEN), counted on the overview', async () => {
    const options = await gql(url(), '{ verificationOptions { alternative { kind target label } minors } }');
    expect(options.data.verificationOptions).toEqual({
      alternative: { kind: 'PAGE', target: '/pages/counter/index', label: '使用其他方式验证' },
      minors: 'REFUSE',
    });
    const before = (await overview()).alternativeChosen;
    const token = await signIn('o_privacy_alternative');
    const started = await startAs(token, { consent: { version: await currentVersion() } });
    const chosen = await gql(
      url(),
      `mutation($id: ID!) { chooseAlternative(verificationId: $id) { ${VERIFICATION} } }`,
      { id: started.data.startVerification.id },
      token,
    );
    expect(chosen.data.chooseAlternative).toMatchObject({
      status: 'CANCELED',
      cancelReason: 'ALTERNATIVE_CHOSEN',
    });
    expect((await overview()).alternativeChosen).toBe(before + 1);
  }, 120_000);

  it('after `facegate privacy redact` no table holds the openid, masked name or client reference, and a signed verification.redacted arrived', async () => {
    const openid = 'o_privacy_redacted_person';
    const token = await signIn(openid);
    const started = await startAs(token, {
      name: '欧阳娜娜',
      clientReferenceId: 'order-redact-me-77',
      consent: { version: await currentVersion() },
    });
    const id = started.data.startVerification.id;
    const canceled = await gql(
      url(),
      'mutation($id: ID!) { cancelVerification(id: $id) { status } }',
      { id },
      token,
    );
    expect(canceled.data.cancelVerification.status).toBe('CANCELED');
    // the canceled webhook carries the openid: redaction empties its stored body too
    await waitFor(
      'the canceled webhook',
      () =>
        receiver.accepted().some((r) => r.json?.type === 'verification.canceled' && r.json.data.id === id),
      {
        timeoutMs: 30_000,
      },
    );

    const redacted = await runFacegate(['privacy', 'redact', id, '--url', url()], {
      env: { ...env, FACEGATE_API_KEY: apiKey },
    });
    expect(redacted.code, redacted.stderr).toBe(0);
    expect(redacted.stdout).toContain(`redacted ${id}`);
    const again = await runFacegate(['privacy', 'redact', id, '--url', url()], {
      env: { ...env, FACEGATE_API_KEY: apiKey },
    });
    expect(again.code, again.stderr).toBe(0);

    const read = await gql(
      url(),
      `query($id: ID!) { verification(id: $id) { ${VERIFICATION} } }`,
      { id },
      apiKey,
    );
    expect(read.data.verification).toMatchObject({
      status: 'CANCELED',
      openid: null,
      maskedName: '',
      maskedIdCardNumber: '',
      clientReferenceId: null,
      redactedAt: expect.any(String),
      consentReceipt: { id: started.data.startVerification.consentReceipt.id },
    });
    // a redacted session can never be confirmed
    const confirm = await gql(
      url(),
      'mutation($id: ID!) { confirmVerification(input: { id: $id }) { status } }',
      { id },
      token,
    );
    expect(confirm.errors[0].extensions.code).toBe('NOT_FOUND');

    const arrived = await waitFor(
      'the verification.redacted webhook',
      () =>
        receiver.accepted().find((r) => r.json?.type === 'verification.redacted' && r.json.data.id === id),
      { timeoutMs: 30_000 },
    );
    // exactly one, however often it was asked for, and signed with the endpoint's secret
    expect(
      receiver.accepted().filter((r) => r.json?.type === 'verification.redacted' && r.json.data.id === id),
    ).toHaveLength(1);
    expect(() =>
      new Webhook(webhookSecret).verify(arrived.body, arrived.headers as Record<string, string>),
    ).not.toThrow();
    expect(arrived.json.data).toMatchObject({
      id,
      openid: null,
      clientReferenceId: null,
      redactedAt: expect.any(String),
    });

    const values = [openid, started.data.startVerification.maskedName, 'order-redact-me-77'];
    if (kind === 'pglite') await stop();
    const found = await withDatabase((db) => findInAnyColumn(db, values));
    expect(found).toEqual([]);
    if (kind === 'pglite') await serve();
  }, 240_000);

  it('`facegate privacy report` returns what is held; `facegate privacy erase` redacts all of one person and keeps the receipts', async () => {
    const openid = 'o_privacy_subject';
    const token = await signIn(openid);
    const version = await currentVersion();
    const first = (await startAs(token, { consent: { version } })).data.startVerification;
    const second = (await startAs(token, { consent: { version }, clientReferenceId: 'subject-2' })).data
      .startVerification;
    const cliEnv = { ...env, FACEGATE_API_KEY: apiKey };

    const report = await runFacegate(['privacy', 'report', '--openid', openid, '--url', url()], {
      env: cliEnv,
    });
    expect(report.code, report.stderr).toBe(0);
    const held = JSON.parse(report.stdout);
    expect(held.verifications.map((v: Json) => v.id).sort()).toEqual([first.id, second.id].sort());
    expect(held.verifications.every((v: Json) => v.openid === openid)).toBe(true);
    expect(held.consentReceipts.map((r: Json) => r.id).sort()).toEqual(
      [first.consentReceipt.id, second.consentReceipt.id].sort(),
    );

    const erased = await runFacegate(['privacy', 'erase', '--openid', openid, '--url', url()], {
      env: cliEnv,
    });
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toContain('2 verification(s) redacted');
    const repeat = await runFacegate(['privacy', 'erase', '--openid', openid, '--url', url()], {
      env: cliEnv,
    });
    expect(repeat.stdout).toContain('0 verification(s) redacted');

    const after = JSON.parse(
      (await runFacegate(['privacy', 'report', '--openid', openid, '--url', url()], { env: cliEnv })).stdout,
    );
    expect(after.verifications).toEqual([]);
    // the receipts stay, found by the openid's HMAC: the proof of consent outlives the data
    expect(after.consentReceipts).toHaveLength(2);
    const pending = await gql(
      url(),
      'query($id: ID!) { verification(id: $id) { status cancelReason redactedAt } }',
      { id: first.id },
      apiKey,
    );
    expect(pending.data.verification).toMatchObject({
      status: 'CANCELED',
      cancelReason: 'SUBJECT_ERASED',
      redactedAt: expect.any(String),
    });
  }, 240_000);

  it('retention redacts sessions ended longer ago than FACEGATE_RETENTION_DAYS, and the overview does not change', async () => {
    const openid = 'o_privacy_old_session';
    const token = await signIn(openid);
    const old = (
      await startAs(token, { consent: { version: await currentVersion() }, clientReferenceId: 'kept-3-days' })
    ).data.startVerification;
    await gql(url(), 'mutation($id: ID!) { cancelVerification(id: $id) { status } }', { id: old.id }, token);
    // three days pass (for this session)
    await stop();
    await withDatabase((db) =>
      db.query(
        `UPDATE verification_sessions SET created_at = created_at - interval '3 days',
           expires_at = expires_at - interval '3 days', ended_at = ended_at - interval '3 days' WHERE id = $1`,
        [old.id],
      ),
    );
    await serve();
    const before = await overview();
    const row = await gql(
      url(),
      'query($id: ID!) { verification(id: $id) { openid clientReferenceId redactedAt } }',
      { id: old.id },
      apiKey,
    );
    expect(row.data.verification).toEqual({ openid, clientReferenceId: 'kept-3-days', redactedAt: null });
    await stop();

    await serve({ FACEGATE_RETENTION_DAYS: '1', SWEEP_INTERVAL_MS: '200' });
    const redacted = await waitFor(
      'the retention sweep to redact the old session',
      async () => {
        const r = await gql(
          url(),
          'query($id: ID!) { verification(id: $id) { openid clientReferenceId redactedAt status } }',
          { id: old.id },
          apiKey,
        );
        return r.data.verification.redactedAt ? r.data.verification : null;
      },
      { timeoutMs: 60_000 },
    );
    expect(redacted).toMatchObject({ openid: null, clientReferenceId: null, status: 'CANCELED' });
    expect(await overview()).toEqual(before);
    // sessions that ended within the period are untouched
    const recent = await gql(
      url(),
      'query { verifications(first: 50) { edges { node { redactedAt } } } }',
      {},
      apiKey,
    );
    expect(
      recent.data.verifications.edges.filter((e: Json) => e.node.redactedAt === null).length,
    ).toBeGreaterThan(0);
  }, 300_000);
});

/** Every (table, column) of the public schema whose text holds any of `values`. */
async function findInAnyColumn(db: Database, values: readonly string[]): Promise<string[]> {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    for (const value of values) {
      const rows = await db.query(
        `SELECT 1 FROM "${table_name}" WHERE "${column_name}"::text LIKE '%' || $1 || '%' LIMIT 1`,
        [value],
      );
      if (rows.length > 0) found.push(`${table_name}.${column_name} holds ${JSON.stringify(value)}`);
    }
  }
  return found;
}
