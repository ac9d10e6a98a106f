import type { WeChatBackend } from '../wechat-backend';
import {
  SANDBOX_ERRCODES as E,
  type JsonFields as Fields,
  type WeChatAnswer,
  wechatError,
} from '../wechat-errors';

interface WeChatRoute {
  readonly method: 'GET' | 'POST';
  /** Needs ?access_token= of a valid token. */
  readonly token: boolean;
  /** POST only: what to do with a body that is not a JSON object; default 47001. */
  readonly unreadableBody?: 'reject' | 'handle-as-null';
  handle(
    backend: WeChatBackend,
    input: { appId: string; query: URLSearchParams; body: Fields | null },
  ): WeChatAnswer;
}

/** Every api.weixin.qq.com endpoint the sandbox emulates, by path. */
export const WECHAT_ROUTES: Readonly<Record<string, WeChatRoute>> = {
  '/cgi-bin/token': { method: 'GET', token: false, handle: (b, { query }) => b.token(query) },
  '/cgi-bin/stable_token': { method: 'POST', token: false, handle: (b, { body }) => b.stableToken(body!) },
  '/sns/jscode2session': { method: 'GET', token: false, handle: (b, { query }) => b.code2Session(query) },
  '/cityservice/face/identify/getinfo': {
    method: 'POST',
    token: true,
    // Form-encoded or non-JSON bodies: WeChat cannot read verify_result and answers 84001.
    unreadableBody: 'handle-as-null',
    handle: (b, { appId, body }) => b.getInfo(appId, body),
  },
  '/cityservice/face/identify/getuseridkey': {
    method: 'POST',
    token: true,
    handle: (b, { appId, body }) => b.getUserIdKey(appId, body!),
  },
  '/cityservice/face/identify/getverifyid': {
    method: 'POST',
    token: true,
    handle: (b, { appId, body }) => b.getVerifyId(appId, body!),
  },
  '/cityservice/face/identify/queryverifyinfo': {
    method: 'POST',
    token: true,
    handle: (b, { appId, body }) => b.queryVerifyInfo(appId, body!),
  },
};

export const WECHAT_PATHS = Object.keys(WECHAT_ROUTES);

function parseJsonObject(raw: string): Fields | null {
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Fields)
      : null;
  } catch {
    return null;
  }
}

/** Answers one call the way WeChat does: method, then token, then body, then the endpoint's own checks. */
export function answerWeChatCall(
  backend: WeChatBackend,
  route: WeChatRoute,
  request: { method: string; query: URLSearchParams; rawBody: string },
): WeChatAnswer {
  if (request.method !== route.method) {
    return wechatError(route.method === 'POST' ? E.POST_REQUIRED : E.GET_REQUIRED);
  }
  let appId = '';
  if (route.token) {
    const auth = backend.authenticate(request.query.get('access_token'));
    if ('status' in auth) return auth;
    appId = auth.appId;
  }
  let body: Fields | null = null;
  if (route.method === 'POST') {
    if (request.rawBody.trim() === '') return wechatError(E.EMPTY_BODY);
    body = parseJsonObject(request.rawBody);
    if (body === null && route.unreadableBody !== 'handle-as-null') return wechatError(E.BAD_DATA_FORMAT);
  }
  return route.handle(backend, { appId, query: request.query, body });
}
