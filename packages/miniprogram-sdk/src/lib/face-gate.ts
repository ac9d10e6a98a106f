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
     * INVALID_NAME, INVALID_ID_CARD_NUMBER, INVALID_GATEWAY or STOPPED. */
    readonly code: string,
    /** zh-CN, ready to show. */
    message: string,
    readonly retryable: boolean,
    /** The input field at fault, for the INVALID_* codes. */
    readonly field: string | null = null,
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
  /** wx.request timeout in milliseconds (default 15 000). */
  readonly timeoutMs?: number;
  /** The `wx` to use; the global one by default (tests pass their own). */
  readonly wx?: WxApi;
}

export interface StartInput {
  readonly name: string;
  readonly idCardNumber: string;
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
}

const DEFAULT_TIMEOUT_MS = 15_000;

export interface Services {
  readonly api: GatewayApi;
  /** WeChat's face APIs; in DevTools against a sandbox gateway, after prepare(), the simulated step. */
  readonly face: GatewayAwareFaceClient;
}

/** The gateway client and the face client for one gateway address. */
export function createServices(options: FaceGateOptions): Services {
  if (typeof options?.gateway !== 'string' || !/^https?:\/\/\S+$/.test(options.gateway)) {
    throw new FaceGateError('INVALID_GATEWAY', 'FaceGate 服务地址未配置或格式不正确', false, 'gateway');
  }
  const wxApi = options.wx ?? wx;
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
      return startSession(api, identity, await supported());
    }),
    runFaceCheck: typed(async (session: Verification, identity?: StartInput) => {
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
  };
}
