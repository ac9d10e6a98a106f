import type { SandboxDevice, SandboxScenario } from '@facegate/wechat-sandbox';
import { type GraphqlClient, type Retried, type RetryStats, withRetries } from './graphql-client';
import type { Identity } from './identities';

/** What one planned verification is meant to end as. */
export type PlannedOutcome =
  /** One passing attempt: VERIFIED with 1 attempt. */
  | 'pass'
  /** One non-retryable failure (ID number mismatch): FAILED with 1 attempt. */
  | 'fail'
  /** A retryable failure (face mismatch), then a pass: VERIFIED with 2 attempts. */
  | 'retry';

export type Protocol = 'LEGACY' | 'V2';

export interface PlanItem {
  readonly index: number;
  readonly protocol: Protocol;
  readonly outcome: PlannedOutcome;
  /** clientReferenceId: unique per item, so the database can be matched to the plan. */
  readonly ref: string;
}

/** The device-side scenario of each attempt of a planned outcome. */
export const ATTEMPT_SCENARIOS: Record<PlannedOutcome, readonly SandboxScenario[]> = {
  pass: ['pass'],
  fail: ['id_mismatch'],
  retry: ['face_mismatch', 'pass'],
};

export const EXPECTED_RESULT: Record<PlannedOutcome, { status: string; attempts: number }> = {
  pass: { status: 'VERIFIED', attempts: 1 },
  fail: { status: 'FAILED', attempts: 1 },
  retry: { status: 'VERIFIED', attempts: 2 },
};

/** A gateway answer to a confirmation, as the client saw it. */
export interface Answer {
  readonly status: string;
  readonly attempts: number;
  readonly failureCode: string | null;
}

export interface SendRecord {
  /** The instance of the try that answered (or of the last try). */
  instance: string;
  answer: Answer | null;
  /** The final error when there was no answer: a code (and reason), or the network failure. */
  finalError: string | null;
  tries: number;
}

/** One piece of evidence (a verifyResult, or a v2 verifyId run), confirmed by two sends. */
export interface PairRecord {
  readonly sessionId: string;
  readonly protocol: Protocol;
  readonly mode: 'together' | 'sequential';
  /** Whether the gateway has to ask WeChat (getinfo / queryverifyinfo) about this evidence. */
  readonly needsUpstream: boolean;
  readonly sends: [SendRecord, SendRecord];
}

export interface SessionRecord {
  readonly item: PlanItem;
  /** The app (slug) the user signed in to, and the user: what the session must be recorded under. */
  readonly app: string;
  readonly openid: string;
  sessionId: string | null;
  /** Why the session never started (start or sign-in gave up), if it did not. */
  startError: string | null;
  readonly pairs: PairRecord[];
}

/** Everything the clients did and were told: what the checks compare the database with. */
export class Ledger {
  readonly sessions: SessionRecord[] = [];
  signIns = 0;
  signInFailures = 0;

  pairs(): PairRecord[] {
    return this.sessions.flatMap((s) => s.pairs);
  }
}

/** A mini program the gateway serves: its FaceGate app id (slug) and the WeChat appid it runs as. */
export interface ChaosApp {
  readonly id: string;
  readonly appId: string;
}

/** A gateway instance the clients can reach. */
export interface Target {
  readonly name: string;
  readonly graphqlUrl: string;
}

export interface WorkloadContext {
  readonly client: GraphqlClient;
  readonly device: SandboxDevice;
  readonly stats: RetryStats;
  readonly ledger: Ledger;
  readonly targets: readonly Target[];
  readonly random: () => number;
  /**
   * V2 confirmations name the verifyId the device ran. False: they send only the session id, as clients
   * written before the field existed do (their resends can then be taken for the next attempt).
   */
  readonly v2NamesVerifyId: boolean;
  /**
   * The version of the consent text the users accept before their face check (read once from the public
   * `consentText` query, as the mini program reads it before showing it): a user's start must name it.
   */
  readonly consentVersion: string;
  /**
   * Sign-ins name the user's app (the mini program's appid). False (one app): they name none and land in the
   * `default` app, as a single-app deployment's clients do.
   */
  readonly namesApp: boolean;
}

/** A signed-in chaos user and the identity they verify (the device's scenario decides each outcome). */
export interface ChaosUser {
  readonly app: ChaosApp;
  readonly openid: string;
  readonly token: string;
  readonly identity: Identity;
}

const VERIFICATION_FIELDS = `id status attempts lastError { code }
  clientParams { __typename ... on LegacyClientParams { checkAliveType userIdKey } ... on V2ClientParams { verifyId } }`;
const SIGN_IN = 'mutation ($code: String!) { signIn(code: $code) { token } }';
const SIGN_IN_TO_APP = 'mutation ($code: String!, $app: String) { signIn(code: $code, app: $app) { token } }';
const START = `mutation ($input: StartVerificationInput!) { startVerification(input: $input) { ${VERIFICATION_FIELDS} } }`;
const CONSENT_TEXT = 'query { consentText { version } }';
const CONFIRM = `mutation ($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { ${VERIFICATION_FIELDS} } }`;

type ClientParams =
  | { __typename: 'LegacyClientParams'; checkAliveType: number; userIdKey: string | null }
  | { __typename: 'V2ClientParams'; verifyId: string }
  | null;

interface VerificationView {
  id: string;
  status: string;
  attempts: number;
  lastError: { code: string } | null;
  clientParams: ClientParams;
}

function pick(ctx: WorkloadContext): Target {
  return ctx.targets[Math.floor(ctx.random() * ctx.targets.length)]!;
}

function describeFailure(result: Retried<unknown>): string {
  if (result.ok) return '';
  const last = result.last;
  if (last.kind === 'error')
    return `${last.error.code}${last.error.reason ? `/${last.error.reason}` : ''} after ${result.tries} tries`;
  if (last.kind === 'transport') return `${last.reason} after ${result.tries} tries`;
  return 'unknown';
}

/**
 * The current standard consent text's version, from the public `consentText` query (retried like any other
 * request). Throws when none is published: no user could start a verification then.
 */
export async function readConsentVersion(
  client: GraphqlClient,
  target: Target,
  stats: RetryStats,
): Promise<string> {
  const result = await withRetries(
    'consentText',
    () => client.send<{ consentText: { version: string } | null }>(target.graphqlUrl, CONSENT_TEXT, {}),
    stats,
  );
  if (!result.ok) throw new Error(`consentText: ${describeFailure(result)}`);
  const version = result.data.consentText?.version;
  if (version === undefined) throw new Error('consentText: no consent text is published');
  return version;
}

/** wx.login (as the app's mini program) + signIn, retried as a mini program would: every try with a fresh code. */
export async function signInAs(
  ctx: WorkloadContext,
  openid: string,
  app: ChaosApp,
): Promise<Retried<{ signIn: { token: string } }>> {
  return withRetries(
    'signIn',
    () => {
      const code = ctx.device.login(openid, app.appId);
      return ctx.namesApp
        ? ctx.client.send<{ signIn: { token: string } }>(pick(ctx).graphqlUrl, SIGN_IN_TO_APP, {
            code,
            app: app.appId,
          })
        : ctx.client.send<{ signIn: { token: string } }>(pick(ctx).graphqlUrl, SIGN_IN, { code });
    },
    ctx.stats,
  );
}

/** A chaos user's sign-in, counted in the ledger; null when it gave up. */
export async function signIn(ctx: WorkloadContext, openid: string, app: ChaosApp): Promise<string | null> {
  const result = await signInAs(ctx, openid, app);
  ctx.ledger.signIns += 1;
  if (!result.ok) {
    ctx.ledger.signInFailures += 1;
    return null;
  }
  return result.data.signIn.token;
}

async function confirmOnce(
  ctx: WorkloadContext,
  token: string,
  input: Record<string, unknown>,
): Promise<SendRecord> {
  let instance = '';
  const result = await withRetries(
    'confirmVerification',
    () => {
      const target = pick(ctx);
      instance = target.name;
      return ctx.client.send<{ confirmVerification: VerificationView }>(
        target.graphqlUrl,
        CONFIRM,
        { input },
        token,
      );
    },
    ctx.stats,
  );
  if (!result.ok) return { instance, answer: null, finalError: describeFailure(result), tries: result.tries };
  const v = result.data.confirmVerification;
  return {
    instance,
    answer: { status: v.status, attempts: v.attempts, failureCode: v.lastError?.code ?? null },
    finalError: null,
    tries: result.tries,
  };
}

/**
 * One planned verification for a signed-in user: start it, then for each attempt run the device side and
 * send the confirmation twice (at once or one after the other, each to a random instance).
 */
export async function runVerification(
  ctx: WorkloadContext,
  user: ChaosUser,
  item: PlanItem,
): Promise<SessionRecord> {
  const { app, openid, token, identity } = user;
  const record: SessionRecord = { item, app: app.id, openid, sessionId: null, startError: null, pairs: [] };
  ctx.ledger.sessions.push(record);
  const started = await withRetries(
    'startVerification',
    () =>
      ctx.client.send<{ startVerification: VerificationView }>(
        pick(ctx).graphqlUrl,
        START,
        {
          input: {
            name: identity.name,
            idCardNumber: identity.idCardNumber,
            protocol: item.protocol,
            clientReferenceId: item.ref,
            // the user accepted the consent text on the device before the face check
            consent: { version: ctx.consentVersion },
          },
        },
        token,
      ),
    ctx.stats,
  );
  if (!started.ok) {
    record.startError = describeFailure(started);
    return record;
  }
  let session = started.data.startVerification;
  record.sessionId = session.id;

  for (const scenario of ATTEMPT_SCENARIOS[item.outcome]) {
    const params = session.clientParams;
    let input: Record<string, unknown>;
    let needsUpstream: boolean;
    if (params?.__typename === 'LegacyClientParams') {
      const run = ctx.device.runLegacyCheck({
        openid,
        appId: app.appId,
        checkAliveType: params.checkAliveType,
        ...(params.userIdKey
          ? { userIdKey: params.userIdKey }
          : { name: identity.name, idCardNumber: identity.idCardNumber }),
        scenario,
      });
      if (run.verifyResult === null) throw new Error(`sandbox gave no verifyResult for ${scenario}`);
      input = { id: session.id, verifyResult: run.verifyResult, clientErrCode: run.errCode };
      needsUpstream = true;
    } else if (params?.__typename === 'V2ClientParams') {
      const run = ctx.device.runV2Check({ openid, appId: app.appId, verifyId: params.verifyId, scenario });
      // naming the verifyId it ran lets a resend be told apart from a confirmation of the next verifyId
      input = {
        id: session.id,
        clientErrCode: run.errCode,
        ...(ctx.v2NamesVerifyId ? { verifyId: params.verifyId } : {}),
      };
      // a client-reported failure is recorded without asking WeChat
      needsUpstream = run.errCode === 0;
    } else {
      break;
    }
    const mode = ctx.random() < 0.5 ? 'together' : 'sequential';
    let sends: [SendRecord, SendRecord];
    if (mode === 'together') {
      sends = await Promise.all([confirmOnce(ctx, token, input), confirmOnce(ctx, token, input)]);
    } else {
      const first = await confirmOnce(ctx, token, input);
      sends = [first, await confirmOnce(ctx, token, input)];
    }
    record.pairs.push({ sessionId: session.id, protocol: item.protocol, mode, needsUpstream, sends });

    // the next attempt needs the session's new client parameters (v2: a fresh verifyId)
    const latest = sends.map((s) => s.answer).find((a) => a !== null);
    if (latest === undefined || latest.status !== 'PENDING') break;
    const current = await withRetries(
      'verification',
      () =>
        ctx.client.send<{ verification: VerificationView | null }>(
          pick(ctx).graphqlUrl,
          `query ($id: ID!) { verification(id: $id) { ${VERIFICATION_FIELDS} } }`,
          { id: session.id },
          token,
        ),
      ctx.stats,
    );
    if (!current.ok || current.data.verification === null) break;
    session = current.data.verification;
    if (session.status !== 'PENDING') break;
  }
  return record;
}

/**
 * An isolation probe: one openid signed in to two apps (two people, for WeChat and for FaceGate) asks for the
 * session it started in one of them.
 */
export interface IsolationProbe {
  readonly sessionId: string;
  /** The app the session was started in, and the app of the token asking for it. */
  readonly sessionApp: string;
  readonly askingApp: string;
  /** What the other app's token got: NOT_FOUND when the apps are isolated, VISIBLE when it read the session. */
  readonly otherAppSaw: string;
  /** The control, with a token of the session's own app: VISIBLE (else the probe proves nothing). */
  readonly ownAppSaw: string;
}

/** Signs `openid` in to `app` and asks for the session: VISIBLE, NULL, an error code, or why it could not ask. */
async function readSessionAs(
  ctx: WorkloadContext,
  openid: string,
  app: ChaosApp,
  sessionId: string,
): Promise<string> {
  const signedIn = await signInAs(ctx, openid, app);
  if (!signedIn.ok) return `sign-in to ${app.id} failed: ${describeFailure(signedIn)}`;
  const read = await withRetries(
    'verification',
    () =>
      ctx.client.send<{ verification: { id: string } | null }>(
        pick(ctx).graphqlUrl,
        'query ($id: ID!) { verification(id: $id) { id } }',
        { id: sessionId },
        signedIn.data.signIn.token,
      ),
    ctx.stats,
  );
  if (read.ok) return read.data.verification?.id === sessionId ? 'VISIBLE' : 'NULL';
  return read.last.kind === 'error' ? read.last.error.code : describeFailure(read);
}

/** A session of `session.app`, asked for by the same openid signed in to `askingApp`, then by its own app. */
export async function probeIsolation(
  ctx: WorkloadContext,
  session: { readonly sessionId: string; readonly openid: string; readonly app: ChaosApp },
  askingApp: ChaosApp,
): Promise<IsolationProbe> {
  return {
    sessionId: session.sessionId,
    sessionApp: session.app.id,
    askingApp: askingApp.id,
    otherAppSaw: await readSessionAs(ctx, session.openid, askingApp, session.sessionId),
    ownAppSaw: await readSessionAs(ctx, session.openid, session.app, session.sessionId),
  };
}
