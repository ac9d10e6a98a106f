import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestPostgresDatabase,
  postgresForTests,
  type TestPostgresDatabase,
} from '@facegate/adapters-postgres/testing';
import { DEFAULT_CONSENT_TEXTS } from '@facegate/domain';
import { SANDBOX_TEST_IDENTITIES, type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, GraphqlClient, subscribeOverSse, type Try } from '../src/index';

/*
 * Two real `facegate serve` processes (separate OS processes, the CLI as shipped) on one PostgreSQL database
 * and one sandbox started here, with the same FACEGATE_SECRET: they must behave as one gateway.
 */

const availability = await postgresForTests();
const PASS = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;
/** The consent text a new gateway publishes: what the user accepted on the device before starting. */
const CONSENT = { version: DEFAULT_CONSENT_TEXTS[0]!.version };
const FIELDS =
  'id status attempts lastError { code } clientParams { __typename ... on LegacyClientParams { checkAliveType userIdKey } ... on V2ClientParams { verifyId } }';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are asserted field by field
type Json = Record<string, any>;

describe.runIf(availability.run)('two gateway processes on one PostgreSQL and one sandbox', () => {
  let pg: TestPostgresDatabase;
  let sandbox: Sandbox;
  let workDir: string;
  const client = new GraphqlClient();
  const gateways: GatewayProcess[] = [];
  let a: GatewayProcess;
  let b: GatewayProcess;
  let users = 0;

  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1', limits: { loginsPerUserPerMinute: 0 } });
    workDir = await mkdtemp(join(tmpdir(), 'facegate-two-'));
    const env = {
      DATABASE_URL: pg.url,
      WECHAT_APP_ID: sandbox.appId,
      WECHAT_APP_SECRET: sandbox.appSecret,
      WECHAT_API_BASE_URL: sandbox.url,
      FACEGATE_SECRET: randomBytes(48).toString('base64'),
      DATA_DIR: workDir,
    };
    a = new GatewayProcess({ name: 'A', env });
    b = new GatewayProcess({ name: 'B', env });
    gateways.push(a, b);
    await Promise.all(gateways.map((g) => g.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(gateways.map((g) => g.stop(5_000)));
    for (const g of gateways) expect(g.running).toBe(false);
    await client.close();
    await sandbox?.close();
    await pg?.drop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }, 60_000);

  function dataOf<T = Json>(result: Try<T>): T {
    if (result.kind !== 'data') throw new Error(`expected data, got ${JSON.stringify(result)}`);
    return result.data;
  }

  async function signIn(on: GatewayProcess): Promise<{ openid: string; token: string }> {
    const openid = `o_two_${users++}`;
    const data = dataOf<Json>(
      await client.send(on.graphqlUrl, 'mutation ($code: String!) { signIn(code: $code) { token } }', {
        code: sandbox.device.login(openid),
      }),
    );
    return { openid, token: data.signIn.token };
  }

  async function start(on: GatewayProcess, token: string, protocol: 'LEGACY' | 'V2'): Promise<Json> {
    const data = dataOf<Json>(
      await client.send(
        on.graphqlUrl,
        `mutation ($input: StartVerificationInput!) { startVerification(input: $input) { ${FIELDS} } }`,
        { input: { name: PASS.name, idCardNumber: PASS.idCardNumber, protocol, consent: CONSENT } },
        token,
      ),
    );
    return data.startVerification;
  }

  function confirm(on: GatewayProcess, token: string, input: Json): Promise<Try<Json>> {
    return client.send(
      on.graphqlUrl,
      `mutation ($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { ${FIELDS} } }`,
      { input },
      token,
    );
  }

  /** A user with a legacy session started on `on` and a verifyResult from the device. */
  async function legacyEvidence(on: GatewayProcess) {
    const user = await signIn(on);
    const session = await start(on, user.token, 'LEGACY');
    const run = sandbox.device.runLegacyCheck({
      openid: user.openid,
      checkAliveType: session.clientParams.checkAliveType,
      userIdKey: session.clientParams.userIdKey,
    });
    expect(run.verifyResult).toEqual(expect.any(String));
    return { ...user, session, input: { id: session.id, verifyResult: run.verifyResult, clientErrCode: 0 } };
  }

  const calls = (path: string) => sandbox.counters().calls[path] ?? 0;
  const GETINFO = '/cityservice/face/identify/getinfo';
  const QUERYVERIFYINFO = '/cityservice/face/identify/queryverifyinfo';

  it('the same verifyResult confirmed on A and B at once: one getinfo call, the same answer on both', async () => {
    for (let round = 0; round < 6; round++) {
      const evidence = await legacyEvidence(round % 2 === 0 ? a : b);
      const before = calls(GETINFO);
      const [onA, onB] = await Promise.all([
        confirm(a, evidence.token, evidence.input),
        confirm(b, evidence.token, evidence.input),
      ]);
      expect(calls(GETINFO) - before).toBe(1);
      const answerA = dataOf(onA).confirmVerification;
      expect(answerA).toMatchObject({ id: evidence.session.id, status: 'VERIFIED', attempts: 1 });
      expect(dataOf(onB).confirmVerification).toEqual(answerA);
      // once more, later, on either: the recorded answer, still no second upstream call
      expect(
        dataOf(await confirm(round % 2 === 0 ? b : a, evidence.token, evidence.input)).confirmVerification,
      ).toEqual(answerA);
      expect(calls(GETINFO) - before).toBe(1);
    }
  });

  it('a v2 confirmation sent to A and B at once: one queryverifyinfo call, the same answer', async () => {
    const user = await signIn(b);
    const session = await start(a, user.token, 'V2');
    expect(
      sandbox.device.runV2Check({ openid: user.openid, verifyId: session.clientParams.verifyId }).errCode,
    ).toBe(0);
    const before = calls(QUERYVERIFYINFO);
    const [onA, onB] = await Promise.all([
      confirm(a, user.token, { id: session.id, clientErrCode: 0 }),
      confirm(b, user.token, { id: session.id, clientErrCode: 0 }),
    ]);
    expect(calls(QUERYVERIFYINFO) - before).toBe(1);
    expect(dataOf(onA).confirmVerification).toMatchObject({ status: 'VERIFIED', attempts: 1 });
    expect(dataOf(onB).confirmVerification).toEqual(dataOf(onA).confirmVerification);
  });

  it('a verifyResult used on A is refused for another session on B, without asking WeChat', async () => {
    const evidence = await legacyEvidence(a);
    expect(dataOf(await confirm(a, evidence.token, evidence.input)).confirmVerification.status).toBe(
      'VERIFIED',
    );
    const second = await start(b, evidence.token, 'LEGACY');
    const before = calls(GETINFO);
    const replay = await confirm(b, evidence.token, { ...evidence.input, id: second.id });
    expect(replay.kind).toBe('error');
    expect(replay.kind === 'error' && replay.error).toMatchObject({
      code: 'CONFLICT',
      reason: 'EVIDENCE_ALREADY_USED',
    });
    expect(calls(GETINFO)).toBe(before);
    const untouched = dataOf<Json>(
      await client.send(
        a.graphqlUrl,
        `query ($id: ID!) { verification(id: $id) { ${FIELDS} } }`,
        { id: second.id },
        evidence.token,
      ),
    );
    expect(untouched.verification).toMatchObject({ status: 'PENDING', attempts: 0 });
  });

  it.each([
    ['A', 'B'],
    ['B', 'A'],
  ])(
    'a subscription on %s sees the confirmation made on %s (verificationUpdated over SSE)',
    async (watchOn, confirmOn) => {
      const watcher = watchOn === 'A' ? a : b;
      const confirmer = confirmOn === 'A' ? a : b;
      const evidence = await legacyEvidence(confirmer);
      const subscription = await subscribeOverSse(
        watcher.graphqlUrl,
        'subscription ($id: ID!) { verificationUpdated(id: $id) { id status attempts } }',
        { id: evidence.session.id },
        evidence.token,
      );
      try {
        const first = (await subscription.waitFor(() => true, 10_000)) as Json;
        expect(first.data.verificationUpdated).toMatchObject({
          id: evidence.session.id,
          status: 'PENDING',
          attempts: 0,
        });
        expect(
          dataOf(await confirm(confirmer, evidence.token, evidence.input)).confirmVerification.status,
        ).toBe('VERIFIED');
        const seen = (await subscription.waitFor(
          (p) => (p as Json).data?.verificationUpdated?.status === 'VERIFIED',
          10_000,
        )) as Json;
        expect(seen.data.verificationUpdated).toEqual({
          id: evidence.session.id,
          status: 'VERIFIED',
          attempts: 1,
        });
      } finally {
        subscription.close();
      }
    },
  );

  it('tokens come from stable_token: no cgi-bin/token call, one token for both, never rejected', async () => {
    // both instances busy at once: neither may invalidate the other's token
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const on = i % 2 === 0 ? a : b;
        const evidence = await legacyEvidence(on);
        return confirm(i % 3 === 0 ? a : b, evidence.token, evidence.input);
      }),
    );
    for (const result of results) expect(dataOf(result).confirmVerification.status).toBe('VERIFIED');
    const counters = sandbox.counters();
    expect(counters.calls['/cgi-bin/token'] ?? 0).toBe(0);
    expect(counters.calls['/cgi-bin/stable_token']).toBeGreaterThanOrEqual(2);
    // one fetch per instance; a 40001 would have made an instance fetch again
    expect(counters.calls['/cgi-bin/stable_token']).toBeLessThanOrEqual(2);
    expect(counters.tokensIssued).toBe(1);
    expect(a.logs.tokenRejected + b.logs.tokenRejected).toBe(0);
    expect(a.logs.errors + b.logs.errors).toBe(0);
  });
});
