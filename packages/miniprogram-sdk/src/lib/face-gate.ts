import { WxFaceVerifyClient } from '@facegate/adapters-wechat/jsapi';
import type { FaceVerifyClient } from '@facegate/domain';
import {
  ClientCheckFailure,
  confirmWithRecovery,
  runFaceCheckFor,
  startSession,
  UNSUPPORTED,
} from './face-steps';
import { GatewayApi } from './gateway-api';
import { GatewayRequestError, GraphQLClient } from './graphql-client';
import type { ConfirmVerificationInput, VerificationData } from './graphql-types';
import { checkIdCardNumber, checkName, type PendingIdentity } from './identity-form';
import { failureMessage, requestErrorMessage, type UserMessage } from './messages';
import {
  type AlternativeOpened,
  type ConsentView,
  consentRequiredOf,
  consentViewOf,
  languageOf,
  minorRefusalOf,
  NO_CONSENT_TEXT,
  openAlternative,
} from './privacy';
import type { ConsentKind, ConsentTextData, VerificationOptionsData } from './privacy-types';
import { GatewayAwareFaceClient, type SandboxWx } from './sandbox-face';
import type { WxTransport } from './wx-async';

/** A verification as the gateway shows it to its user (masked identity only). */
export type Verification = VerificationData;
/** What a face check produced, to hand to confirm(): the session id plus verifyId / verifyResult / errCode. */
export type FaceEvidence = ConfirmVerificationInput;

/** Every rejection of the plain API: a code to branch on and a zh-CN sentence to show the user. */
export class FaceGateError extends Error {
  constructor(
    /** NETWORK, WX_LOGIN, GATEWAY_PROTOCOL, a gateway code (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT,
     * RATE_LIMITED, UPSTREAM_UNAVAILABLE, BAD_USER_INPUT), a failure code (DEVICE_UNSUPPORTED...),
     * INVALID_NAME, INVALID_ID_CARD_NUMBER, INVALID_GATEWAY, INVALID_APP or STOPPED. */
    readonly code: string,
    /** zh-CN, ready to show. */
    message: string,
    readonly retryable: boolean,
    /** The input field at fault, for the INVALID_* codes. */
    readonly field: string | null = null,
    /** CONSENT_REQUIRED: { currentVersion, consentKind }, the text to fetch and show before trying again. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'FaceGateError';
  }

  static of(message: UserMessage, field: string | null = null): FaceGateError {
    return new FaceGateError(message.code, message.text, message.retryable, field);
  }
}

/** What a finished or failed attempt means for the user; null while nothing went wrong. */
export interface Outcome {
  readonly code: string;
  readonly reason: string;
  readonly retryable: boolean;
}

/** The latest failure of a session (its lastError, or an ended session's status), in zh-CN. */
export function outcomeOf(verification: Verification): Outcome | null {
  if (verification.status === 'VERIFIED') return null;
  if (verification.lastError) {
    const message = failureMessage(verification.lastError);
    const open = verification.status === 'PENDING' && verification.attempts < verification.maxAttempts;
    return { code: message.code, reason: message.text, retryable: message.retryable && open };
  }
  if (verification.status === 'EXPIRED')
    return { code: 'EXPIRED', reason: '核验未在有效期内完成', retryable: false };
  if (verification.status === 'CANCELED')
    return { code: 'CANCELED', reason: '本次核验已被取消', retryable: false };
  if (verification.status === 'FAILED') return { code: 'FAILED', reason: '人脸核验未通过', retryable: false };
  return null;
}

/** The wx members the SDK uses (wx.request, wx.login, the face APIs, the base library's version). */
export type WxApi = WechatMiniprogram.Wx;

export interface FaceGateOptions {
  /** The gateway's GraphQL endpoint, e.g. https://facegate.example.com/graphql (a legal request domain). */
  readonly gateway: string;
  /**
   * The app to sign in to when one gateway serves several mini programs: a WeChat appid or a FaceGate app id.
   * By default the mini program's own appid (wx.getAccountInfoSync()); without it, the gateway's default app.
   */
  readonly app?: string;
  /** wx.request timeout in milliseconds (default 15 000). */
  readonly timeoutMs?: number;
  /** The `wx` to use; the global one by default (tests pass their own). */
  readonly wx?: WxApi;
}

export interface StartInput {
  readonly name: string;
  readonly idCardNumber: string;
  /** The version of the consent text the user agreed to (consentText().version); required by the gateway. */
  readonly consentVersion?: string;
}

/** A consent text as the gateway publishes it, plus what to show in the mini program's language. */
export interface ConsentText extends ConsentTextData {
  readonly display: ConsentView;
}

/** Where the alternative to the face leads, and whom to contact when there is none. */
export type VerificationOptions = VerificationOptionsData;

export interface AlternativeChoice {
  /** The session as it ended (CANCELED, ALTERNATIVE_CHOSEN); null without a session or when it could not be told. */
  readonly verification: Verification | null;
  /** What was opened: PAGE (navigated), URL (link copied; `notice` says so), NONE (`notice` is the contact text). */
  readonly opened: AlternativeOpened;
}

export interface WatchOptions {
  /** Called with every state read, PENDING ones included. */
  readonly onUpdate?: (verification: Verification) => void;
  /** Time between reads while the session is PENDING (default 2 000 ms). */
  readonly intervalMs?: number;
}

/** Resolves once the session has ended (VERIFIED, FAILED, CANCELED, EXPIRED); stop() ends the reads. */
export interface Watch extends Promise<Verification> {
  stop(): void;
}

export interface FaceGate {
  /** wx.login -> signIn; the token is kept in memory and renewed on its own. Safe to call again. */
  signIn(): Promise<void>;
  /** Checks the identity with FaceGate's rules, then starts a session (v2 when the phone has it). */
  start(input: StartInput): Promise<Verification>;
  /** Runs WeChat's face check for the session; resolves with the evidence to confirm (even a failed one). */
  runFaceCheck(session: Verification, identity?: StartInput): Promise<FaceEvidence>;
  /** Hands the evidence to the gateway, which asks WeChat; the outcome is the session's status/lastError. */
  confirm(session: Verification | string, evidence: FaceEvidence): Promise<Verification>;
  /** Reads the session until it ends. */
  watch(id: string, options?: WatchOptions): Watch;
  /** One read of the session (null when it does not exist for this user). */
  get(id: string): Promise<Verification | null>;
  /** Ends an open session (CANCELED). */
  cancel(id: string): Promise<Verification>;
  /** The current consent text to show before the face check (GUARDIAN: a guardian's, for a child under 14). */
  consentText(kind?: ConsentKind): Promise<ConsentText>;
  /** The operator's alternative to the face and contact text. */
  options(): Promise<VerificationOptions>;
  /** For a session a service started: records the user's consent to `version` (before runFaceCheck). */
  acceptConsent(session: Verification | string, version: string): Promise<Verification>;
  /** The user withdraws consent: an open session ends CANCELED (CONSENT_WITHDRAWN). */
  withdrawConsent(session: Verification | string): Promise<Verification>;
  /** The user declined the consent: what to offer instead (nothing is sent; nothing is recorded). */
  decline(): Promise<VerificationOptions>;
  /**
   * The user chose the other way: an open session ends CANCELED (ALTERNATIVE_CHOSEN), then the alternative
   * opens (a page: wx.navigateTo; a web page: its link is copied). Never rejects for the session's sake.
   */
  chooseAlternative(session?: Verification | string | null): Promise<AlternativeChoice>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export interface Services {
  readonly api: GatewayApi;
  /** WeChat's face APIs; in DevTools against a sandbox gateway, after prepare(), the simulated step. */
  readonly face: GatewayAwareFaceClient;
}

// read once per wx: the appid does not change while the mini program runs
const ownAppIds = new WeakMap<object, string | null>();

/** The mini program's own appid; null when the base library cannot tell (old ones lack getAccountInfoSync). */
function ownAppId(wxApi: WxApi): string | null {
  if (ownAppIds.has(wxApi)) return ownAppIds.get(wxApi) ?? null;
  let appId: unknown = null;
  try {
    appId = (wxApi as Partial<WxApi>).getAccountInfoSync?.()?.miniProgram?.appId;
  } catch {
    // a base library that has the API but refuses it: as if it had none
  }
  const known = typeof appId === 'string' && appId !== '' ? appId : null;
  ownAppIds.set(wxApi, known);
  return known;
}

/** An explicit app: a slug or an appid, no longer than the gateway accepts. */
const APP_PATTERN = /^[\w-]{1,64}$/;

/** The gateway client and the face client for one gateway address (and one app). */
export function createServices(options: FaceGateOptions): Services {
  if (typeof options?.gateway !== 'string' || !/^https?:\/\/\S+$/.test(options.gateway)) {
    throw new FaceGateError('INVALID_GATEWAY', 'FaceGate 服务地址未配置或格式不正确', false, 'gateway');
  }
  if (options.app !== undefined && (typeof options.app !== 'string' || !APP_PATTERN.test(options.app))) {
    throw new FaceGateError('INVALID_APP', 'FaceGate 应用标识（app）格式不正确', false, 'app');
  }
  const wxApi = options.wx ?? wx;
  const app = options.app ?? ownAppId(wxApi);
  const transport = wxApi as unknown as WxTransport;
  const client = new GraphQLClient({
    wx: transport,
    url: () => options.gateway,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const api = new GatewayApi({
    client,
    wx: transport,
    gatewayUrl: () => options.gateway,
    app: () => app,
    now: () => Date.now(),
  });
  const wechat: FaceVerifyClient = new WxFaceVerifyClient(wxApi as never);
  const face = new GatewayAwareFaceClient(wechat, {
    api,
    wx: wxApi as unknown as SandboxWx,
    gatewayUrl: () => options.gateway,
  });
  return { api, face };
}

/** Any rejection as a FaceGateError with a zh-CN message. */
function toFaceGateError(error: unknown): FaceGateError {
  if (error instanceof FaceGateError) return error;
  const required = consentRequiredOf(error);
  if (required) {
    return new FaceGateError(
      'CONSENT_REQUIRED',
      '个人信息处理告知已更新，请阅读并同意后继续',
      true,
      'consent',
      { currentVersion: required.currentVersion, consentKind: required.kind },
    );
  }
  const minor = minorRefusalOf(error);
  if (minor) return FaceGateError.of(minor, 'idCardNumber');
  if (error instanceof ClientCheckFailure) return FaceGateError.of(failureMessage(error.failure));
  return FaceGateError.of(requestErrorMessage(error));
}

const typed =
  <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      throw toFaceGateError(error);
    }
  };

const idOf = (session: Verification | string) => (typeof session === 'string' ? session : session?.id);

function validIdentity(input: StartInput): PendingIdentity {
  const name = checkName(String(input?.name ?? ''));
  if (!name.ok) throw new FaceGateError('INVALID_NAME', name.error, false, 'name');
  const id = checkIdCardNumber(String(input?.idCardNumber ?? ''));
  if (!id.ok) throw new FaceGateError('INVALID_ID_CARD_NUMBER', id.error, false, 'idCardNumber');
  return { name: name.value, idCardNumber: id.value };
}

/** The plain API, for teams that build their own UI. Every method returns a promise; rejections are FaceGateError. */
export function createFaceGate(options: FaceGateOptions): FaceGate {
  const { api, face } = createServices(options);
  const wxApi = options.wx ?? wx;
  let optionsCache: VerificationOptions | null = null;
  const verificationOptions = async () => {
    optionsCache ??= await api.verificationOptions();
    return optionsCache;
  };
  const supported = async () => {
    await face.prepare();
    const capabilities = face.capabilities();
    if (!capabilities.v2 && !capabilities.legacy) throw FaceGateError.of(UNSUPPORTED);
    return capabilities;
  };

  const get = typed((id: string) => api.verification(id));

  const watch = (id: string, watchOptions: WatchOptions = {}): Watch => {
    let stopped = false;
    // the pending wait between two reads, so stop() ends it at once
    const pause: { timer: ReturnType<typeof setTimeout> | null; wake: (() => void) | null } = {
      timer: null,
      wake: null,
    };
    const intervalMs = watchOptions.intervalMs ?? 2_000;
    const done = (async () => {
      for (;;) {
        if (stopped) throw new FaceGateError('STOPPED', '已停止查询核验状态', false);
        const verification = await get(id);
        if (stopped) throw new FaceGateError('STOPPED', '已停止查询核验状态', false);
        if (!verification)
          throw FaceGateError.of(requestErrorMessage(new GatewayRequestError('NOT_FOUND', '')));
        watchOptions.onUpdate?.(verification);
        if (verification.status !== 'PENDING') return verification;
        await new Promise<void>((resolve) => {
          pause.wake = resolve;
          pause.timer = setTimeout(resolve, intervalMs);
        });
      }
    })();
    return Object.assign(done, {
      stop() {
        stopped = true;
        if (pause.timer) clearTimeout(pause.timer);
        pause.wake?.();
      },
    });
  };

  return {
    signIn: typed(async () => {
      await api.ensureSignedIn();
    }),
    start: typed(async (input: StartInput) => {
      const identity = validIdentity(input);
      const version = typeof input.consentVersion === 'string' ? input.consentVersion : null;
      return startSession(api, identity, await supported(), version);
    }),
    runFaceCheck: typed(async (session: Verification, identity?: StartInput) => {
      // No face API before the gateway holds a receipt (startVerification with consent, or acceptConsent).
      if (!session?.consentReceipt) {
        throw new FaceGateError('CONSENT_REQUIRED', '请先阅读并同意个人信息处理告知', true, 'consent', {
          currentVersion: null,
          consentKind: session?.guardianRequired ? 'GUARDIAN' : 'STANDARD',
        });
      }
      const step = await runFaceCheckFor(
        face,
        session,
        await supported(),
        identity ? validIdentity(identity) : null,
      );
      if (!step.ok) throw FaceGateError.of(step.message);
      return step.input;
    }),
    confirm: typed(async (session: Verification | string, evidence: FaceEvidence) => {
      const id = typeof session === 'string' ? session : session.id;
      return confirmWithRecovery(api, { ...evidence, id });
    }),
    watch,
    get,
    cancel: typed((id: string) => api.cancelVerification(id)),
    consentText: typed(async (kind: ConsentKind = 'STANDARD') => {
      const text = await api.consentText(kind);
      if (!text) throw FaceGateError.of(NO_CONSENT_TEXT);
      return { ...text, display: consentViewOf(text, languageOf(wxApi)) };
    }),
    options: typed(verificationOptions),
    acceptConsent: typed((session: Verification | string, version: string) =>
      api.acceptConsent(idOf(session), version),
    ),
    withdrawConsent: typed((session: Verification | string) => api.withdrawConsent(idOf(session))),
    decline: typed(verificationOptions),
    chooseAlternative: typed(async (session?: Verification | string | null) => {
      const id = session ? idOf(session) : null;
      const verification = id ? await api.chooseAlternative(id).catch(() => null) : null;
      const offered = await verificationOptions().catch(() => null);
      return { verification, opened: await openAlternative(wxApi as never, offered) };
    }),
  };
}
