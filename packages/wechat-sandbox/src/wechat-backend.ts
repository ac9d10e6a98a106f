import { randomBytes } from 'node:crypto';
import { certHashOf } from './identity/identity-digests';
import { parseResidentIdNumber } from './identity/resident-id';
import type { SandboxApp, SandboxScenario } from './sandbox.types';
import { scenarioOfName } from './scenarios';
import { BoundedStore } from './support/bounded-store';
import { SealedStrings } from './support/sealed-string';
import {
  SANDBOX_ERRCODES as E,
  type JsonFields as Fields,
  OPENID_PATTERN,
  SandboxInputError,
  type WeChatAnswer,
  wechatError,
  wechatOk,
} from './wechat-errors';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** WeChat's documented lifetimes and limits. */
export const WECHAT_LIMITS = {
  tokenOverlapMs: 5 * MINUTE,
  stableTokenRenewMarginMs: 5 * MINUTE,
  forceRefreshPerDay: 20,
  forceRefreshGapMs: 30 * SECOND,
  loginCodeTtlMs: 5 * MINUTE,
  verifyResultTtlMs: 5 * MINUTE,
  verifyIdTtlSeconds: 3600,
  userIdKeyTtlSeconds: 3600,
  /** How long an out_seq_no stays taken (WeChat: forever; the sandbox must forget to stay bounded). */
  outSeqNoMemoryMs: DAY,
} as const;

/** openids starting with this are WeChat's "high-risk user": jscode2session answers 40226. */
export const BLOCKED_OPENID_PREFIX = 'blocked_';

const OUT_SEQ_NO = /^[0-9A-Za-z_-]{5,32}$/;

interface TokenRecord {
  readonly appId: string;
  readonly expiresAt: number;
  invalidAt: number;
}

interface CodeRecord {
  readonly appId: string;
  readonly openid: string;
  readonly expiresAt: number;
  used: boolean;
}

export interface UserIdKeyRecord {
  readonly appId: string;
  readonly name: string;
  readonly idCardNumber: string;
  readonly expiresAt: number;
}

export interface LegacyEvidence {
  readonly appId: string;
  readonly openid: string;
  readonly identifyRet: number;
  readonly identifyTime: number;
  readonly finishTime: number;
  readonly validateData: string;
  readonly userIdKey: string;
  readonly idCardNumberMd5: string;
  readonly nameUtf8Md5: string;
}

export interface VerifyIdRecord {
  readonly appId: string;
  readonly outSeqNo: string;
  readonly certHash: string;
  readonly openid: string;
  readonly scenario: SandboxScenario;
  readonly expiresAt: number;
  verifyRet: number | null;
}

interface AppState extends Omit<SandboxApp, 'appSecret'> {
  appSecret: string;
  currentToken: string | null;
  stableToken: string | null;
  forceRefreshDay: number;
  forceRefreshCount: number;
  lastForceRefreshAt: number;
}

/** An app as the backend first holds it: no token issued yet. */
function newAppState(app: SandboxApp): AppState {
  return {
    ...app,
    currentToken: null,
    stableToken: null,
    forceRefreshDay: -1,
    forceRefreshCount: 0,
    lastForceRefreshAt: Number.NEGATIVE_INFINITY,
  };
}

export interface BackendOptions {
  apps: readonly SandboxApp[];
  tokenTtlSeconds: number;
  now: () => number;
  maxEntries: number;
  loginsPerUserPerMinute: number;
}

/** Reads a field of a JSON body: absent -> 'missing'; present but not a non-empty string -> 'bad'. */
function stringField(body: Fields, key: string): string | 'missing' | 'bad' {
  const value = body[key];
  if (value === undefined || value === null || value === '') return 'missing';
  return typeof value === 'string' ? value : 'bad';
}

/** Evidence (verifyResult, verify_id) the backend does not hold: never issued, expired, or evicted. */
function forgottenEvidence(sealed: SealedStrings, text: string, ttlMs: number, now: number): WeChatAnswer {
  const issuedAt = sealed.timeOf(text);
  if (issuedAt === null) return wechatError(E.INVALID_IDENTIFY_ID);
  return wechatError(issuedAt + ttlMs <= now ? E.USER_INFO_EXPIRED : E.USER_INFO_NOT_FOUND);
}

/** Beijing calendar day: WeChat's daily quotas reset at midnight China time. */
const beijingDay = (ms: number): number => Math.floor((ms + 8 * HOUR) / DAY);

/**
 * WeChat's server side: apps, tokens, login codes, and the face-verification evidence, each answer shaped
 * as api.weixin.qq.com gives it. No HTTP here (see http/wechat-routes.ts); the device side
 * (device-side.ts) writes evidence through the record* methods.
 */
export class WeChatBackend {
  readonly now: () => number;
  tokenTtlSeconds: number;
  tokensIssued = 0;
  /** Access tokens minted per appid (both endpoints); every app is listed, from 0. */
  tokensIssuedByApp = new Map<string, number>();

  private readonly apps = new Map<string, AppState>();
  private readonly tokens: BoundedStore<TokenRecord>;
  private readonly codes: BoundedStore<CodeRecord>;
  private readonly loginsPerMinute: BoundedStore<{ windowStart: number; count: number }>;
  private readonly userIdKeys: BoundedStore<UserIdKeyRecord>;
  private readonly verifyResults: BoundedStore<LegacyEvidence & { expiresAt: number }>;
  private readonly verifyIds: BoundedStore<VerifyIdRecord>;
  private readonly outSeqNos: BoundedStore<true>;
  // One key per kind, so a string of one kind is never taken for another.
  private readonly sealedTokens = new SealedStrings();
  private readonly sealedCodes = new SealedStrings();
  private readonly sealedUserIdKeys = new SealedStrings();
  private readonly sealedVerifyResults = new SealedStrings();
  private readonly sealedVerifyIds = new SealedStrings();
  private readonly loginsPerUserPerMinute: number;

  constructor(options: BackendOptions) {
    this.now = options.now;
    this.tokenTtlSeconds = options.tokenTtlSeconds;
    this.loginsPerUserPerMinute = options.loginsPerUserPerMinute;
    for (const app of options.apps) this.apps.set(app.appId, newAppState(app));
    this.resetTokenCounts();
    const max = options.maxEntries;
    this.tokens = new BoundedStore(max);
    this.codes = new BoundedStore(max);
    this.loginsPerMinute = new BoundedStore(max);
    this.userIdKeys = new BoundedStore(max);
    this.verifyResults = new BoundedStore(max);
    this.verifyIds = new BoundedStore(max);
    this.outSeqNos = new BoundedStore(max);
  }

  /** A new app, or a new secret for a known one (its tokens and codes stay). */
  addApp(app: { readonly appId: string; readonly appSecret: string }): void {
    const known = this.apps.get(app.appId);
    if (known) {
      known.appSecret = app.appSecret;
      return;
    }
    this.apps.set(app.appId, newAppState(app));
    this.tokensIssuedByApp.set(app.appId, 0);
  }

  hasApp(appId: string): boolean {
    return this.apps.has(appId);
  }

  /** Every app's appid, the main app first. */
  appIds(): string[] {
    return [...this.apps.keys()];
  }

  resetTokenCounts(): void {
    this.tokensIssued = 0;
    this.tokensIssuedByApp = new Map(this.appIds().map((appId) => [appId, 0]));
  }

  /** The app a token still held belongs to (valid, superseded in its overlap, or not yet swept), else null. */
  appOfToken(token: string): string | null {
    return this.tokens.get(token)?.appId ?? null;
  }

  /** Entries held, per store (memory-bound checks). */
  sizes(): Record<string, number> {
    return {
      tokens: this.tokens.size,
      codes: this.codes.size,
      loginsPerMinute: this.loginsPerMinute.size,
      userIdKeys: this.userIdKeys.size,
      verifyResults: this.verifyResults.size,
      verifyIds: this.verifyIds.size,
      outSeqNos: this.outSeqNos.size,
    };
  }

  sweep(): void {
    const now = this.now();
    for (const store of [
      this.tokens,
      this.codes,
      this.loginsPerMinute,
      this.userIdKeys,
      this.verifyResults,
      this.verifyIds,
      this.outSeqNos,
    ] as BoundedStore<unknown>[]) {
      store.sweep(now);
    }
  }

  // ---------------------------------------------------------------- access tokens

  /** GET /cgi-bin/token: a new token each call; the previous one keeps working for 5 more minutes. */
  token(query: URLSearchParams): WeChatAnswer {
    const app = this.checkCredentials(query.get('grant_type'), query.get('appid'), query.get('secret'));
    if ('status' in app) return app;
    const now = this.now();
    const previous = app.currentToken;
    if (previous) this.invalidateToken(previous, now + WECHAT_LIMITS.tokenOverlapMs);
    const token = this.mintToken(app.appId);
    app.currentToken = token;
    return wechatOk({ access_token: token, expires_in: this.tokenTtlSeconds }, false);
  }

  /** POST /cgi-bin/stable_token: the same token until 5 minutes before it expires; force_refresh rotates it. */
  stableToken(body: Fields): WeChatAnswer {
    const force = body.force_refresh;
    if (force !== undefined && typeof force !== 'boolean')
      return wechatError(E.BAD_DATA_FORMAT, 'force_refresh');
    const grantType = typeof body.grant_type === 'string' ? body.grant_type : null;
    const appId = typeof body.appid === 'string' ? body.appid : null;
    const secret = typeof body.secret === 'string' ? body.secret : null;
    const app = this.checkCredentials(grantType, appId, secret);
    if ('status' in app) return app;
    const now = this.now();
    const current = app.stableToken ? this.tokens.get(app.stableToken) : undefined;

    if (force === true) {
      const day = beijingDay(now);
      if (app.forceRefreshDay !== day) {
        app.forceRefreshDay = day;
        app.forceRefreshCount = 0;
      }
      if (app.forceRefreshCount >= WECHAT_LIMITS.forceRefreshPerDay) return wechatError(E.DAILY_QUOTA);
      if (now - app.lastForceRefreshAt < WECHAT_LIMITS.forceRefreshGapMs) {
        return wechatError(E.RATE_LIMITED, 'force_refresh at most once every 30 seconds');
      }
      app.forceRefreshCount += 1;
      app.lastForceRefreshAt = now;
      if (app.stableToken) this.invalidateToken(app.stableToken, now);
      app.stableToken = this.mintToken(app.appId);
    } else {
      const ttlMs = this.tokenTtlSeconds * SECOND;
      // Renewed while at least the margin is left, so a returned token always has expires_in >= 300
      // (or half its lifetime, when tokens are made to live under 10 minutes).
      const margin = Math.min(WECHAT_LIMITS.stableTokenRenewMarginMs, Math.floor(ttlMs / 2));
      const usable = current && now < current.invalidAt && current.expiresAt - now >= margin;
      if (!usable) app.stableToken = this.mintToken(app.appId);
    }
    const record = this.tokens.get(app.stableToken!)!;
    return wechatOk(
      { access_token: app.stableToken, expires_in: Math.floor((record.expiresAt - now) / SECOND) },
      false,
    );
  }

  /** The app a token belongs to, or WeChat's answer for a missing, unknown, superseded or expired one. */
  authenticate(token: string | null): { appId: string } | WeChatAnswer {
    if (!token) return wechatError(E.ACCESS_TOKEN_MISSING);
    const now = this.now();
    const record = this.tokens.get(token);
    if (record && now < record.expiresAt && now < record.invalidAt) return { appId: record.appId };
    const expiresAt = this.sealedTokens.timeOf(token);
    if (expiresAt === null) return wechatError(E.INVALID_ACCESS_TOKEN);
    if (expiresAt <= now) return wechatError(E.ACCESS_TOKEN_EXPIRED);
    return wechatError(E.INVALID_CREDENTIAL);
  }

  /**
   * Tokens issued so far (of both endpoints) stop working now: one app's when an appid is given, else every
   * app's. The next fetch gets a new one. An appid the sandbox does not serve is a SandboxInputError.
   */
  revokeTokens(appId?: string): void {
    if (appId !== undefined && (typeof appId !== 'string' || !this.apps.has(appId))) {
      throw new SandboxInputError(`unknown appid: ${String(appId)}`);
    }
    for (const token of this.tokens.keys()) {
      if (appId === undefined || this.tokens.get(token)?.appId === appId) this.tokens.delete(token);
    }
    for (const app of this.apps.values()) {
      if (appId !== undefined && app.appId !== appId) continue;
      app.currentToken = null;
      app.stableToken = null;
    }
  }

  private checkCredentials(
    grantType: string | null,
    appId: string | null,
    secret: string | null,
  ): AppState | WeChatAnswer {
    if (grantType !== 'client_credential') return wechatError(E.INVALID_GRANT_TYPE);
    if (!appId) return wechatError(E.APPID_MISSING);
    if (!secret) return wechatError(E.SECRET_MISSING);
    const app = this.apps.get(appId);
    if (!app) return wechatError(E.INVALID_APPID);
    if (secret !== app.appSecret) return wechatError(E.INVALID_SECRET);
    return app;
  }

  private mintToken(appId: string): string {
    const expiresAt = this.now() + this.tokenTtlSeconds * SECOND;
    const token = this.sealedTokens.mint(expiresAt, 96);
    this.tokens.set(token, { appId, expiresAt, invalidAt: Number.POSITIVE_INFINITY }, expiresAt);
    this.tokensIssued += 1;
    this.tokensIssuedByApp.set(appId, (this.tokensIssuedByApp.get(appId) ?? 0) + 1);
    return token;
  }

  private invalidateToken(token: string, at: number): void {
    const record = this.tokens.get(token);
    if (!record) return;
    record.invalidAt = Math.min(record.invalidAt, at);
    if (record.invalidAt <= this.now()) this.tokens.delete(token);
    else this.tokens.set(token, record, Math.min(record.expiresAt, record.invalidAt));
  }

  // ---------------------------------------------------------------- login

  /** wx.login: a code for this user of this app, single-use, about 5 minutes. */
  issueLoginCode(appId: string, openid: string): string {
    const now = this.now();
    const code = this.sealedCodes.mint(now, 12);
    const expiresAt = now + WECHAT_LIMITS.loginCodeTtlMs;
    this.codes.set(code, { appId, openid, expiresAt, used: false }, expiresAt);
    return code;
  }

  /** GET /sns/jscode2session. */
  code2Session(query: URLSearchParams): WeChatAnswer {
    const appId = query.get('appid');
    const secret = query.get('secret');
    const code = query.get('js_code');
    if (!appId) return wechatError(E.APPID_MISSING);
    if (!secret) return wechatError(E.SECRET_MISSING);
    if (!code) return wechatError(E.CODE_MISSING);
    if (query.get('grant_type') !== 'authorization_code') return wechatError(E.INVALID_GRANT_TYPE);
    const app = this.apps.get(appId);
    if (!app) return wechatError(E.INVALID_APPID);
    if (secret !== app.appSecret) return wechatError(E.INVALID_SECRET);

    const now = this.now();
    const record = this.codes.get(code);
    if (!record || record.appId !== appId || now >= record.expiresAt) return wechatError(E.INVALID_CODE);
    if (record.used) return wechatError(E.CODE_USED);
    if (!this.admitLogin(appId, record.openid, now)) return wechatError(E.RATE_LIMITED);
    record.used = true;
    if (record.openid.startsWith(BLOCKED_OPENID_PREFIX)) return wechatError(E.HIGH_RISK_USER);
    // A fresh random session_key each time, as WeChat does; the sandbox keeps no copy.
    return wechatOk({ session_key: randomBytes(16).toString('base64'), openid: record.openid }, false);
  }

  private admitLogin(appId: string, openid: string, now: number): boolean {
    if (this.loginsPerUserPerMinute <= 0) return true;
    const key = `${appId}\n${openid}`;
    const window = this.loginsPerMinute.get(key);
    if (!window || now - window.windowStart >= MINUTE) {
      this.loginsPerMinute.set(key, { windowStart: now, count: 1 }, now + MINUTE);
      return true;
    }
    if (window.count >= this.loginsPerUserPerMinute) return false;
    window.count += 1;
    return true;
  }

  // ---------------------------------------------------------------- legacy face verification

  /** POST /cityservice/face/identify/getuseridkey. */
  getUserIdKey(appId: string, body: Fields): WeChatAnswer {
    const name = stringField(body, 'name');
    const idCardNumber = stringField(body, 'id_card_number');
    if (name === 'bad' || idCardNumber === 'bad') return wechatError(E.BAD_DATA_FORMAT);
    if (name === 'missing') return wechatError(E.INVALID_ARGS, 'name missing');
    if (idCardNumber === 'missing') return wechatError(E.INVALID_ARGS, 'id_card_number missing');
    const normalized = parseResidentIdNumber(idCardNumber, new Date(this.now()));
    if (!normalized) return wechatError(E.INVALID_ARGS, 'id_card_number invalid');
    const userIdKey = this.issueUserIdKey(appId, name, normalized);
    return wechatOk({ user_id_key: userIdKey, expires_in: WECHAT_LIMITS.userIdKeyTtlSeconds });
  }

  issueUserIdKey(appId: string, name: string, idCardNumber: string): string {
    const now = this.now();
    const key = this.sealedUserIdKeys.mint(now, 24);
    const expiresAt = now + WECHAT_LIMITS.userIdKeyTtlSeconds * SECOND;
    this.userIdKeys.set(key, { appId, name, idCardNumber, expiresAt }, expiresAt);
    return key;
  }

  /** The identity behind a user_id_key of this app, while it is valid. */
  userIdKey(appId: string, key: string): UserIdKeyRecord | null {
    const record = this.userIdKeys.get(key);
    return record && record.appId === appId && this.now() < record.expiresAt ? record : null;
  }

  /** The device ran a legacy check that reached WeChat's comparison: keep the evidence 5 minutes. */
  recordLegacyEvidence(evidence: LegacyEvidence): string {
    const now = this.now();
    const verifyResult = this.sealedVerifyResults.mint(now, 48);
    const expiresAt = now + WECHAT_LIMITS.verifyResultTtlMs;
    this.verifyResults.set(verifyResult, { ...evidence, expiresAt }, expiresAt);
    return verifyResult;
  }

  /**
   * POST /cityservice/face/identify/getinfo. `body` is null when no `verify_result` string could be read
   * (form-encoded, camelCase, not JSON): WeChat answers those 84001, as integrators observe.
   * A verifyResult can be read again while it is valid (WeChat's behaviour is unconfirmed); FaceGate's own
   * replay guard is what must refuse a second use.
   */
  getInfo(appId: string, body: Fields | null): WeChatAnswer {
    const verifyResult = body?.verify_result;
    if (typeof verifyResult !== 'string' || verifyResult === '') return wechatError(E.INVALID_IDENTIFY_ID);
    const now = this.now();
    const evidence = this.verifyResults.get(verifyResult);
    if (!evidence) {
      return forgottenEvidence(this.sealedVerifyResults, verifyResult, WECHAT_LIMITS.verifyResultTtlMs, now);
    }
    if (evidence.appId !== appId) return wechatError(E.INVALID_IDENTIFY_ID);
    if (now >= evidence.expiresAt) return wechatError(E.USER_INFO_EXPIRED);
    return wechatOk({
      identify_ret: evidence.identifyRet,
      identify_time: evidence.identifyTime,
      validate_data: evidence.validateData,
      openid: evidence.openid,
      user_id_key: evidence.userIdKey,
      finish_time: evidence.finishTime,
      id_card_number_md5: evidence.idCardNumberMd5,
      name_utf8_md5: evidence.nameUtf8Md5,
      check_alive_type: 4,
    });
  }

  // ---------------------------------------------------------------- v2 face verification

  /** POST /cityservice/face/identify/getverifyid. */
  getVerifyId(appId: string, body: Fields): WeChatAnswer {
    const outSeqNo = stringField(body, 'out_seq_no');
    const openid = stringField(body, 'openid');
    const certInfo = body.cert_info;
    if (outSeqNo === 'bad' || openid === 'bad') return wechatError(E.BAD_DATA_FORMAT);
    if (
      certInfo !== undefined &&
      (typeof certInfo !== 'object' || certInfo === null || Array.isArray(certInfo))
    ) {
      return wechatError(E.BAD_DATA_FORMAT, 'cert_info');
    }
    if (outSeqNo === 'missing') return wechatError(E.INVALID_ARGS, 'out_seq_no missing');
    if (!OUT_SEQ_NO.test(outSeqNo)) {
      return wechatError(E.INVALID_ARGS, 'out_seq_no must be 5-32 characters of 0-9 A-Z a-z _ -');
    }
    if (!certInfo) return wechatError(E.INVALID_ARGS, 'cert_info missing');
    const cert = certInfo as Fields;
    const certType = stringField(cert, 'cert_type');
    const certName = stringField(cert, 'cert_name');
    const certNo = stringField(cert, 'cert_no');
    if (certType === 'bad' || certName === 'bad' || certNo === 'bad') return wechatError(E.BAD_DATA_FORMAT);
    if (certType !== 'IDENTITY_CARD') return wechatError(E.INVALID_ARGS, 'cert_type must be IDENTITY_CARD');
    if (certName === 'missing') return wechatError(E.INVALID_ARGS, 'cert_name missing');
    if (certNo === 'missing') return wechatError(E.INVALID_ARGS, 'cert_no missing');
    const now = this.now();
    if (!parseResidentIdNumber(certNo, new Date(now))) return wechatError(E.INVALID_ARGS, 'cert_no invalid');
    if (openid === 'missing') return wechatError(E.INVALID_ARGS, 'openid missing');
    if (!OPENID_PATTERN.test(openid)) return wechatError(E.INVALID_OPENID);
    const seqKey = `${appId}\n${outSeqNo}`;
    if (this.outSeqNos.get(seqKey)) return wechatError(E.INVALID_ARGS, 'out_seq_no already used');

    const verifyId = this.sealedVerifyIds.mint(now, 36);
    const expiresAt = now + WECHAT_LIMITS.verifyIdTtlSeconds * SECOND;
    this.verifyIds.set(
      verifyId,
      {
        appId,
        outSeqNo,
        // Hashed from the strings exactly as received: the caller must hash what it sent.
        certHash: certHashOf(certType, certName, certNo),
        openid,
        scenario: scenarioOfName(certName),
        expiresAt,
        verifyRet: null,
      },
      expiresAt,
    );
    this.outSeqNos.set(seqKey, true, now + WECHAT_LIMITS.outSeqNoMemoryMs);
    return wechatOk({ verify_id: verifyId, expires_in: WECHAT_LIMITS.verifyIdTtlSeconds });
  }

  /** The verify_id's record while it is valid (device side). */
  verifyIdRecord(verifyId: string): VerifyIdRecord | null {
    const record = this.verifyIds.get(verifyId);
    return record && this.now() < record.expiresAt ? record : null;
  }

  /** POST /cityservice/face/identify/queryverifyinfo. */
  queryVerifyInfo(appId: string, body: Fields): WeChatAnswer {
    const fields = ['verify_id', 'out_seq_no', 'cert_hash', 'openid'] as const;
    const values: Partial<Record<(typeof fields)[number], string>> = {};
    for (const key of fields) {
      const value = stringField(body, key);
      if (value === 'bad') return wechatError(E.BAD_DATA_FORMAT, key);
      if (value === 'missing') return wechatError(E.INVALID_ARGS, `${key} missing`);
      values[key] = value;
    }
    const verifyId = values.verify_id!;
    const now = this.now();
    const record = this.verifyIds.get(verifyId);
    if (!record) {
      return forgottenEvidence(
        this.sealedVerifyIds,
        verifyId,
        WECHAT_LIMITS.verifyIdTtlSeconds * SECOND,
        now,
      );
    }
    if (record.appId !== appId) return wechatError(E.INVALID_IDENTIFY_ID);
    if (now >= record.expiresAt) return wechatError(E.USER_INFO_EXPIRED);
    if (values.out_seq_no !== record.outSeqNo) return wechatError(E.INVALID_ARGS, 'out_seq_no mismatch');
    if (values.cert_hash !== record.certHash) return wechatError(E.INVALID_ARGS, 'cert_hash mismatch');
    if (values.openid !== record.openid) return wechatError(E.INVALID_ARGS, 'openid mismatch');
    if (record.verifyRet === null) return wechatError(E.VERIFY_NOT_FINISHED);
    return wechatOk({ verify_ret: record.verifyRet });
  }
}
