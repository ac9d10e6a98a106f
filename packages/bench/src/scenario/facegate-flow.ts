import { DEFAULT_CONSENT_TEXTS, residentIdCheckChar } from '@facegate/domain';
import { loadPersistedOperations } from '@facegate/gateway';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import type { LoadRequest, RequestSource } from '../load/load-types';
import { type JsonClient, mapConcurrent } from '../support/json-client';

/*
 * The mini program's side of the flow, as the bench drives it: the sandbox plays the phone (wx.login, the
 * face check), the gateway is called over HTTP with the same operations the mini program sends.
 */

export type Protocol = 'LEGACY' | 'V2';

const PASS = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;
/** The sandbox's "pass" identity: its name makes every face check pass, whatever the ID number. */
export const BENCH_IDENTITY = { name: PASS.name, idCardNumber: PASS.idCardNumber };

/**
 * A valid GB 11643 ID number per user (Beijing Dongcheng, born 1960-2000, the check digit right), so each
 * user verifies their own identity as in real use; with the sandbox's "pass" name every check passes.
 */
export function benchIdentity(index: number): { name: string; idCardNumber: string } {
  const birth = new Date(Date.UTC(1960, 0, 1) + (index % 14_600) * 86_400_000);
  const date = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const sequence = String(Math.floor(index / 14_600) % 1000).padStart(3, '0');
  const body = `110101${date}${sequence}`;
  return { name: PASS.name, idCardNumber: `${body}${residentIdCheckChar(body)}` };
}

/**
 * The consent text the user accepted on the device: the one a new gateway publishes (FaceGate's default), as
 * every benched gateway is new. A user's start must name it.
 */
export const BENCH_CONSENT = { version: DEFAULT_CONSENT_TEXTS[0]!.version };

const VERIFICATION_FIELDS = 'id status protocol attempts maxAttempts expiresAt clientReferenceId';

/** The mini program's own confirmation, word for word: the gateway runs it as a persisted operation. */
function miniProgramOperation(name: string): string {
  const found = [...loadPersistedOperations().values()].find((d) => d.includes(`mutation ${name}(`));
  if (found === undefined) throw new Error(`no persisted operation ${name}`);
  return found;
}

export const GRAPHQL = {
  signIn: 'mutation SignIn($code: String!) { signIn(code: $code) { token expiresAt } }',
  start: `mutation Start($input: StartVerificationInput!) { startVerification(input: $input) { ${VERIFICATION_FIELDS} clientParams { __typename ... on LegacyClientParams { checkAliveType userIdKey } ... on V2ClientParams { verifyId } } } }`,
  confirm: miniProgramOperation('ConfirmVerification'),
  verification: `query Verification($id: ID!) { verification(id: $id) { ${VERIFICATION_FIELDS} lastError { code message retryable upstreamCode } } }`,
} as const;

export interface BenchUser {
  readonly index: number;
  readonly openid: string;
  readonly authorization: string;
}

export interface StartedSession {
  readonly user: BenchUser;
  readonly id: string;
  readonly protocol: Protocol;
  readonly checkAliveType: number;
  readonly userIdKey: string | null;
  readonly verifyId: string | null;
}

export interface ReadyConfirmation {
  readonly user: BenchUser;
  readonly id: string;
  /** Legacy: the device's verifyResult; v2: null (the session knows its verifyId). */
  readonly verifyResult: string | null;
}

interface GraphqlAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The phone's side, over the sandbox's HTTP device endpoints. */
export class SandboxDevice {
  constructor(private readonly sandbox: JsonClient) {}

  async login(openid: string): Promise<string> {
    return (await this.sandbox.post<{ code: string }>('/sandbox/device/login', { openid })).code;
  }

  /** Runs the face check for a started session; what the mini program then sends to confirm. */
  async check(session: StartedSession): Promise<ReadyConfirmation | null> {
    if (session.protocol === 'LEGACY') {
      const run = await this.sandbox.post<{ errCode: number; verifyResult: string | null }>(
        '/sandbox/device/legacy-check',
        session.userIdKey
          ? {
              openid: session.user.openid,
              checkAliveType: session.checkAliveType,
              userIdKey: session.userIdKey,
            }
          : {
              openid: session.user.openid,
              checkAliveType: session.checkAliveType,
              ...benchIdentity(session.user.index),
            },
      );
      if (run.errCode !== 0 || !run.verifyResult) return null;
      return { user: session.user, id: session.id, verifyResult: run.verifyResult };
    }
    const run = await this.sandbox.post<{ errCode: number }>('/sandbox/device/v2-check', {
      openid: session.user.openid,
      verifyId: session.verifyId,
    });
    return run.errCode === 0 ? { user: session.user, id: session.id, verifyResult: null } : null;
  }

  /** A verifyResult for the passthrough's getinfo (read again and again: the sandbox allows it for 5 minutes). */
  async legacyEvidence(openid: string): Promise<string> {
    const run = await this.sandbox.post<{ verifyResult: string | null }>('/sandbox/device/legacy-check', {
      openid,
      checkAliveType: 2,
      ...BENCH_IDENTITY,
    });
    if (!run.verifyResult) throw new Error('the sandbox device gave no verifyResult');
    return run.verifyResult;
  }

  counters(): Promise<SandboxCounters> {
    return this.sandbox.get<SandboxCounters>('/sandbox/counters');
  }

  async resetCounters(): Promise<void> {
    await this.sandbox.post('/sandbox/counters/reset', {});
  }

  async setLatency(latencyMs: number): Promise<void> {
    await this.sandbox.post('/sandbox/faults', { latencyMs });
  }
}

export interface SandboxCounters {
  calls: Record<string, number>;
  tokensIssued: number;
  stored?: Record<string, number>;
}

export async function graphql<T>(
  gateway: JsonClient,
  query: string,
  variables: unknown,
  authorization?: string,
): Promise<T> {
  const answer = await gateway.post<GraphqlAnswer<T>>(
    '/graphql',
    { query, variables },
    authorization ? { authorization } : {},
  );
  if (answer.errors?.length || !answer.data) {
    const e = answer.errors?.[0];
    throw new Error(`gateway: ${e?.extensions?.code ?? 'ERROR'}: ${e?.message ?? 'no data'}`);
  }
  return answer.data;
}

/** wx.login on the device, then signIn at the gateway, for `count` new users. */
export function signInUsers(
  gateway: JsonClient,
  device: SandboxDevice,
  prefix: string,
  count: number,
  concurrency = 32,
): Promise<BenchUser[]> {
  return mapConcurrent(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (index) => {
      const openid = `${prefix}_${index}`;
      const code = await device.login(openid);
      const { signIn } = await graphql<{ signIn: { token: string } }>(gateway, GRAPHQL.signIn, { code });
      return { index, openid, authorization: `Bearer ${signIn.token}` };
    },
  );
}

/** The answer of a startVerification as a session the device can check; null if it is not one. */
export function parseStarted(body: string, users: readonly BenchUser[]): StartedSession | null {
  let answer: GraphqlAnswer<{ startVerification: StartAnswer }>;
  try {
    answer = JSON.parse(body) as GraphqlAnswer<{ startVerification: StartAnswer }>;
  } catch {
    return null;
  }
  const v = answer.data?.startVerification;
  const user = users[Number(v?.clientReferenceId?.slice(1))];
  if (v?.status !== 'PENDING' || !user || !v.clientParams) return null;
  const params = v.clientParams;
  return {
    user,
    id: v.id,
    protocol: v.protocol,
    checkAliveType: params.checkAliveType ?? 2,
    userIdKey: params.userIdKey ?? null,
    verifyId: params.verifyId ?? null,
  };
}

interface StartAnswer {
  id: string;
  status: string;
  protocol: Protocol;
  clientReferenceId: string | null;
  clientParams: { checkAliveType?: number; userIdKey?: string | null; verifyId?: string } | null;
}

/** The request body of a user's startVerification (clientReferenceId tells whose session it is). */
export function startRequest(user: BenchUser, protocol: Protocol): LoadRequest {
  return {
    path: '/graphql',
    headers: { authorization: user.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: GRAPHQL.start,
      variables: {
        input: {
          ...benchIdentity(user.index),
          protocol,
          clientReferenceId: `u${user.index}`,
          consent: BENCH_CONSENT,
        },
      },
    }),
  };
}

export function confirmRequest(c: ReadyConfirmation): LoadRequest {
  const input = c.verifyResult === null ? { id: c.id } : { id: c.id, verifyResult: c.verifyResult };
  return {
    path: '/graphql',
    headers: { authorization: c.user.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ query: GRAPHQL.confirm, variables: { input } }),
  };
}

export function verificationRequest(s: StartedSession): LoadRequest {
  return {
    path: '/graphql',
    headers: { authorization: s.user.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ query: GRAPHQL.verification, variables: { id: s.id } }),
  };
}

/** Starts sessions outside any measurement (users taken in turn), `concurrency` at a time. */
export async function startSessions(
  gateway: JsonClient,
  users: readonly BenchUser[],
  count: number,
  protocol: Protocol,
  offset: number,
  concurrency = 32,
): Promise<StartedSession[]> {
  const started = await mapConcurrent(
    Array.from({ length: count }, (_, i) => users[(offset + i) % users.length]!),
    concurrency,
    async (user) => {
      const request = startRequest(user, protocol);
      const answer = await gateway.post<unknown>(request.path, request.body, request.headers);
      return parseStarted(JSON.stringify(answer), users);
    },
  );
  return started.filter((s): s is StartedSession => s !== null);
}

/** The device runs the face check for each session: confirmations ready to send. */
export async function checkOnDevice(
  device: SandboxDevice,
  sessions: readonly StartedSession[],
  concurrency = 64,
): Promise<ReadyConfirmation[]> {
  const ready = await mapConcurrent(sessions, concurrency, (s) => device.check(s));
  return ready.filter((c): c is ReadyConfirmation => c !== null);
}

/** A source that hands out each item once. */
export function onceEach(
  items: LoadRequest[],
  accept: RequestSource['accept'],
  keep?: RequestSource['keep'],
): RequestSource {
  let next = 0;
  return { next: () => items[next++] ?? null, accept, ...(keep ? { keep } : {}) };
}

/** A source that cycles through its items forever. */
export function cycling(
  items: readonly LoadRequest[],
  accept: RequestSource['accept'],
  keep?: RequestSource['keep'],
): RequestSource {
  let next = 0;
  return {
    next: () => items[next++ % items.length]!,
    accept,
    ...(keep ? { keep } : {}),
  };
}

export const accepts = {
  verified: (status: number, body: string) => status === 200 && body.includes('"status":"VERIFIED"'),
  started: (status: number, body: string) => status === 200 && body.includes('"status":"PENDING"'),
  verification: (status: number, body: string) => status === 200 && body.includes('"verification":{"id"'),
  /** getinfo / getuseridkey / queryverifyinfo answered errcode 0 through the passthrough. */
  upstreamOk: (status: number, body: string) => status === 200 && body.includes('"errcode":0'),
  local: (status: number) => status === 200,
};
