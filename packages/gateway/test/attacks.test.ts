import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { residentIdCheckChar } from '@facegate/domain';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserTokenService } from '../src/application/auth/user-token';
import { KeyRing } from '../src/infrastructure/crypto/key-ring';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';
import { acceptConsent, CONSENT, confirm, PEOPLE, runDevice, start } from './support/flows';
import {
  CONFIRM,
  errorCode,
  type Json,
  START,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';

/**
 * What a hostile user tried on loopback, each now refused cleanly. Production settings throughout (the
 * defaults a real deployment gets), with WeChat played by the sandbox.
 */
describe('attacks on a production gateway', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // one attacker address for every test: its own limit (60 starts a minute) is not what is tested here
    t = await startTestGateway({
      database: 'pglite',
      env: { NODE_ENV: 'production', FACEGATE_RATE_LIMIT_IP_START_PER_MINUTE: '1000' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const victim = PEOPLE.li;

  it("strangers cannot lock an ID number out: invalid starts count for nothing, valid ones only against the stranger's own allowance", async () => {
    const strangers = [await t.signIn('o_stranger_1'), await t.signIn('o_stranger_2')];
    for (const token of strangers) {
      for (let i = 0; i < 15; i++) {
        const refused = await t.gql(
          START,
          { input: { name: 'x1', idCardNumber: victim.idCardNumber, protocol: 'V2', consent: CONSENT } },
          token,
        );
        expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      }
    }
    // with a valid (but wrong) name they reach WeChat, up to their own per-number limit (15 a minute)
    for (const token of strangers) {
      // each burst starts just after a minute begins, so the fixed one-minute window cannot roll over under it
      const intoMinute = t.clock.now().getTime() % 60_000;
      t.clock.advance(60_000 - intoMinute + 1_000);
      const answers = [];
      for (let i = 0; i < 16; i++) {
        answers.push(
          errorCode(
            await t.gql(
              START,
              {
                input: { name: '王五', idCardNumber: victim.idCardNumber, protocol: 'V2', consent: CONSENT },
              },
              token,
            ),
          ) ?? 'ok',
        );
      }
      expect(answers.slice(0, 15)).toEqual(Array(15).fill('ok'));
      expect(answers[15]).toBe('RATE_LIMITED');
    }
    const own = await t.signIn('o_victim');
    const started = await start(t, own, { ...victim, protocol: 'V2' });
    expect(started.session?.status).toBe('PENDING');
  });

  it('confirming a v2 session before the face check uses up no attempt; it still verifies afterwards', async () => {
    const openid = 'o_early_confirmer';
    const token = await t.signIn(openid);
    const { session } = await start(t, token, { protocol: 'V2' });
    for (let i = 0; i < 3; i++) {
      const early = await confirm(t, token, { id: session!.id });
      expect(errorCode(early.response)).toBe('CONFLICT');
      expect(early.response.body.errors?.[0]?.extensions).toMatchObject({
        reason: 'NOT_FINISHED',
        retryable: true,
      });
    }
    const read = await t.gql(
      'query($id: ID!) { verification(id: $id) { status attempts lastError { code } } }',
      { id: session!.id },
      token,
    );
    expect(read.body.data?.verification).toEqual({ status: 'PENDING', attempts: 0, lastError: null });
    const done = await confirm(t, token, runDevice(t, openid, session!));
    expect(done.session).toMatchObject({ status: 'VERIFIED', attempts: 1 });
  });

  it('a garbage legacy verifyResult is BAD_USER_INPUT and uses up no attempt', async () => {
    const token = await t.signIn('o_garbage');
    const { session } = await start(t, token, { protocol: 'LEGACY' });
    for (let i = 0; i < 4; i++) {
      const garbage = await confirm(t, token, { id: session!.id, verifyResult: `garbage-${i}` });
      expect(errorCode(garbage.response)).toBe('BAD_USER_INPUT');
      expect(garbage.response.body.errors?.[0]?.extensions).toMatchObject({ rule: 'EVIDENCE_REJECTED' });
    }
    const read = await t.gql(
      'query($id: ID!) { verification(id: $id) { status attempts } }',
      { id: session!.id },
      token,
    );
    expect(read.body.data?.verification).toEqual({ status: 'PENDING', attempts: 0 });
  });

  it('a FAILED session never says retryable: true', async () => {
    const openid = 'o_three_failures';
    const token = await t.signIn(openid);
    let { session } = await start(t, token, { protocol: 'V2' });
    for (let i = 0; i < 3; i++) {
      const failed = await confirm(t, token, runDevice(t, openid, session!, 'face_mismatch'));
      session = failed.session;
    }
    expect(session).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      lastError: { code: 'FACE_MISMATCH', retryable: false },
    });
  });

  it.each([
    [
      'a timestamp out of range',
      Buffer.from(JSON.stringify(['-100000-01-01T00:00:00.000Z', 'x'])).toString('base64url'),
    ],
    ['year 294277', Buffer.from(JSON.stringify(['+294277-01-01T00:00:00.000Z', 'x'])).toString('base64url')],
    ['a non-ISO date', Buffer.from(JSON.stringify(['Jan 1 2020', 'x'])).toString('base64url')],
    [
      'an id too long',
      Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000Z', 'x'.repeat(200)])).toString('base64url'),
    ],
    ['not JSON', 'bm90IGpzb24'],
    [
      'a NUL in the id',
      Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000Z', 'a\u0000b'])).toString('base64url'),
    ],
    // longer than any input string: refused before the cursor is even decoded
    ['huge', 'A'.repeat(10_000), 'STRING_TOO_LONG'],
  ])(
    'a crafted cursor (%s) is BAD_USER_INPUT, not a 500 or an SQL error in the log',
    async (_what, after, rule = 'CURSOR_INVALID') => {
      const key = await t.createApiKey(['verifications:read']);
      const before = t.logs.length;
      const answer = await t.gql(
        'query($a: String) { verifications(first: 5, after: $a) { edges { cursor } } }',
        { a: after },
        key,
      );
      expect(answer.status).toBe(200);
      expect(errorCode(answer)).toBe('BAD_USER_INPUT');
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({ field: 'after', rule });
      expect(t.logs.slice(before).join('\n')).not.toMatch(/out of range|unexpected error|\n\s+at /);
    },
  );

  it('answers no CORS headers to any origin by default', async () => {
    for (const method of ['OPTIONS', 'POST'] as const) {
      const response = await t.gateway.fetch('http://gateway/graphql', {
        method,
        headers: {
          origin: 'https://evil.example',
          'content-type': 'application/json',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
        body: method === 'POST' ? JSON.stringify({ query: '{ __typename }' }) : undefined,
      });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('hides enum suggestions as well as field suggestions', async () => {
    const key = await t.createApiKey(['verifications:read']);
    const typo = await t.gql(
      '{ verifications(filter: { status: VERIFIE }) { edges { cursor } } }',
      undefined,
      key,
    );
    expect(typo.body.errors?.[0]?.message).toBeDefined();
    expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean|VERIFIED/);
    const variable = await t.gql(
      'query($s: VerificationStatus) { verifications(filter: { status: $s }) { edges { cursor } } }',
      { s: 'VERIFIE' },
      key,
    );
    expect(JSON.stringify(variable.body)).not.toMatch(/Did you mean|VERIFIED/);
  });

  it('a write-only key confirming gets the status and the error, not the openid or identity', async () => {
    const writer = await t.createApiKey(['verifications:write']);
    const started = await t.gql(
      START,
      { input: { ...PEOPLE.wang, protocol: 'V2', openid: 'o_written_for', clientReferenceId: 'order-77' } },
      writer,
    );
    const session = started.body.data?.startVerification as Json;
    // what it gave itself it sees in the answer to its own start; nothing afterwards
    expect(session).toMatchObject({
      status: 'PENDING',
      openid: 'o_written_for',
      clientReferenceId: 'order-77',
    });
    // the user accepts the consent text on the device before the face check the service confirms
    await acceptConsent(t, await t.signIn('o_written_for'), session.id);
    const confirmed = await t.gql(CONFIRM, { input: { id: session.id, clientErrCode: 90004 } }, writer);
    expect(confirmed.body.data?.confirmVerification).toMatchObject({
      id: session.id,
      status: 'PENDING',
      attempts: 1,
      lastError: { code: 'USER_CANCELED', retryable: true },
      openid: null,
      maskedName: '*',
      maskedIdCardNumber: '*',
      clientReferenceId: null,
    });
    // a key that may read still sees them
    const reader = await t.createApiKey(['verifications:read']);
    const read = await t.gql(
      'query($id: ID!) { verification(id: $id) { openid maskedName clientReferenceId } }',
      { id: session.id },
      reader,
    );
    expect(read.body.data?.verification).toEqual({
      openid: 'o_written_for',
      maskedName: '王**',
      clientReferenceId: 'order-77',
    });
  });
});

describe('CORS with FACEGATE_CORS_ORIGINS', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      database: 'pglite',
      env: { NODE_ENV: 'production', FACEGATE_CORS_ORIGINS: 'https://console.example.com' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('allows exactly the listed origin, without credentials, and nobody else', async () => {
    const preflight = (origin: string) =>
      t.gateway.fetch('http://gateway/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://console.example.com.evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('user-token signatures (attack: flipping the unused bits of the last base64url character)', () => {
  it('accepts only the canonical spelling of a signature', () => {
    const tokens = new UserTokenService(
      new KeyRing('a-master-secret-that-is-long-enough-000').key('user-token-signing'),
    );
    const now = new Date('2025-03-01T08:00:00Z');
    const { token } = tokens.issue('o_user_1', now);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = token.at(-1)!;
    // 32 bytes in 43 characters: the last one carries 4 bits and 2 unused ones
    const variant = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(variant.split('.')[2]!, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2]!, 'base64url'),
    );
    expect(tokens.verify(variant, now)).toBeNull();
    expect(tokens.verify(token, now)?.openid).toBe('o_user_1');
  });
});

/**
 * Issue 24 (HIGH): eight accounts could lock a stranger's ID number out for the day, owner and business
 * backend included, because the number had a ceiling on bare starts that anybody could fill. Here the real
 * `facegate serve`, production settings and limits, WeChat played by the sandbox over a real socket, and
 * every client on its own loopback source address (127.0.0.x: the gateway sees each as its own address).
 */
describe('hammering a stranger’s ID number, through the real CLI with production limits', () => {
  let sandbox: Sandbox;
  let server: ServingGateway;
  let pg: TestPostgresDatabase;
  const env = () => ({
    NODE_ENV: 'production',
    WECHAT_APP_ID: sandbox.appId,
    WECHAT_APP_SECRET: sandbox.appSecret,
    WECHAT_API_BASE_URL: sandbox.url,
    FACEGATE_UNSAFE_LOOPBACK_WECHAT: 'true',
    FACEGATE_SECRET: secret,
    DATABASE_URL: pg.url,
    METRICS_PORT: '0',
  });
  const secret = randomBytes(32).toString('base64');
  const KEY = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;
  const agents = new Map<string, Agent>();

  beforeAll(async () => {
    // the day windows end at midnight in China: never start this a moment before it
    const toMidnight = 86_400_000 - ((Date.now() + 8 * 3_600_000) % 86_400_000);
    if (toMidnight < 180_000) await new Promise((resolve) => setTimeout(resolve, toMidnight + 1_000));
    sandbox = await startSandbox({ port: 0 });
    pg = await createTestPostgresDatabase();
    server = await startServing({ env: env() });
    // the wait for midnight (up to 3 minutes) comes on top of the usual set-up time
  }, 300_000);
  afterAll(async () => {
    for (const agent of agents.values()) agent.destroy();
    await server?.stop();
    await sandbox?.close();
    await pg?.drop();
  });

  /** A GraphQL call from the loopback source address `from` (e.g. 127.0.0.7). */
  const call = (from: string, query: string, variables: unknown, credential?: string) => {
    const url = new URL(server.graphqlUrl);
    let agent = agents.get(from);
    if (agent === undefined) {
      // idle sockets are closed before the gateway's 5 s keep-alive timeout can close one as it is reused
      agent = new Agent({ keepAlive: true, timeout: 3_000, localAddress: from } as ConstructorParameters<
        typeof Agent
      >[0]);
      agents.set(from, agent);
    }
    const body = JSON.stringify({ query, variables });
    return new Promise<Json>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          localAddress: from,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(credential ? { authorization: `Bearer ${credential}` } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => {
            try {
              resolve(JSON.parse(text) as Json);
            } catch (error) {
              reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`, { cause: error }));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  /** `facegate keys create`, as an operator runs it beside the server. */
  const createKey = async (name: string, scopes: string) => {
    const created = await runFacegate(['keys', 'create', '--name', name, '--scopes', scopes], { env: env() });
    expect(created.code).toBe(0);
    return KEY.exec(created.stdout)![0];
  };
  const codeOf = (body: Json) => (body.errors?.[0]?.extensions?.code as string | undefined) ?? 'ok';
  const signIn = async (from: string, openid: string) => {
    const body = await call(from, 'mutation($code: String!) { signIn(code: $code) { token } }', {
      code: sandbox.device.login(openid),
    });
    if (!body.data?.signIn) throw new Error(`signIn: ${JSON.stringify(body.errors)}`);
    return body.data.signIn.token as string;
  };
  const STARTED = `mutation($input: StartVerificationInput!) { startVerification(input: $input) {
    id status clientParams { ... on V2ClientParams { verifyId } } } }`;
  const CONFIRMED = `mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) {
    id status lastError { code } } }`;
  // a user sends the consent text it accepted; the backend below (a service) gives none
  const startFrom = (from: string, token: string, input: Record<string, unknown>) =>
    call(from, STARTED, { input: { protocol: 'V2', consent: CONSENT, ...input } }, token);
  /** The device runs the face check of `session` with a face that does not match; confirmed from `from`. */
  const mismatchFrom = async (from: string, token: string, openid: string, session: Json) => {
    const check = sandbox.device.runV2Check({
      openid,
      verifyId: session.clientParams.verifyId,
      scenario: 'face_mismatch',
    });
    // as the mini program does: the JSAPI's error code goes with the confirmation
    const input = { id: session.id, verifyId: session.clientParams.verifyId, clientErrCode: check.errCode };
    return call(from, CONFIRMED, { input }, token);
  };
  const victim = PEOPLE.li;
  const attacker = (i: number) => ({ openid: `o_hammer_${i}`, from: `127.0.0.${10 + i}` });

  it('50 accounts from 50 addresses start as much as they may, and fail face checks, against one ID number: the owner and a backend still start; the hammering accounts and addresses do not', async () => {
    const attackers = Array.from({ length: 50 }, (_, i) => attacker(i + 1));
    // every attacker starts with a valid-looking wrong name until it is refused (its own limits: 15 a
    // minute for the number, 20 a day): with the old ceiling (150 a day for the number) the eighth locked it
    const started = new Map<string, { token: string; sessions: Json[]; refusal: string }>();
    for (let i = 0; i < attackers.length; i += 5) {
      await Promise.all(
        attackers.slice(i, i + 5).map(async ({ openid, from }) => {
          const token = await signIn(from, openid);
          const sessions: Json[] = [];
          for (;;) {
            const body = await startFrom(from, token, { name: '王五', idCardNumber: victim.idCardNumber });
            if (codeOf(body) !== 'ok') {
              started.set(openid, { token, sessions, refusal: codeOf(body) });
              break;
            }
            sessions.push(body.data.startVerification);
            if (sessions.length > 20) throw new Error('more starts than the daily limit of one account');
          }
        }),
      );
    }
    for (const { sessions, refusal } of started.values()) {
      expect(refusal).toBe('RATE_LIMITED');
      expect(sessions.length).toBeGreaterThanOrEqual(15);
    }
    const total = [...started.values()].reduce((sum, a) => sum + a.sessions.length, 0);
    // 50 accounts x 15 a minute: five times the old ceiling of 150 starts a day for the number
    expect(total).toBeGreaterThanOrEqual(50 * 15);

    // the owner, from another address, starts; so does a backend with a verifications:write key
    const owner = { openid: 'o_owner', from: '127.0.0.200' };
    const ownerToken = await signIn(owner.from, owner.openid);
    expect(codeOf(await startFrom(owner.from, ownerToken, victim))).toBe('ok');
    const backendKey = await createKey('backend', 'verifications:write');
    const backend = (input: Record<string, unknown>) =>
      call('127.0.0.201', STARTED, { input: { protocol: 'V2', ...input } }, backendKey);
    expect(codeOf(await backend({ ...victim, openid: owner.openid }))).toBe('ok');

    // now every attacker also fails a real face check on one of its sessions, as the mini program confirms it
    for (const { openid, from } of attackers) {
      const { token, sessions } = started.get(openid)!;
      const failed = await mismatchFrom(from, token, openid, sessions[0]!);
      expect(failed.data?.confirmVerification.lastError.code).toBe('FACE_MISMATCH');
    }
    // past the ceiling (10 mismatches a day): a new account from a hammering address is refused for this
    // number, the same account from another address starts, and so do the owner and the backend
    const newcomer = await signIn('127.0.0.202', 'o_newcomer');
    expect(codeOf(await startFrom(attacker(7).from, newcomer, victim))).toBe('RATE_LIMITED');
    expect(codeOf(await startFrom('127.0.0.203', newcomer, victim))).toBe('ok');
    expect(codeOf(await startFrom(owner.from, ownerToken, victim))).toBe('ok');
    expect(codeOf(await backend({ ...victim, openid: owner.openid }))).toBe('ok');
    expect(codeOf(await backend({ ...victim, openid: attacker(1).openid }))).toBe('ok');

    // the owner verifies; afterwards even a hammering address does not stop them
    const own = (await startFrom(owner.from, ownerToken, victim)).data.startVerification as Json;
    sandbox.device.runV2Check({ openid: owner.openid, verifyId: own.clientParams.verifyId });
    const verified = await call(owner.from, CONFIRMED, { input: { id: own.id } }, ownerToken);
    expect(verified.data?.confirmVerification.status).toBe('VERIFIED');
    const ownerAtCafe = await signIn(attacker(7).from, owner.openid);
    expect(codeOf(await startFrom(attacker(7).from, ownerAtCafe, victim))).toBe('ok');

    // the System page counts the one refusal by the ceiling
    const consoleKey = await createKey('operator', 'console:read');
    const page = await call(
      '127.0.0.204',
      '{ systemStatus { abuseRefusals { rule limit refused } } }',
      {},
      consoleKey,
    );
    expect(
      ((page.data?.systemStatus.abuseRefusals ?? []) as Json[]).find(
        (r) => r.rule === 'mismatch:id-number:day',
      ),
    ).toEqual({ rule: 'mismatch:id-number:day', limit: 10, refused: 1 });
  }, 120_000);

  it('a single account hammering many ID numbers is stopped by its own daily limit (20)', async () => {
    const from = '127.0.0.210';
    const token = await signIn(from, 'o_collector');
    const answers: string[] = [];
    for (let n = 0; n < 21; n++) {
      const first17 = `11010119900101${String(300 + n).padStart(3, '0')}`;
      const idCardNumber = `${first17}${residentIdCheckChar(first17)}`;
      answers.push(codeOf(await startFrom(from, token, { name: '王五', idCardNumber })));
    }
    expect(answers).toEqual([...Array(20).fill('ok'), 'RATE_LIMITED']);
  });
});
