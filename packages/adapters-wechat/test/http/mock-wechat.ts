import { type UpstreamOutcome, WeChatApiClient, type WeChatClientOptions } from '../../src/http/index';
import { type Interceptable, MockAgent } from '../../src/http/testing';

export const ORIGIN = 'http://wechat.test';
export const APP_ID = 'wx_unit_app';
export const APP_SECRET = 'unit-secret-DO-NOT-LOG';

export const PATHS = {
  stableToken: '/cgi-bin/stable_token',
  token: '/cgi-bin/token',
  session: '/sns/jscode2session',
  getinfo: '/cityservice/face/identify/getinfo',
  getuseridkey: '/cityservice/face/identify/getuseridkey',
  getverifyid: '/cityservice/face/identify/getverifyid',
  queryverifyinfo: '/cityservice/face/identify/queryverifyinfo',
} as const;

export interface Harness {
  agent: MockAgent;
  pool: Interceptable;
  client: WeChatApiClient;
  calls: { endpoint: string; outcome: UpstreamOutcome }[];
  tokenFetches: string[];
  logs: { level: string; obj: object; msg: string }[];
}

/** A client over a MockAgent that refuses any request not explicitly intercepted. */
export function harness(options: Partial<WeChatClientOptions> = {}): Harness {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const calls: Harness['calls'] = [];
  const tokenFetches: string[] = [];
  const logs: Harness['logs'] = [];
  const client = new WeChatApiClient({
    appId: APP_ID,
    appSecret: APP_SECRET,
    baseUrl: ORIGIN,
    dispatcher: agent,
    // Fast backoff so retry tests stay quick; specific tests override it.
    retry: { baseDelayMs: 2, maxDelayMs: 10 },
    observer: {
      call: (endpoint, _ms, outcome) => calls.push({ endpoint, outcome }),
      tokenFetched: (source) => tokenFetches.push(source),
    },
    logger: {
      warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
      info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
    },
    ...options,
  });
  return { agent, pool, client, calls, tokenFetches, logs };
}

/**
 * Ends a test: every interceptor it set up must have been used (no expected call went missing), then the
 * client and the agent are closed whatever the check found.
 */
export async function closeHarness(h: Harness | undefined): Promise<void> {
  try {
    h?.agent.assertNoPendingInterceptors();
  } finally {
    await h?.client.close();
    await h?.agent.close();
  }
}

export function replyToken(pool: Interceptable, token: string, expiresIn = 7200) {
  return pool
    .intercept({ path: PATHS.stableToken, method: 'POST' })
    .reply(200, { access_token: token, expires_in: expiresIn });
}

/** Intercepts one call of a face endpoint made with exactly this access token. */
export function interceptApi(pool: Interceptable, path: string, token: string) {
  return pool.intercept({ path, method: 'POST', query: { access_token: token } });
}

export function jsonBodyOf(body: unknown): Record<string, unknown> {
  return JSON.parse(String(body)) as Record<string, unknown>;
}

export const LEGACY_INFO_OK = {
  errcode: 0,
  errmsg: 'ok',
  identify_ret: 0,
  identify_time: 1_700_000_000,
  validate_data: '1234',
  openid: 'o_user_1',
  user_id_key: 'uik_1',
  finish_time: 1_700_000_010,
  id_card_number_md5: 'ae05564031c21338aa8a2e7266e7855c',
  name_utf8_md5: '615db57aa314529aaa0fbe95b3e95bd3',
  check_alive_type: 4,
};
