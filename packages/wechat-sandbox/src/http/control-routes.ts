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

/** The sandbox's own controls and device side over HTTP (/sandbox/*), for other processes. Never faulted. */
const CONTROL_ROUTES: Readonly<
  Record<string, Partial<Record<'GET' | 'POST', (s: Sandbox, body: Fields) => unknown>>>
> = {
  '/sandbox/health': { GET: () => ({ ok: true }) },
  '/sandbox/info': {
    GET: (s) => ({
      url: s.url,
      appId: s.appId,
      appSecret: s.appSecret,
      apps: s.apps,
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
    POST: (s) => {
      s.revokeTokens();
      return { revoked: true };
    },
  },
  '/sandbox/device/login': {
    POST: (s, body) => {
      const appId = body.appId ?? body.appid;
      if (appId !== undefined && typeof appId !== 'string')
        throw new SandboxInputError('appId must be a string');
      return { code: s.device.login(body.openid as string, appId) };
    },
  },
  '/sandbox/device/legacy-check': {
    POST: (s, body) => s.device.runLegacyCheck(body as unknown as LegacyCheckInput),
  },
  '/sandbox/device/v2-check': { POST: (s, body) => s.device.runV2Check(body as unknown as V2CheckInput) },
};

export function answerControlCall(
  sandbox: Sandbox,
  method: string,
  path: string,
  rawBody: string,
): ControlAnswer {
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
