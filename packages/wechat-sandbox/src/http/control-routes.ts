import type { FaultUpdate, LegacyCheckInput, Sandbox, V2CheckInput } from '../sandbox.types';
import { SANDBOX_TEST_IDENTITIES } from '../scenarios';
import { type JsonFields as Fields, SandboxInputError } from '../wechat-errors';
import { WECHAT_PATHS } from './wechat-routes';

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

const settingsOf = (sandbox: Sandbox) => ({
  ...sandbox.faults(),
  tokenTtlSeconds: sandbox.tokenTtlSeconds(),
});

/**
 * The app a control call names: `appId` (or WeChat's spelling `appid`), undefined when absent. Whether the
 * sandbox serves it is checked by what the call does (unknown appid: SandboxInputError, so 400).
 */
function appIdOf(body: Fields): string | undefined {
  const appId = body.appId ?? body.appid;
  if (appId === undefined || appId === null) return undefined;
  if (typeof appId !== 'string') throw new SandboxInputError('appId must be a string');
  return appId;
}

/** The sandbox's own controls and device side over HTTP (/sandbox/*), for other processes. Never faulted. */
const CONTROL_ROUTES: Readonly<
  Record<string, Partial<Record<'GET' | 'POST', (s: Sandbox, body: Fields) => unknown>>>
> = {
  '/sandbox/health': { GET: () => ({ ok: true }) },
  '/sandbox/info': {
    GET: (s) => ({
      url: s.url,
      appId: s.appId,
      // The main app's secret stays for callers that read it here (the gateway's tracing test); the
      // app list names appids only.
      appSecret: s.appSecret,
      apps: s.apps.map((app) => ({ appId: app.appId })),
      tokenTtlSeconds: s.tokenTtlSeconds(),
      endpoints: WECHAT_PATHS,
    }),
  },
  '/sandbox/identities': { GET: () => SANDBOX_TEST_IDENTITIES },
  '/sandbox/counters': { GET: (s) => s.counters() },
  '/sandbox/counters/reset': {
    POST: (s) => {
      s.resetCounters();
      return s.counters();
    },
  },
  '/sandbox/faults': {
    GET: settingsOf,
    POST: (s, body) => {
      s.setFaults(body as FaultUpdate);
      return settingsOf(s);
    },
  },
  '/sandbox/revoke-token': {
    POST: (s, body) => {
      const appId = appIdOf(body);
      s.revokeTokens(appId);
      return appId === undefined ? { revoked: true } : { revoked: true, appId };
    },
  },
  '/sandbox/device/login': {
    POST: (s, body) => ({ code: s.device.login(body.openid as string, appIdOf(body)) }),
  },
  '/sandbox/device/legacy-check': {
    POST: (s, body) =>
      s.device.runLegacyCheck({ ...(body as unknown as LegacyCheckInput), appId: appIdOf(body) }),
  },
  '/sandbox/device/v2-check': {
    POST: (s, body) => s.device.runV2Check({ ...(body as unknown as V2CheckInput), appId: appIdOf(body) }),
  },
};

/** Every answer of the sandbox carries this header; control and device answers also say `sandbox: true`. */
export const SANDBOX_HEADER = 'x-facegate-sandbox';

const LOOPBACK_NAME = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The request as the control routes check it before answering. */
export interface ControlRequest {
  readonly method: string;
  readonly path: string;
  readonly rawBody: string;
  readonly host: string | undefined;
  readonly contentType: string | undefined;
  /** The address the sandbox was told to listen on (--host); a Host naming it is accepted too. */
  readonly listenHost: string;
}

/**
 * A web page can make a browser POST to a loopback port blindly (no preflight for text/plain or forms), and
 * DNS rebinding can make it send any Host: the device routes would then hand out login codes and pass face
 * checks. Control calls must name a loopback host (or the one the sandbox was told to listen on) and POSTs
 * must be application/json, which a cross-site page cannot send without a CORS preflight the sandbox never
 * grants.
 */
function refusal(request: ControlRequest): ControlAnswer | null {
  const hostname = (request.host ?? '').replace(/:\d+$/, '');
  if (!LOOPBACK_NAME.test(hostname) && hostname !== request.listenHost) {
    return { status: 403, body: { error: 'sandbox control routes answer only to a loopback Host' } };
  }
  const type = (request.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (request.method === 'POST' && type !== 'application/json') {
    return { status: 415, body: { error: 'sandbox control routes take Content-Type: application/json' } };
  }
  return null;
}

function marked(answer: ControlAnswer): ControlAnswer {
  const body = answer.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return answer;
  return { status: answer.status, body: { sandbox: true, ...body } };
}

export function answerControlCall(sandbox: Sandbox, request: ControlRequest): ControlAnswer {
  return marked(refusal(request) ?? answer(sandbox, request.method, request.path, request.rawBody));
}

function answer(sandbox: Sandbox, method: string, path: string, rawBody: string): ControlAnswer {
  const route = CONTROL_ROUTES[path];
  if (!route) return { status: 404, body: { error: `no such sandbox endpoint: ${path}` } };
  const handler = route[method as 'GET' | 'POST'];
  if (!handler) return { status: 405, body: { error: `${path} takes ${Object.keys(route).join(' or ')}` } };
  let body: Fields = {};
  if (method === 'POST' && rawBody.trim() !== '') {
    try {
      body = JSON.parse(rawBody) as Fields;
    } catch {
      return { status: 400, body: { error: 'the body must be JSON' } };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { status: 400, body: { error: 'the body must be a JSON object' } };
    }
  }
  try {
    return { status: 200, body: handler(sandbox, body) };
  } catch (error) {
    if (error instanceof SandboxInputError) return { status: 400, body: { error: error.message } };
    throw error;
  }
}
