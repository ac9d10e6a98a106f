import { isLoginCodeShape, UpstreamProtocolError, UpstreamUnavailableError } from '@facegate/domain';
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Agent, type Dispatcher, request } from 'undici';
import { AccessTokenCache } from './access-token-cache';
import { redactUrl } from './redact';
import {
  type Answer,
  type JsonObject,
  type LegacyInfoValue,
  parseJsonObject,
  readLegacyInfo,
  readSession,
  readToken,
  readUserIdKey,
  readVerifyId,
  readVerifyRet,
  type SessionValue,
  type TokenValue,
  type UserIdKeyValue,
  type VerifyIdValue,
} from './response-validators';
import {
  certaintyOfNetworkError,
  DEFAULT_RETRY_SETTINGS,
  errorCodeOf,
  type FailureCertainty,
  fullJitterDelayMs,
  type RetrySettings,
  sleep,
} from './retry-policy';
import { loginErrorCodeOf, WeChatLoginError } from './wechat-login.errors';

export type UpstreamOutcome = 'ok' | 'errcode' | 'transient' | 'malformed';

/**
 * Metrics hook: one `call` per HTTP exchange (so retries are visible), with WeChat's errcode when the answer
 * carried a non-zero one; one `tokenFetched` per new token, one `tokenFailed` per token fetch that failed.
 */
export interface UpstreamObserver {
  call(endpoint: string, ms: number, outcome: UpstreamOutcome, errcode?: number): void;
  tokenFetched(source: 'stable_token' | 'token'): void;
  tokenFailed?(source: 'stable_token' | 'token'): void;
}

export interface WeChatLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface WeChatTimeouts {
  /** TCP/TLS connect (default 2,000 ms). */
  readonly connectMs: number;
  /** From request sent to response headers (default: the deadline). */
  readonly headersMs: number;
  /** Between body chunks (default: the deadline). */
  readonly bodyMs: number;
}

export interface WeChatClientOptions {
  appId: string;
  appSecret: string;
  /** e.g. https://api.weixin.qq.com, no trailing slash. */
  baseUrl: string;
  /** Default: an Agent with bounded connections and the timeouts below. Not closed by close() when given. */
  dispatcher?: Dispatcher;
  /**
   * Connections of the default dispatcher (default 512). A call holds one for the whole upstream latency,
   * so throughput is at most maxConnections / latency.
   */
  maxConnections?: number;
  /** 'stable_token' (default) is safe for many instances; 'token' invalidates other holders' tokens. */
  tokenEndpoint?: 'stable_token' | 'token';
  /** Total time for one call, retries and token fetch included (default 5,000 ms). */
  deadlineMs?: number;
  /** Renew a cached token this long before WeChat's expiry (default 300,000 ms). */
  tokenRefreshMarginMs?: number;
  observer?: UpstreamObserver;
  logger?: WeChatLogger;
  /** Timeouts of the default dispatcher. */
  timeouts?: Partial<WeChatTimeouts>;
  /** Backoff between transient failures (default 100 ms doubling to 1,000 ms, full jitter). */
  retry?: Partial<RetrySettings>;
  /** Source of jitter, [0, 1) (default Math.random). */
  random?: () => number;
  /** Clock for token expiry only, in ms (default performance.now). Deadlines always use the real clock. */
  tokenClock?: () => number;
}

/**
 * Whether an endpoint may be sent again when the first attempt's fate is unknown (reset, timeout, 5xx).
 * Failures where WeChat surely did nothing (errcode -1, HTTP 429, no connection) are retried for all.
 */
type Replay = 'safe' | 'unsafe';

interface Endpoint {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly replay: Replay;
}

const ENDPOINTS = {
  // Normal mode returns the current token; asking again changes nothing.
  stableToken: { path: '/cgi-bin/stable_token', method: 'POST', replay: 'safe' },
  // A repeat issues a newer token; the previous one keeps working for 5 minutes, so nothing breaks.
  token: { path: '/cgi-bin/token', method: 'GET', replay: 'safe' },
  // A js_code is single-use: if the first request consumed it, a repeat would report CODE_USED for a code
  // that worked. Only "surely not processed" failures are retried.
  jscode2session: { path: '/sns/jscode2session', method: 'GET', replay: 'unsafe' },
  // Issues a credential for a name + ID number; a repeat issues an equivalent one.
  getuseridkey: { path: '/cityservice/face/identify/getuseridkey', method: 'POST', replay: 'safe' },
  // Keyed by out_seq_no, unique per appid, and the repeat carries the very same out_seq_no, cert_info and
  // openid. Whatever WeChat does with a repeat (returns the same verify_id, issues a new one for the same
  // key, or refuses the duplicate with an errcode), queryverifyinfo still checks out_seq_no + cert_hash +
  // openid, so a repeat can neither bind another identity nor yield a second usable session for someone
  // else; the worst case is a refusal, which surfaces as an errcode (the session is not started). The
  // adapter never makes up a new out_seq_no: that would start a second session at WeChat.
  getverifyid: { path: '/cityservice/face/identify/getverifyid', method: 'POST', replay: 'safe' },
  // A read of WeChat's verdict. If a verifyResult is single-use at WeChat (unconfirmed), a repeat after a
  // lost answer yields an evidence errcode: the same thing the user would get by confirming again, and it
  // can never turn a failed check into a pass.
  getinfo: { path: '/cityservice/face/identify/getinfo', method: 'POST', replay: 'safe' },
  // A read.
  queryverifyinfo: { path: '/cityservice/face/identify/queryverifyinfo', method: 'POST', replay: 'safe' },
} as const satisfies Record<string, Endpoint>;

/** API-call errcodes that mean "your access token is no good" (invalid / not latest, invalid, expired). */
const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
const SYSTEM_BUSY = -1;
const MAX_RESPONSE_BYTES = 1_048_576;
const OUT_SEQ_NO = /^[0-9A-Za-z_-]{5,32}$/;

/*
 * One CLIENT span per WeChat call (its retries counted on it), through the OpenTelemetry API only: a no-op
 * without a registered SDK. The span names the endpoint's path and WeChat's host: never the query string (it
 * carries the access token or the app secret), a body, or anything of an answer but its errcode.
 */
const tracer = trace.getTracer('@facegate/adapters-wechat');

/** What one call saw, for its span. */
interface CallRecord {
  attempts: number;
  status: number | null;
}

interface TransientFailure {
  readonly certainty: FailureCertainty;
  readonly reason: string;
  readonly upstreamCode: number | null;
}

export interface VerifyIdRequest {
  readonly outSeqNo: string;
  readonly openid: string;
  readonly name: string;
  readonly idCardNumber: string;
}

export interface VerifyInfoQuery {
  readonly verifyId: string;
  readonly outSeqNo: string;
  readonly certHash: string;
  readonly openid: string;
}

/** WeChat's server API for login and face verification: tokens, retries, deadlines, validation. */
export class WeChatApiClient {
  private readonly appId: string;
  private readonly appSecret: string;
  private readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly tokenSource: 'stable_token' | 'token';
  private readonly deadlineMs: number;
  private readonly retry: RetrySettings;
  private readonly random: () => number;
  private readonly observer: UpstreamObserver | undefined;
  private readonly logger: WeChatLogger | undefined;
  private readonly tokens: AccessTokenCache;

  constructor(options: WeChatClientOptions) {
    if (!options.appId || !options.appSecret)
      throw new TypeError('WeChatApiClient needs appId and appSecret');
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError('WeChatApiClient baseUrl is not a URL');
    }
    this.appId = options.appId;
    this.appSecret = options.appSecret;
    this.baseUrl = base.origin + base.pathname.replace(/\/+$/, '');
    this.tokenSource = options.tokenEndpoint ?? 'stable_token';
    this.deadlineMs = options.deadlineMs ?? 5_000;
    this.retry = { ...DEFAULT_RETRY_SETTINGS, ...options.retry };
    this.random = options.random ?? Math.random;
    this.observer = options.observer;
    this.logger = options.logger;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      const timeouts: WeChatTimeouts = {
        connectMs: 2_000,
        headersMs: this.deadlineMs,
        bodyMs: this.deadlineMs,
        ...options.timeouts,
      };
      this.dispatcher = new Agent({
        connections: options.maxConnections ?? 512,
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
        keepAliveTimeout: 10_000,
        maxResponseSize: MAX_RESPONSE_BYTES,
      });
      this.ownsDispatcher = true;
    }
    this.tokens = new AccessTokenCache(
      `${this.tokenSource}:${this.appId}`,
      () => this.fetchToken(),
      options.tokenRefreshMarginMs ?? 300_000,
      options.tokenClock ?? (() => performance.now()),
    );
  }

  /** The current access token: cached, renewed before expiry, one fetch at a time. */
  accessToken(): Promise<string> {
    return this.beforeDeadline(this.tokens.get(), this.deadlineFromNow(), 'access token');
  }

  /** wx.login code -> the user's ids. The session_key is validated and dropped here. */
  async code2Session(code: string): Promise<SessionValue> {
    // Nothing sensible can be a code; spare WeChat the call (and the rate limit).
    if (!isLoginCodeShape(code)) {
      throw new WeChatLoginError('INVALID_CODE', 40029);
    }
    const ep = ENDPOINTS.jscode2session;
    const body = await this.exchange(
      ep,
      { appid: this.appId, secret: this.appSecret, js_code: code, grant_type: 'authorization_code' },
      undefined,
      this.deadlineFromNow(),
    );
    const answer = readSession(ep.path, body);
    if (!answer.ok) throw new WeChatLoginError(loginErrorCodeOf(answer.errcode), answer.errcode);
    return answer.value;
  }

  /** Legacy: a user_id_key standing for this name + ID number, so the client need not carry them. */
  async getUserIdKey(name: string, idCardNumber: string): Promise<Answer<UserIdKeyValue>> {
    const ep = ENDPOINTS.getuseridkey;
    const body = await this.callWithToken(ep, { name, id_card_number: idCardNumber });
    return readUserIdKey(ep.path, body);
  }

  /** v2: a verify_id for this user and identity, keyed by the caller's out_seq_no. */
  async getVerifyId(input: VerifyIdRequest): Promise<Answer<VerifyIdValue>> {
    if (!OUT_SEQ_NO.test(input.outSeqNo)) {
      throw new RangeError('out_seq_no must be 5-32 characters of [0-9A-Za-z_-]');
    }
    const ep = ENDPOINTS.getverifyid;
    const body = await this.callWithToken(ep, {
      out_seq_no: input.outSeqNo,
      cert_info: { cert_type: 'IDENTITY_CARD', cert_name: input.name, cert_no: input.idCardNumber },
      openid: input.openid,
    });
    return readVerifyId(ep.path, body);
  }

  /** Legacy: what WeChat recorded for a verifyResult. The body is raw JSON `{"verify_result": ...}`. */
  async getLegacyVerifyInfo(verifyResult: string): Promise<Answer<LegacyInfoValue>> {
    const ep = ENDPOINTS.getinfo;
    const body = await this.callWithToken(ep, { verify_result: verifyResult });
    return readLegacyInfo(ep.path, body);
  }

  /** v2: verify_ret of a finished check (10000 = passed). */
  async queryVerifyInfo(query: VerifyInfoQuery): Promise<Answer<number>> {
    const ep = ENDPOINTS.queryverifyinfo;
    const body = await this.callWithToken(ep, {
      verify_id: query.verifyId,
      out_seq_no: query.outSeqNo,
      cert_hash: query.certHash,
      openid: query.openid,
    });
    return readVerifyRet(ep.path, body);
  }

  async close(): Promise<void> {
    this.tokens.clear();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // ---- internals ----

  private now(): number {
    return performance.now();
  }

  private deadlineFromNow(): number {
    return this.now() + this.deadlineMs;
  }

  /**
   * An API call with the access token: on a token errcode, drop the token if it is still the cached one,
   * take the (single-flight) fresh one and repeat once. A second token errcode is not retried again.
   */
  private async callWithToken(ep: Endpoint, payload: object): Promise<JsonObject> {
    const deadline = this.deadlineFromNow();
    const token = await this.beforeDeadline(this.tokens.get(), deadline, 'access token');
    const first = await this.exchange(ep, { access_token: token }, payload, deadline);
    if (!isTokenErrcode(first.errcode)) return first;

    const dropped = this.tokens.invalidate(token);
    this.logger?.warn(
      { endpoint: ep.path, errcode: first.errcode, droppedCachedToken: dropped },
      'WeChat rejected the access token; retrying once with a fresh one',
    );
    const fresh = await this.beforeDeadline(this.tokens.get(), deadline, 'access token');
    const second = await this.exchange(ep, { access_token: fresh }, payload, deadline);
    if (isTokenErrcode(second.errcode)) {
      this.logger?.warn(
        { endpoint: ep.path, errcode: second.errcode },
        'WeChat rejected a fresh access token',
      );
      throw new UpstreamUnavailableError(
        `WeChat rejected the access token twice (errcode ${second.errcode})`,
        second.errcode as number,
      );
    }
    return second;
  }

  /** One token fetch, with its own deadline (it is shared by every caller waiting for it). */
  private async fetchToken(): Promise<TokenValue> {
    try {
      return await this.fetchTokenOnce();
    } catch (error) {
      try {
        this.observer?.tokenFailed?.(this.tokenSource);
      } catch {
        // Metrics must never break a call.
      }
      throw error;
    }
  }

  private async fetchTokenOnce(): Promise<TokenValue> {
    const deadline = this.deadlineFromNow();
    const ep = this.tokenSource === 'stable_token' ? ENDPOINTS.stableToken : ENDPOINTS.token;
    const body =
      this.tokenSource === 'stable_token'
        ? await this.exchange(
            ep,
            {},
            {
              grant_type: 'client_credential',
              appid: this.appId,
              secret: this.appSecret,
              // Forcing invalidates every other holder's token and is limited to 20 a day: never automatic.
              force_refresh: false,
            },
            deadline,
          )
        : await this.exchange(
            ep,
            { grant_type: 'client_credential', appid: this.appId, secret: this.appSecret },
            undefined,
            deadline,
          );
    const answer = readToken(ep.path, body);
    if (!answer.ok) {
      this.logger?.warn({ endpoint: ep.path, errcode: answer.errcode }, 'WeChat refused an access token');
      throw new UpstreamUnavailableError(
        `WeChat refused an access token (errcode ${answer.errcode})`,
        answer.errcode,
      );
    }
    try {
      this.observer?.tokenFetched(this.tokenSource);
    } catch {
      // Metrics must never break a call.
    }
    this.logger?.info?.(
      { endpoint: ep.path, expiresInSeconds: answer.value.expiresInSeconds },
      'access token fetched',
    );
    return answer.value;
  }

  /**
   * One logical request: retries transient failures with full-jitter backoff while the deadline allows and
   * the endpoint's replay rule permits. Returns the parsed JSON object (errcode not -1); throws
   * UpstreamUnavailableError (gave up) or UpstreamProtocolError (not WeChat's shape).
   */
  private exchange(
    ep: Endpoint,
    query: Record<string, string>,
    payload: object | undefined,
    deadline: number,
  ): Promise<JsonObject> {
    const parent = trace.getSpan(context.active());
    // only inside a recorded trace: /readyz's token check, say, makes no trace of its own
    if (parent === undefined || !parent.isRecording())
      return this.exchangeRetrying(ep, query, payload, deadline);
    const base = new URL(this.baseUrl);
    const span = tracer.startSpan(`${ep.method} ${ep.path}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': ep.method,
        'url.scheme': base.protocol.replace(':', ''),
        'url.template': ep.path,
        'server.address': base.hostname,
        'server.port': Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
      },
    });
    const record: CallRecord = { attempts: 0, status: null };
    return context
      .with(trace.setSpan(context.active(), span), () =>
        this.exchangeRetrying(ep, query, payload, deadline, record),
      )
      .then(
        (json) => {
          endCall(span, record);
          if (typeof json.errcode === 'number') span.setAttribute('wechat.errcode', json.errcode);
          span.end();
          return json;
        },
        (error: unknown) => {
          endCall(span, record);
          const upstream = (error as { upstreamCode?: unknown }).upstreamCode;
          if (typeof upstream === 'number') span.setAttribute('wechat.errcode', upstream);
          // the class only: an error's message may quote what WeChat answered
          span.setAttribute('error.type', error instanceof Error ? error.name : 'error');
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          throw error;
        },
      );
  }

  private async exchangeRetrying(
    ep: Endpoint,
    query: Record<string, string>,
    payload: object | undefined,
    deadline: number,
    record?: CallRecord,
  ): Promise<JsonObject> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.baseUrl}${ep.path}${search ? `?${search}` : ''}`;
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    // Reported with a deadline failure, so "busy until the end" stays visible as -1.
    let lastUpstreamCode: number | null = null;
    for (let retry = 0; ; retry++) {
      const remaining = deadline - this.now();
      if (remaining <= 0) throw this.gaveUp(ep, url, 'deadline', lastUpstreamCode);
      const started = this.now();
      const result = await this.send(ep, url, body, remaining);
      if (record !== undefined) {
        record.attempts += 1;
        record.status = result.kind === 'answer' ? 200 : result.kind === 'status' ? result.status : null;
      }

      let failure: TransientFailure;
      if (result.kind === 'answer') {
        let json: JsonObject;
        try {
          json = parseJsonObject(ep.path, result.text);
        } catch (error) {
          this.report(ep, started, 'malformed');
          throw error;
        }
        if (json.errcode !== SYSTEM_BUSY) {
          const errcode = typeof json.errcode === 'number' && json.errcode !== 0 ? json.errcode : undefined;
          this.report(ep, started, errcode === undefined ? 'ok' : 'errcode', errcode);
          return json;
        }
        failure = {
          certainty: 'not-processed',
          reason: 'errcode -1 (system busy)',
          upstreamCode: SYSTEM_BUSY,
        };
      } else if (result.kind === 'status') {
        if (result.status !== 429 && result.status < 500) {
          this.report(ep, started, 'malformed');
          throw new UpstreamProtocolError(`${ep.path} answered HTTP ${result.status}`);
        }
        failure = {
          certainty: result.status === 429 ? 'not-processed' : 'unknown',
          reason: `HTTP ${result.status}`,
          upstreamCode: null,
        };
      } else if (result.kind === 'deadline') {
        this.report(ep, started, 'transient');
        throw this.gaveUp(ep, url, 'deadline', lastUpstreamCode);
      } else {
        const certainty = certaintyOfNetworkError(result.error);
        if (certainty === null) {
          this.report(ep, started, 'transient');
          throw this.gaveUp(ep, url, `unexpected error ${describeError(result.error)}`, null);
        }
        failure = { certainty, reason: describeError(result.error), upstreamCode: null };
      }

      this.report(ep, started, 'transient', failure.upstreamCode ?? undefined);
      lastUpstreamCode = failure.upstreamCode;
      if (failure.certainty === 'unknown' && ep.replay === 'unsafe') {
        throw this.gaveUp(ep, url, `${failure.reason}; not repeatable`, failure.upstreamCode);
      }
      const delay = fullJitterDelayMs(retry, this.retry, this.random);
      if (this.now() + delay >= deadline) {
        throw this.gaveUp(ep, url, `${failure.reason}; no time left to retry`, failure.upstreamCode);
      }
      this.logger?.warn(
        { endpoint: ep.path, url: redactUrl(url), reason: failure.reason, retry: retry + 1, delayMs: delay },
        'transient WeChat failure; retrying',
      );
      await sleep(delay);
    }
  }

  /** One HTTP exchange, bounded by what is left of the deadline. */
  private async send(
    ep: Endpoint,
    url: string,
    body: string | undefined,
    remainingMs: number,
  ): Promise<
    | { kind: 'answer'; text: string }
    | { kind: 'status'; status: number }
    | { kind: 'deadline' }
    | { kind: 'error'; error: unknown }
  > {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, remainingMs);
    try {
      const response = await request(url, {
        dispatcher: this.dispatcher,
        method: ep.method,
        headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: controller.signal,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { kind: 'status', status: response.statusCode };
      }
      // WeChat often labels JSON as text/plain: the content type is not trusted either way.
      return { kind: 'answer', text: await response.body.text() };
    } catch (error) {
      return timedOut ? { kind: 'deadline' } : { kind: 'error', error };
    } finally {
      clearTimeout(timer);
    }
  }

  private gaveUp(
    ep: Endpoint,
    url: string,
    reason: string,
    upstreamCode: number | null,
  ): UpstreamUnavailableError {
    this.logger?.warn({ endpoint: ep.path, url: redactUrl(url), reason, upstreamCode }, 'WeChat unavailable');
    const message =
      reason === 'deadline'
        ? `WeChat did not answer ${ep.path} within ${this.deadlineMs} ms`
        : `WeChat unavailable for ${ep.path}: ${reason}`;
    return new UpstreamUnavailableError(message, upstreamCode);
  }

  private report(ep: Endpoint, started: number, outcome: UpstreamOutcome, errcode?: number): void {
    if (!this.observer) return;
    try {
      this.observer.call(ep.path, this.now() - started, outcome, errcode);
    } catch {
      // Metrics must never break a call.
    }
  }

  /** Waits for a shared promise (the token fetch) no longer than this caller's deadline. */
  private beforeDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
    const remaining = deadline - this.now();
    if (remaining <= 0) {
      return Promise.reject(new UpstreamUnavailableError(`no time left to obtain the ${what}`));
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new UpstreamUnavailableError(`WeChat did not provide the ${what} within ${this.deadlineMs} ms`),
          ),
        remaining,
      );
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function endCall(span: Span, record: CallRecord): void {
  if (record.status !== null) span.setAttribute('http.response.status_code', record.status);
  if (record.attempts > 1) span.setAttribute('http.request.resend_count', record.attempts - 1);
}

function isTokenErrcode(value: unknown): boolean {
  return typeof value === 'number' && TOKEN_ERRCODES.has(value);
}

/** The error's code and class only: messages of network errors are not ours to trust in logs. */
function describeError(error: unknown): string {
  const code = errorCodeOf(error);
  const name = error instanceof Error ? error.name : typeof error;
  return code ? `${name} ${code}` : name;
}
