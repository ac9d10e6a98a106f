import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestPostgresDatabase,
  postgresForTests,
  type TestPostgresDatabase,
} from '@facegate/adapters-postgres/testing';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFacegate, type ServingGateway, startServing } from './support/facegate-process';
import { CONSENT, PEOPLE } from './support/flows';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers, read by field in the assertions
type Json = Record<string, any>;

const postgres = await postgresForTests();
const OLD = randomBytes(36).toString('base64');
const NEW = randomBytes(36).toString('base64');
/** Each step restarts real processes (PGlite's first start takes longest). */
const STEP_MS = 240_000;
/** The result rules' clock skew (DEFAULT_VERIFICATION_SETTINGS): how long evidence may pass a later session. */
const CLOCK_SKEW_MS = 60_000;
const KEY = /fgk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;

const SIGN_IN = 'mutation($code: String!) { signIn(code: $code) { token } }';
const START = `mutation($input: StartVerificationInput!) { startVerification(input: $input) {
  id status clientParams { __typename ... on LegacyClientParams { checkAliveType name idCardNumber userIdKey }
  ... on V2ClientParams { verifyId } } } }`;
const CONFIRM = `mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) {
  id status lastError { code } } }`;
const CANCEL = 'mutation($id: ID!) { cancelVerification(id: $id) { id status } }';
const MINE = 'query($id: ID!) { verification(id: $id) { id status } }';
const STATUS = 'query($openid: String!) { identityStatus(openid: $openid) { verified verificationId } }';
const CONSOLE = `query { consoleSessions(first: 50) { edges { node { id status maskedName } } } }`;

/**
 * The rotation a security review asks for, through the real CLI: gateways serving on the old secret are
 * restarted one by one on the new secret with the old one as a fallback, `facegate secrets rotate` re-seals
 * what it can, the fallback is removed (too early first: start-up refuses), and what was made before the
 * rotation keeps working. WeChat is the sandbox over a real socket, shared by the instances.
 */
describe.each([
  { database: 'PostgreSQL', instances: 2 },
  { database: 'PGlite (embedded)', instances: 1 },
])('rotating FACEGATE_SECRET on $database with $instances serving instance(s)', ({ database, instances }) => {
  const onPostgres = database === 'PostgreSQL';
  if (onPostgres && !postgres.run) return;
  let sandbox: Sandbox;
  let pg: TestPostgresDatabase | null = null;
  let dataDir: string;
  const serving: (ServingGateway | null)[] = [];

  const env = (secret: string, fallbacks?: string): Record<string, string> => ({
    WECHAT_APP_ID: sandbox.appId,
    WECHAT_APP_SECRET: sandbox.appSecret,
    WECHAT_API_BASE_URL: sandbox.url,
    FACEGATE_SECRET: secret,
    ...(fallbacks === undefined ? {} : { FACEGATE_SECRET_FALLBACKS: fallbacks }),
    ...(pg !== null ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir }),
  });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    dataDir = await mkdtemp(join(tmpdir(), 'facegate-rotation-'));
    if (onPostgres) pg = await createTestPostgresDatabase();
  }, STEP_MS);
  afterAll(async () => {
    for (const s of serving) await s?.stop();
    await sandbox?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const gql = async (instance: number, query: string, variables: unknown, credential?: string) => {
    const response = await fetch(serving[instance]!.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Json;
  };
  const codeOf = (body: Json) => (body.errors?.[0]?.extensions?.code as string | undefined) ?? 'ok';
  const restart = async (instance: number, secret: string, fallbacks?: string) => {
    await serving[instance]?.stop();
    serving[instance] = null;
    serving[instance] = await startServing({ env: env(secret, fallbacks) });
  };
  const stopAll = async () => {
    for (let i = 0; i < serving.length; i++) {
      await serving[i]?.stop();
      serving[i] = null;
    }
  };
  /** `facegate secrets rotate`: beside the serving gateways on PostgreSQL; PGlite is held by its one server. */
  const rotate = async (secret: string, fallbacks: string) => {
    const stopped = !onPostgres;
    if (stopped) await stopAll();
    const result = await runFacegate(['secrets', 'rotate', '--batch-size', '1'], {
      env: env(secret, fallbacks),
    });
    if (stopped) await restart(0, secret, fallbacks);
    return result;
  };
  const signIn = async (instance: number, openid: string) => {
    const body = await gql(instance, SIGN_IN, { code: sandbox.device.login(openid) });
    if (!body.data?.signIn) throw new Error(`signIn: ${JSON.stringify(body.errors)}`);
    return body.data.signIn.token as string;
  };
  const startLegacy = (instance: number, token: string) => startSession(instance, token, 'LEGACY');
  const startSession = async (instance: number, token: string, protocol: 'LEGACY' | 'V2') => {
    const body = await gql(
      instance,
      START,
      { input: { ...PEOPLE.zhang, protocol, consent: CONSENT } },
      token,
    );
    if (!body.data?.startVerification) throw new Error(`start: ${JSON.stringify(body.errors)}`);
    return body.data.startVerification as Json;
  };
  /** The phone's face check for `session`: the verifyResult WeChat hands the mini program. */
  const faceCheck = (openid: string, session: Json) => {
    const params = session.clientParams;
    return sandbox.device.runLegacyCheck({
      openid,
      checkAliveType: params.checkAliveType,
      ...(params.userIdKey
        ? { userIdKey: params.userIdKey }
        : { name: params.name, idCardNumber: params.idCardNumber }),
    }).verifyResult as string;
  };
  const confirmWith = (instance: number, token: string, id: string, verifyResult: string) =>
    gql(instance, CONFIRM, { input: { id, verifyResult } }, token);

  const openid = 'o_rotation_user';
  const last = instances - 1;
  let token: string;
  let serviceKey: string;
  let verified: Json;
  let replayTarget: Json;
  let startedBefore: Json;
  let evidence: string;
  let evidenceClaimedAt = 0;
  const sessionIds: string[] = [];

  it(
    'before: gateways on the old secret make tokens, API keys, sessions, evidence claims and a webhook secret',
    async () => {
      for (let i = 0; i < instances; i++) serving[i] = await startServing({ env: env(OLD) });
      const created = await runFacegate(
        ['keys', 'create', '--name', 'backend', '--scopes', 'verifications:read,console:read'],
        { env: env(OLD) },
      );
      expect(created.code).toBe(0);
      serviceKey = KEY.exec(created.stdout)![0];
      const hook = await runFacegate(
        ['webhooks', 'add', '--url', 'http://127.0.0.1:9/hook', '--events', 'verification.verified'],
        { env: env(OLD) },
      );
      expect(hook.code).toBe(0);

      token = await signIn(0, openid);
      verified = await startLegacy(0, token);
      // started before the evidence below exists, so only the replay guard keeps that evidence off it
      replayTarget = await startLegacy(last, token);
      // a v2 session: WeChat binds its result to this session alone, so it holds no other evidence's claim
      startedBefore = await startSession(0, token, 'V2');
      sessionIds.push(verified.id, replayTarget.id, startedBefore.id);
      evidence = faceCheck(openid, verified);
      const confirmed = await confirmWith(last, token, verified.id, evidence);
      expect(confirmed.data?.confirmVerification.status).toBe('VERIFIED');
      evidenceClaimedAt = Date.now();
      expect((await gql(0, STATUS, { openid }, serviceKey)).data.identityStatus.verified).toBe(true);
    },
    STEP_MS,
  );

  it(
    'during: each instance restarted on the new secret with the old one as fallback, one at a time; everything made before still works',
    async () => {
      for (let i = 0; i < instances; i++) {
        await restart(i, NEW, OLD);
        // the token signed with the old key, on an instance already on the new secret
        expect((await gql(i, MINE, { id: verified.id }, token)).data?.verification.status).toBe('VERIFIED');
        if (i < last) {
          // the other instance is still on the old secret alone: the rolling restart serves throughout
          expect(codeOf(await gql(last, MINE, { id: verified.id }, token))).toBe('ok');
        }
      }
      // an API key made before (re-keyed here, at its first use under the new secret)
      expect((await gql(0, STATUS, { openid }, serviceKey)).data?.identityStatus).toEqual({
        verified: true,
        verificationId: verified.id,
      });
      // the evidence used before the rotation, replayed on another open session of the same person
      const replay = await confirmWith(last, token, replayTarget.id, evidence);
      expect(codeOf(replay)).toBe('CONFLICT');
      expect(replay.errors[0].extensions.reason).toBe('EVIDENCE_ALREADY_USED');
    },
    STEP_MS,
  );

  it(
    '`facegate secrets rotate` re-seals the open bindings and the webhook secret, and names what still needs the fallback',
    async () => {
      const result = await rotate(NEW, OLD);
      expect(result.stdout).toMatch(
        /Re-sealed under FACEGATE_SECRET: 2 open session bindings, 1 webhook endpoint\./,
      );
      // the replay target is still open: the evidence claim must keep being found under the old key
      expect(result.stdout).toMatch(
        /FACEGATE_SECRET_FALLBACKS entry 1: still needed by 1 evidence claim an open session could still be shown \(key [0-9a-f]{8}\)\./,
      );
      expect(result.code).toBe(1);
      // run again: resumable, nothing left to re-seal
      const again = await rotate(NEW, OLD);
      expect(again.stdout).toMatch(
        /Re-sealed under FACEGATE_SECRET: 0 open session bindings, 0 webhook endpoints\./,
      );
    },
    STEP_MS,
  );

  it(
    'the fallback removed too early: start-up refuses with one line naming what still depends on it',
    async () => {
      await serving[0]!.stop();
      serving[0] = null;
      const refused = await runFacegate(['serve'], {
        env: { ...env(NEW), PORT: '0', LOG_LEVEL: 'warn' },
        timeoutMs: 60_000,
      });
      expect(refused.code).toBe(2);
      const lines = refused.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^facegate: configuration error: FACEGATE_SECRET_FALLBACKS: a secret still needed was removed \(it made 1 evidence claim an open session could still be shown \(key [0-9a-f]{8}\)\); put it back in FACEGATE_SECRET_FALLBACKS/,
      );
      expect(refused.stdout).not.toContain('listening');
      await restart(0, NEW, OLD);
    },
    STEP_MS,
  );

  it(
    'once nothing depends on it, `secrets rotate` and start-up say the fallback can be removed',
    async () => {
      // the open session the old evidence could still have passed ends, and a session started from now on
      // can no longer be passed by it (past the rules' clock skew)
      await new Promise((r) =>
        setTimeout(r, Math.max(0, evidenceClaimedAt + CLOCK_SKEW_MS + 1_000 - Date.now())),
      );
      expect((await gql(0, CANCEL, { id: replayTarget.id }, token)).data?.cancelVerification.status).toBe(
        'CANCELED',
      );
      const result = await rotate(NEW, OLD);
      expect(result.stdout).toContain(
        'FACEGATE_SECRET_FALLBACKS entry 1: nothing depends on it; it can be removed.',
      );
      expect(result.code).toBe(0);
      await restart(last, NEW, OLD);
      expect(serving[last]!.output()).toContain(
        'nothing depends on FACEGATE_SECRET_FALLBACKS entry 1 any more: it can be removed',
      );
    },
    STEP_MS,
  );

  it(
    'after: every instance on the new secret alone; what was made before the rotation still works',
    async () => {
      for (let i = 0; i < instances; i++) await restart(i, NEW);
      // a user token signed with the removed secret is refused: its signature can no longer be checked (so the
      // fallback stays at least a token lifetime, 2 hours, after the last instance moved); signing in again works
      expect(codeOf(await gql(0, MINE, { id: verified.id }, token))).toBe('UNAUTHENTICATED');
      const signedInAgain = await signIn(0, openid);
      const token2 = () => signedInAgain;
      // the API key made before the rotation
      expect((await gql(last, STATUS, { openid }, serviceKey)).data?.identityStatus.verificationId).toBe(
        verified.id,
      );
      // the session started before the rotation is confirmed (its binding was re-sealed)
      sandbox.device.runV2Check({ openid, verifyId: startedBefore.clientParams.verifyId });
      const confirmed = await gql(last, CONFIRM, { input: { id: startedBefore.id } }, token2());
      expect(confirmed.data?.confirmVerification.status).toBe('VERIFIED');
      // the pre-rotation evidence, replayed on the session it could have passed and on a fresh one
      expect(codeOf(await confirmWith(0, token2(), replayTarget.id, evidence))).not.toBe('ok');
      const later = await startLegacy(0, token2());
      sessionIds.push(later.id);
      const replayed = await confirmWith(0, token2(), later.id, evidence);
      expect(replayed.data?.confirmVerification.status ?? codeOf(replayed)).not.toBe('VERIFIED');
      // the console shows every session, those from before the rotation included
      const listed = (await gql(0, CONSOLE, {}, serviceKey)).data.consoleSessions.edges.map(
        (e: Json) => e.node.id,
      );
      expect([...listed].sort()).toEqual([...sessionIds].sort());
    },
    STEP_MS,
  );
});
