import { randomBytes } from 'node:crypto';
import { out } from './output';

/*
 * Runs the whole flow against a RUNNING gateway, for each protocol, with the sandbox playing the phone:
 * device login -> signIn -> startVerification -> device check -> confirmVerification. Only masked
 * identities are printed. Talks plain HTTP (global fetch) to both, like a mini program and a phone would.
 */

interface DemoOptions {
  url: string;
  sandboxUrl: string;
  protocols: ('LEGACY' | 'V2')[];
  /** The app to run as (its id or appid); default: the gateway's default app. */
  app?: string | undefined;
}

class DemoError extends Error {}

const VERIFICATION_FIELDS = `id app status protocol maskedName maskedIdCardNumber attempts maxAttempts
  consentReceipt { id version }
  lastError { code message retryable upstreamCode }
  clientParams { __typename ... on LegacyClientParams { checkAliveType userIdKey name idCardNumber } ... on V2ClientParams { verifyId } }`;

/** The first request of the demo goes to the gateway's sandbox; both come from `npm start`. */
const START_FIRST = 'start the gateway first: npm start (in another terminal)';

async function postJson<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new DemoError(
      `cannot reach ${url} (${(error as Error).cause ?? (error as Error).message}); ${START_FIRST}`,
    );
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DemoError(`${url} answered HTTP ${response.status} with a non-JSON body`);
  }
}

async function graphql<T>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const result = await postJson<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>(
    url,
    { query, variables },
    token ? { authorization: `Bearer ${token}` } : {},
  );
  if (result.errors?.length) {
    const e = result.errors[0]!;
    throw new DemoError(`gateway: ${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
  }
  if (!result.data) throw new DemoError('gateway answered without data');
  return result.data;
}

interface DemoVerification {
  id: string;
  app: string;
  status: string;
  maskedName: string;
  maskedIdCardNumber: string;
  attempts: number;
  lastError: { code: string; message: string } | null;
  clientParams:
    | {
        __typename: 'LegacyClientParams';
        checkAliveType: number;
        userIdKey: string | null;
        name: string | null;
        idCardNumber: string | null;
      }
    | { __typename: 'V2ClientParams'; verifyId: string }
    | null;
}

async function runOne(
  protocol: 'LEGACY' | 'V2',
  options: DemoOptions,
  appId: string | null,
  log: (line: string) => void,
): Promise<string> {
  // the mini program's own appid: the device logs in as it, signIn names it (as the SDK does)
  const asApp = appId === null ? {} : { appId };
  const sandbox = options.sandboxUrl.replace(/\/+$/, '');
  const openid = `demo_${protocol.toLowerCase()}_${randomBytes(4).toString('hex')}`;

  const identities = await fetch(`${sandbox}/sandbox/identities`, { signal: AbortSignal.timeout(15_000) })
    .then(
      (r) =>
        r.json() as Promise<
          | { scenario: string; name: string; idCardNumber: string }[]
          | { identities: { scenario: string; name: string; idCardNumber: string }[] }
        >,
    )
    .catch((error: Error) => {
      throw new DemoError(
        `cannot reach the sandbox at ${sandbox} (${error.cause ?? error.message}); ${START_FIRST}`,
      );
    });
  const list = Array.isArray(identities) ? identities : identities.identities;
  const identity = list.find((i) => i.scenario === 'pass');
  if (!identity) throw new DemoError('the sandbox lists no identity for the "pass" scenario');

  const { code } = await postJson<{ code: string }>(`${sandbox}/sandbox/device/login`, { openid, ...asApp });
  log(`device: wx.login -> a login code for a test user`);

  const { signIn } = await graphql<{ signIn: { token: string; expiresAt: string } }>(
    options.url,
    'mutation SignIn($code: String!, $app: String) { signIn(code: $code, app: $app) { token expiresAt } }',
    { code, app: appId },
  );
  log(`gateway: signIn -> token valid until ${signIn.expiresAt}`);

  // the consent screen: the user reads the current text and agrees; the start names its version
  const { consentText } = await graphql<{ consentText: { version: string } | null }>(
    options.url,
    'query Consent { consentText { version purpose } }',
    {},
  );
  if (consentText === null) throw new DemoError('the gateway has no consent text published');
  log(`user: agreed to consent text ${consentText.version}`);

  const { startVerification: started } = await graphql<{ startVerification: DemoVerification }>(
    options.url,
    `mutation Start($input: StartVerificationInput!) { startVerification(input: $input) { ${VERIFICATION_FIELDS} } }`,
    {
      input: {
        name: identity.name,
        idCardNumber: identity.idCardNumber,
        protocol,
        clientReferenceId: `demo-${protocol}`,
        consent: { version: consentText.version },
      },
    },
    signIn.token,
  );
  log(
    `gateway: startVerification -> ${started.status} for ${started.maskedName} ${started.maskedIdCardNumber} in app ${started.app}`,
  );

  let confirmInput: Record<string, unknown>;
  const params = started.clientParams;
  if (params?.__typename === 'LegacyClientParams') {
    const check = await postJson<{ errCode: number; errMsg: string; verifyResult: string | null }>(
      `${sandbox}/sandbox/device/legacy-check`,
      {
        openid,
        ...asApp,
        checkAliveType: params.checkAliveType,
        ...(params.userIdKey
          ? { userIdKey: params.userIdKey }
          : { name: identity.name, idCardNumber: identity.idCardNumber }),
      },
    );
    log(
      `device: wx.startFacialRecognitionVerify -> errCode ${check.errCode}${check.verifyResult ? ' with a verifyResult' : ''}`,
    );
    confirmInput = { id: started.id, verifyResult: check.verifyResult, clientErrCode: check.errCode };
  } else if (params?.__typename === 'V2ClientParams') {
    const check = await postJson<{ errCode: number; errMsg: string }>(`${sandbox}/sandbox/device/v2-check`, {
      openid,
      ...asApp,
      verifyId: params.verifyId,
    });
    log(`device: wx.requestFacialVerify -> errCode ${check.errCode}`);
    confirmInput = { id: started.id, clientErrCode: check.errCode };
  } else {
    throw new DemoError('the gateway returned no client parameters');
  }

  const { confirmVerification: confirmed } = await graphql<{ confirmVerification: DemoVerification }>(
    options.url,
    `mutation Confirm($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { ${VERIFICATION_FIELDS} } }`,
    { input: confirmInput },
    signIn.token,
  );
  log(
    `gateway: confirmVerification -> ${confirmed.status}${confirmed.lastError ? ` (${confirmed.lastError.code}: ${confirmed.lastError.message})` : ''}`,
  );
  return confirmed.status;
}

/** The appid of `options.app` (an id or an appid) among the apps a gateway in sandbox mode serves. */
async function sandboxAppId(options: DemoOptions): Promise<string | { error: string }> {
  const { gatewayInfo } = await graphql<{
    gatewayInfo: { sandbox: boolean; sandboxApps: { id: string; appId: string }[] };
  }>(options.url, 'query Apps { gatewayInfo { sandbox sandboxApps { id appId } } }', {});
  if (!gatewayInfo.sandbox)
    return { error: '--app needs a gateway in sandbox mode (its sandbox plays each mini program)' };
  const app = gatewayInfo.sandboxApps.find((a) => a.id === options.app || a.appId === options.app);
  if (app === undefined) {
    return {
      error: `no app ${options.app} is served; the gateway serves: ${gatewayInfo.sandboxApps.map((a) => a.id).join(', ')}`,
    };
  }
  return app.appId;
}

/** True when something answers HTTP at the gateway's address (whatever the status). */
async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

export async function demoCommand(options: DemoOptions): Promise<number> {
  out(`FaceGate demo against ${options.url} with the sandbox device at ${options.sandboxUrl}`);
  if (!(await reachable(options.url))) {
    out(`Nothing answers at ${options.url}: ${START_FIRST}`);
    return 1;
  }
  let appId: string | null = null;
  if (options.app !== undefined) {
    const found = await sandboxAppId(options);
    if (typeof found !== 'string') {
      out(found.error);
      return 1;
    }
    appId = found;
    out(`As the mini program of app ${options.app} (appid ${appId})`);
  }
  const results: [string, string][] = [];
  for (const protocol of options.protocols) {
    out('');
    out(`== ${protocol} ==`);
    try {
      results.push([protocol, await runOne(protocol, options, appId, (line) => out(`  ${line}`))]);
    } catch (error) {
      if (!(error instanceof DemoError)) throw error;
      out(`  failed: ${error.message}`);
      results.push([protocol, 'ERROR']);
    }
  }
  out('');
  for (const [protocol, status] of results) out(`${protocol}: ${status}`);
  const allVerified = results.every(([, status]) => status === 'VERIFIED');
  out(allVerified ? 'Demo passed: every protocol ended VERIFIED.' : 'Demo FAILED.');
  return allVerified ? 0 : 1;
}
