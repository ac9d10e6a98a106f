import type { DeviceCapabilities, FaceVerifyClient, LivenessType } from '@facegate/domain';
import { failureFromClientErrCode } from '@facegate/domain';
import type { PendingIdentity } from './flow.store';
import type { GatewayApi } from './gateway-api';
import { GatewayRequestError } from './graphql-client';
import type { ConfirmVerificationInput, VerificationData } from './graphql-types';
import { failureMessage, failureMessageOf, requestErrorMessage, type UserMessage } from './messages';

export type FlowStep = 'device' | 'signing-in' | 'starting' | 'loading' | 'face' | 'confirming';

export type FlowState =
  | { readonly kind: 'working'; readonly step: FlowStep }
  /** Something needs the user: a failed attempt, a network problem, an unsupported device. */
  | {
      readonly kind: 'attention';
      readonly message: UserMessage;
      readonly verification: VerificationData | null;
      /** The identity must be entered (again) on the identity page to go on. */
      readonly needsIdentity: boolean;
    }
  /** The face check was left (app hidden) and its answer never came: the session is still open. */
  | { readonly kind: 'interrupted'; readonly verification: VerificationData }
  /** The session ended (VERIFIED, FAILED, CANCELED, or EXPIRED with no way to replace it). */
  | { readonly kind: 'finished'; readonly verification: VerificationData };

export interface VerifyFlowDeps {
  readonly api: Pick<
    GatewayApi,
    'ensureSignedIn' | 'startVerification' | 'confirmVerification' | 'verification'
  >;
  readonly face: FaceVerifyClient;
  /** The identity typed on the identity page; null for a session a business backend started. */
  readonly identity: () => PendingIdentity | null;
  readonly onState: (state: FlowState) => void;
  readonly onSession?: (verificationId: string) => void;
}

/** Prefer flash-or-digits (WeChat picks what the light allows); fall back to what the client can run. */
export function chooseLivenessType(capabilities: DeviceCapabilities): LivenessType | undefined {
  const order: LivenessType[] = ['SCREEN_FLASH_OR_READ_DIGITS', 'READ_DIGITS', 'SCREEN_FLASH'];
  return order.find((type) => capabilities.livenessTypes.includes(type));
}

/** The gateway refused the requested protocol (this app is not approved for it there). */
export function isProtocolRejected(error: unknown): boolean {
  return (
    error instanceof GatewayRequestError &&
    error.code === 'BAD_USER_INPUT' &&
    (error.field === 'protocol' || /protocol/i.test(error.message))
  );
}

/** Only the fields that were actually produced: the gateway treats an absent field differently from null. */
export function confirmInputOf(
  id: string,
  outcome: { errCode: number; verifyResult?: string | null; verifyId?: string },
): ConfirmVerificationInput {
  return {
    id,
    // v2: naming the verifyId that ran lets a resend after a lost answer get its own attempt's outcome.
    ...(outcome.verifyId ? { verifyId: outcome.verifyId } : {}),
    ...(outcome.verifyResult ? { verifyResult: outcome.verifyResult } : {}),
    ...(outcome.errCode !== 0 ? { clientErrCode: outcome.errCode } : {}),
  };
}

const UNSUPPORTED: UserMessage = failureMessageOf('DEVICE_UNSUPPORTED');

/**
 * The verify page's flow, free of wx and of the page: sign in, find or start the session, run the face
 * check the session asks for, confirm, and say what happened. Every step can be re-entered with run():
 * a confirm lost to the network is re-sent with the same evidence, an expired session is replaced.
 */
export class VerifyFlow {
  private verificationId: string | null;
  private pendingConfirm: ConfirmVerificationInput | null = null;
  private run_ = 0;
  private busy = false;
  private inFaceCheck = false;
  private disposed = false;

  constructor(
    private readonly deps: VerifyFlowDeps,
    options: { verificationId?: string | null } = {},
  ) {
    this.verificationId = options.verificationId ?? null;
  }

  get currentVerificationId(): string | null {
    return this.verificationId;
  }

  get isWaitingForFaceCheck(): boolean {
    return this.inFaceCheck;
  }

  /** The page is gone: abandon whatever is in flight (its answers are ignored) and stop emitting. */
  dispose(): void {
    this.disposed = true;
    this.run_ += 1;
  }

  /**
   * Runs (or continues) the flow. A second call while one is running is ignored, except when the user
   * continues after an interrupted face check: then the stale run is abandoned.
   */
  async run(options: { supersede?: boolean } = {}): Promise<void> {
    if (this.busy && !options.supersede) return;
    const run = ++this.run_;
    this.busy = true;
    this.inFaceCheck = false;
    try {
      await this.proceed(run);
    } catch (error) {
      if (run === this.run_) this.attention(requestErrorMessage(error), null);
    } finally {
      if (run === this.run_) {
        this.busy = false;
        this.inFaceCheck = false;
      }
    }
  }

  /**
   * The page came back while the face check's answer is still outstanding (the user left the face check).
   * Re-reads the session: ended -> finished; still open -> interrupted, so the user can continue.
   */
  async resume(): Promise<void> {
    if (!this.inFaceCheck || !this.verificationId) return;
    const run = this.run_;
    try {
      const verification = await this.deps.api.verification(this.verificationId);
      if (run !== this.run_ || !this.inFaceCheck) return; // the answer arrived meanwhile
      if (!verification)
        return this.attention(requestErrorMessage(new GatewayRequestError('NOT_FOUND', '')), null);
      if (verification.status === 'PENDING') this.emit({ kind: 'interrupted', verification });
      else if (verification.status === 'EXPIRED' && this.deps.identity()) {
        this.verificationId = null;
        this.emit({ kind: 'interrupted', verification });
      } else this.emit({ kind: 'finished', verification });
    } catch (error) {
      if (run === this.run_ && this.inFaceCheck) this.attention(requestErrorMessage(error), null);
    }
  }

  private async proceed(run: number): Promise<void> {
    this.emit({ kind: 'working', step: 'device' });
    const capabilities = this.deps.face.capabilities();
    if (!capabilities.v2 && !capabilities.legacy) return this.attention(UNSUPPORTED, null);

    this.emit({ kind: 'working', step: 'signing-in' });
    await this.deps.api.ensureSignedIn();

    if (this.pendingConfirm) return this.confirm(run, this.pendingConfirm);

    const verification = await this.openSession(capabilities);
    if (!verification || run !== this.run_) return;

    const input = await this.faceCheck(run, verification, capabilities);
    if (!input || run !== this.run_) return;
    await this.confirm(run, input);
  }

  /** The open session to run: the one we have (re-read), or a new one. Null when the flow cannot go on. */
  private async openSession(capabilities: DeviceCapabilities): Promise<VerificationData | null> {
    if (this.verificationId) {
      this.emit({ kind: 'working', step: 'loading' });
      const existing = await this.deps.api.verification(this.verificationId);
      if (!existing) {
        this.attention(requestErrorMessage(new GatewayRequestError('NOT_FOUND', '')), null);
        return null;
      }
      if (existing.status === 'PENDING') return existing;
      if (existing.status !== 'EXPIRED' || !this.deps.identity()) {
        this.emit({ kind: 'finished', verification: existing });
        return null;
      }
      // Expired and we still hold the identity: replace it with a fresh session.
      this.verificationId = null;
    }
    const identity = this.deps.identity();
    if (!identity) {
      this.attention({ text: '请先填写姓名和身份证号码', retryable: false }, null, true);
      return null;
    }
    this.emit({ kind: 'working', step: 'starting' });
    const started = await this.start(identity, capabilities);
    this.verificationId = started.id;
    this.deps.onSession?.(started.id);
    return started;
  }

  private async start(
    identity: PendingIdentity,
    capabilities: DeviceCapabilities,
  ): Promise<VerificationData> {
    const livenessType = chooseLivenessType(capabilities);
    const legacy = {
      name: identity.name,
      idCardNumber: identity.idCardNumber,
      protocol: 'LEGACY' as const,
      ...(livenessType ? { livenessType } : {}),
    };
    if (!capabilities.v2) return this.deps.api.startVerification(legacy);
    try {
      return await this.deps.api.startVerification({ ...identity, protocol: 'V2' });
    } catch (error) {
      if (capabilities.legacy && isProtocolRejected(error)) return this.deps.api.startVerification(legacy);
      throw error;
    }
  }

  /** Runs the check the session asks for; returns what to confirm, or null when it cannot run here. */
  private async faceCheck(
    run: number,
    verification: VerificationData,
    capabilities: DeviceCapabilities,
  ): Promise<ConfirmVerificationInput | null> {
    const params = verification.clientParams;
    if (!params) {
      this.attention({ text: '核验参数缺失，请返回重新发起核验', retryable: false }, verification);
      return null;
    }
    this.emit({ kind: 'working', step: 'face' });
    if (params.__typename === 'V2ClientParams') {
      if (!capabilities.v2) {
        this.attention(
          { text: '当前微信版本不支持此核验，请升级微信到最新版本后重试', retryable: false },
          verification,
        );
        return null;
      }
      this.inFaceCheck = true;
      const outcome = await this.deps.face.runV2Check({ verifyId: params.verifyId });
      if (run !== this.run_) return null;
      this.inFaceCheck = false;
      return confirmInputOf(verification.id, { errCode: outcome.errCode, verifyId: params.verifyId });
    }

    if (!capabilities.legacy) {
      this.attention(UNSUPPORTED, verification);
      return null;
    }
    const support = await this.deps.face.checkSupport(params.checkAliveType);
    if (!support.supported) {
      this.attention(UNSUPPORTED, verification);
      return null;
    }
    const identity = this.deps.identity();
    const who = params.userIdKey
      ? { userIdKey: params.userIdKey }
      : params.name && params.idCardNumber
        ? { name: params.name, idCardNumber: params.idCardNumber }
        : identity
          ? { name: identity.name, idCardNumber: identity.idCardNumber }
          : null;
    if (!who) {
      this.attention({ text: '核验参数缺失，请返回重新发起核验', retryable: false }, verification);
      return null;
    }
    this.inFaceCheck = true;
    const outcome = await this.deps.face.runLegacyCheck({ checkAliveType: params.checkAliveType, ...who });
    if (run !== this.run_) return null;
    this.inFaceCheck = false;
    return confirmInputOf(verification.id, outcome);
  }

  private async confirm(run: number, input: ConfirmVerificationInput): Promise<void> {
    // Kept until the gateway answers, so a retry after a lost connection re-sends the same evidence.
    this.pendingConfirm = input;
    this.emit({ kind: 'working', step: 'confirming' });
    let verification: VerificationData;
    try {
      verification = await this.deps.api.confirmVerification(input);
    } catch (error) {
      if (!(error instanceof GatewayRequestError)) throw error;
      this.pendingConfirm = null;
      if (error.code === 'CONFLICT') {
        // Already confirmed (our first request did arrive) or ended meanwhile: the session knows.
        const current = await this.deps.api.verification(input.id);
        if (current && run === this.run_) return this.settle(current);
      }
      if (error.code === 'BAD_USER_INPUT' && input.clientErrCode !== undefined) {
        return this.attention(failureMessage(failureFromClientErrCode(input.clientErrCode)), null);
      }
      throw error;
    }
    this.pendingConfirm = null;
    if (run === this.run_) this.settle(verification);
  }

  private settle(verification: VerificationData): void {
    if (verification.status === 'PENDING') {
      const message = verification.lastError
        ? failureMessage(verification.lastError)
        : { text: '核验未完成，请重试', retryable: true };
      const attemptsLeft = verification.attempts < verification.maxAttempts;
      this.attention({ ...message, retryable: message.retryable && attemptsLeft }, verification);
    } else if (verification.status === 'EXPIRED' && this.deps.identity()) {
      this.verificationId = null;
      this.attention({ text: '核验已超时，请重新核验', retryable: true }, verification);
    } else {
      this.emit({ kind: 'finished', verification });
    }
  }

  private attention(
    message: UserMessage,
    verification: VerificationData | null,
    needsIdentity = false,
  ): void {
    this.emit({ kind: 'attention', message, verification, needsIdentity });
  }

  private emit(state: FlowState): void {
    if (!this.disposed) this.deps.onState(state);
  }
}
