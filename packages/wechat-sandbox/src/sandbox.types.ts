/** Injected trouble on the WeChat endpoints (never on /sandbox/*). Rates are probabilities 0..1. */
export interface FaultSettings {
  latencyMs: number;
  jitterMs: number;
  /** Answer `{"errcode":-1,"errmsg":"system error"}` instead of handling the call. */
  busyRate: number;
  /** Answer HTTP 503 with an HTML body instead of handling the call. */
  http5xxRate: number;
  /** Destroy the socket without any answer. */
  resetRate: number;
  /** Handle the call (side effects happen) but cut the JSON answer short. */
  truncatedJsonRate: number;
}

/** What setFaults() and POST /sandbox/faults accept: the fault rates plus the token controls. */
export interface FaultUpdate extends Partial<FaultSettings> {
  /** Lifetime of tokens issued from now on (tokens already issued keep theirs). */
  tokenTtlSeconds?: number;
  /** true: access tokens issued so far stop working now (40001 on next use): every app's, or appId's. */
  revokeTokens?: boolean;
  /** With revokeTokens: only this app's tokens are revoked (an unknown appid is refused). */
  appId?: string;
}

export interface SandboxApp {
  readonly appId: string;
  readonly appSecret: string;
}

export interface SandboxLimits {
  /** Entries kept per store (codes, tokens, verifyResults, verify_ids, ...); the oldest go first. Default 50_000. */
  maxEntries?: number;
  /** jscode2session calls per openid per minute before 45011; 0 = no limit. Default 100 (WeChat's). */
  loginsPerUserPerMinute?: number;
}

export interface SandboxOptions {
  /** 0 = random (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 'wx_sandbox_app'. */
  appId?: string;
  /** Default 'sandbox-secret'. */
  appSecret?: string;
  /** More mini programs served by the same sandbox (to test a token of another appid). */
  extraApps?: readonly SandboxApp[];
  /** Default 7200. */
  tokenTtlSeconds?: number;
  faults?: Partial<FaultSettings>;
  /** Seed of the fault dice; the same seed and call order give the same faults. Default: random. */
  seed?: number;
  /** Milliseconds since the epoch; for tests. Default Date.now. */
  now?: () => number;
  limits?: SandboxLimits;
}

export type FaultKind = 'busy' | 'http5xx' | 'reset' | 'truncatedJson' | 'delayed';

export interface SandboxCounters {
  /** Calls received per WeChat endpoint path, e.g. '/cgi-bin/stable_token' (faulted calls included). */
  calls: Record<string, number>;
  /** Access tokens minted (both token endpoints). */
  tokensIssued: number;
  /** Access tokens minted per appid (both token endpoints); every app is listed, from 0. */
  tokensIssuedByApp: Record<string, number>;
  /**
   * Calls per appid, then per WeChat endpoint path (faulted calls included), for the calls that name an
   * app the sandbox serves: by `appid` (token, stable_token, jscode2session) or by an access token it
   * still holds (face endpoints; a revoked, expired or invented token names none). Every app is listed.
   */
  callsByApp: Record<string, Record<string, number>>;
  /** Faults injected, by kind. */
  faultsInjected: Record<FaultKind, number>;
  /** Entries held per store right now (codes, tokens, verifyResults, ...): memory stays bounded. */
  stored: Record<string, number>;
}

export type SandboxScenario =
  | 'pass'
  | 'face_mismatch'
  | 'id_mismatch'
  | 'no_id_photo'
  | 'user_cancel'
  | 'capture_timeout'
  | 'camera_denied'
  | 'device_unsupported'
  | 'liveness_unavailable';

export interface LegacyCheckInput {
  openid: string;
  checkAliveType: number;
  userIdKey?: string;
  name?: string;
  idCardNumber?: string;
  /** Omitted: the identity decides (reserved test identities), else 'pass'. */
  scenario?: SandboxScenario;
  /** The mini program running the check; default the sandbox's main app. */
  appId?: string;
  /** checkAliveType 2 only: the screen-flash check was not possible, so the user read digits instead. */
  readDigitsFallback?: boolean;
}

export interface LegacyCheckResult {
  errCode: number;
  errMsg: string;
  verifyResult: string | null;
}

export interface V2CheckInput {
  openid: string;
  verifyId: string;
  /** Omitted: the identity given to getverifyid decides, else 'pass'. */
  scenario?: SandboxScenario;
  /** The mini program running the check; default the app that asked for the verify_id. */
  appId?: string;
}

export interface V2CheckResult {
  errCode: number;
  errMsg: string;
}

export interface SandboxDevice {
  /** A wx.login code: single-use, valid about 5 minutes. */
  login(openid: string, appId?: string): string;
  /** What wx.startFacialRecognitionVerify reports to the mini program. */
  runLegacyCheck(input: LegacyCheckInput): LegacyCheckResult;
  /** What wx.requestFacialVerify reports to the mini program. */
  runV2Check(input: V2CheckInput): V2CheckResult;
}

export interface Sandbox {
  /** 'http://127.0.0.1:PORT' (this is WECHAT_API_BASE_URL). */
  readonly url: string;
  readonly appId: string;
  readonly appSecret: string;
  /** The main app first, then the extra apps. */
  readonly apps: readonly SandboxApp[];
  readonly device: SandboxDevice;
  setFaults(f: FaultUpdate): void;
  faults(): FaultSettings;
  tokenTtlSeconds(): number;
  /**
   * Access tokens issued so far (both endpoints) stop working now (40001 on next use): only appId's when
   * given, else every app's. An appid the sandbox does not serve throws SandboxInputError.
   */
  revokeTokens(appId?: string): void;
  /**
   * Serves one more mini program from now on (a gateway in sandbox mode registers the apps it is given). The
   * same appid again takes the new secret: tokens issued under the old one keep working until they expire.
   */
  addApp(app: SandboxApp): void;
  counters(): SandboxCounters;
  resetCounters(): void;
  close(): Promise<void>;
}

export interface SandboxTestIdentity {
  scenario: SandboxScenario;
  name: string;
  idCardNumber: string;
  note: string;
}
