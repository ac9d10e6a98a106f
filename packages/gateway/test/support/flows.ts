import { DEFAULT_CONSENT_TEXTS } from '@facegate/domain';
import type { SandboxScenario } from '@facegate/wechat-sandbox';
import type { Json } from './test-gateway';
import { CONFIRM, START, type TestGateway } from './test-gateway';

export interface Identity {
  name: string;
  idCardNumber: string;
}

/** Fictional people (valid GB 11643 numbers) that the sandbox lets pass. */
export const PEOPLE = {
  zhang: { name: '张三', idCardNumber: '11010519491231002X' },
  li: { name: '李四', idCardNumber: '440306199003076519' },
  wang: { name: '王小明', idCardNumber: '320102198511150035' },
} satisfies Record<string, Identity>;

/** The consent text a new gateway publishes (FaceGate's default): what a test user accepts. */
export const CONSENT = { version: DEFAULT_CONSENT_TEXTS[0]!.version };

export async function start(
  t: TestGateway,
  token: string,
  input: Partial<Identity> & { protocol: 'LEGACY' | 'V2'; [key: string]: unknown },
) {
  // a user accepts the consent text on the device; a service (naming the openid) gives none
  const consent = input.openid === undefined ? { consent: CONSENT } : {};
  const response = await t.gql(START, { input: { ...PEOPLE.zhang, ...consent, ...input } }, token);
  return { response, session: response.body.data?.startVerification as Json | undefined };
}

/** The user accepts the current consent text for a session a service started (before the face check). */
export async function acceptConsent(t: TestGateway, token: string, verificationId: string) {
  const response = await t.gql(
    `mutation($id: ID!, $version: String!) { acceptConsent(verificationId: $id, version: $version) { id status } }`,
    { id: verificationId, version: CONSENT.version },
    token,
  );
  if (!response.body.data?.acceptConsent) {
    throw new Error(`acceptConsent failed: ${JSON.stringify(response.body.errors)}`);
  }
}

/** What the phone does with the client parameters: returns the confirm input. */
export function runDevice(
  t: TestGateway,
  openid: string,
  session: Json,
  scenario?: SandboxScenario,
): { id: string; verifyResult?: string | null; clientErrCode: number } {
  const params = session.clientParams;
  if (params.__typename === 'LegacyClientParams') {
    const check = t.sandbox.device.runLegacyCheck({
      openid,
      checkAliveType: params.checkAliveType,
      ...(params.userIdKey
        ? { userIdKey: params.userIdKey }
        : { name: params.name, idCardNumber: params.idCardNumber }),
      ...(scenario ? { scenario } : {}),
    });
    return { id: session.id, verifyResult: check.verifyResult, clientErrCode: check.errCode };
  }
  const check = t.sandbox.device.runV2Check({
    openid,
    verifyId: params.verifyId,
    ...(scenario ? { scenario } : {}),
  });
  return { id: session.id, clientErrCode: check.errCode };
}

export async function confirm(t: TestGateway, token: string, input: Record<string, unknown>) {
  const response = await t.gql(CONFIRM, { input }, token);
  return { response, session: response.body.data?.confirmVerification as Json | undefined };
}

/** signIn -> start -> device -> confirm; returns the confirmed session. */
export async function fullFlow(
  t: TestGateway,
  openid: string,
  protocol: 'LEGACY' | 'V2',
  identity: Identity = PEOPLE.zhang,
  scenario?: SandboxScenario,
) {
  const token = await t.signIn(openid);
  const started = await start(t, token, { ...identity, protocol });
  if (!started.session) throw new Error(`start failed: ${JSON.stringify(started.response.body.errors)}`);
  const input = runDevice(t, openid, started.session, scenario);
  const confirmed = await confirm(t, token, input);
  return { token, started: started.session, input, ...confirmed };
}

export const GETINFO = '/cityservice/face/identify/getinfo';
export const QUERYVERIFYINFO = '/cityservice/face/identify/queryverifyinfo';
