import type { DeviceCapabilities, FaceVerifyClient } from '@facegate/domain';
import {
  ClientCheckFailure,
  confirmWithRecovery,
  runFaceCheckFor,
  startSession,
  UNSUPPORTED,
} from './face-steps';
import type { GatewayApi } from './gateway-api';
import { GatewayRequestError } from './graphql-client';
import type { ConfirmVerificationInput, VerificationData } from './graphql-types';
import type { PendingIdentity } from './identity-form';
import { failureMessage, requestErrorMessage, type UserMessage } from './messages';

export { chooseLivenessType, confirmInputOf, isProtocolRejected } from './face-steps';

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
  /** prepare(), when there, decides which face step runs before the device is checked (sandbox-face.ts). */
  readonly face: FaceVerifyClient & { prepare?(): Promise<void> };
  /** The identity typed in the form; null for a session a business backend started. */
  readonly identity: () => PendingIdentity | null;
  readonly onState: (state: FlowState) => void;
  readonly onSession?: (verificationId: string) => void;
}

/**
 * The component's flow, free of wx and of the view: sign in, find or start the session, run the face
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
    await this.deps.face.prepare?.();
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
      this.attention(
        { code: 'IDENTITY_REQUIRED', text: '请先填写姓名和身份证号码', retryable: false },
        null,
        true,
      );
      return null;
    }
    this.emit({ kind: 'working', step: 'starting' });
    const started = await startSession(this.deps.api, identity, capabilities);
    this.verificationId = started.id;
    this.deps.onSession?.(started.id);
    return started;
  }

  /** Runs the check the session asks for; returns what to confirm, or null when it cannot run here. */
  private async faceCheck(
    run: number,
    verification: VerificationData,
    capabilities: DeviceCapabilities,
  ): Promise<ConfirmVerificationInput | null> {
    this.emit({ kind: 'working', step: 'face' });
    const step = await runFaceCheckFor(
      this.deps.face,
      verification,
      capabilities,
      this.deps.identity(),
      () => {
        this.inFaceCheck = true;
      },
    );
    if (run !== this.run_) return null;
    this.inFaceCheck = false;
    if (!step.ok) {
      this.attention(step.message, verification);
      return null;
    }
    return step.input;
  }

  private async confirm(run: number, input: ConfirmVerificationInput): Promise<void> {
    // Kept until the gateway answers, so a retry after a lost connection re-sends the same evidence.
    this.pendingConfirm = input;
    this.emit({ kind: 'working', step: 'confirming' });
    let verification: VerificationData;
    try {
      verification = await confirmWithRecovery(this.deps.api, input);
    } catch (error) {
      if (error instanceof ClientCheckFailure) {
        this.pendingConfirm = null;
        return this.attention(failureMessage(error.failure), null);
      }
      if (error instanceof GatewayRequestError) this.pendingConfirm = null;
      throw error;
    }
    this.pendingConfirm = null;
    if (run === this.run_) this.settle(verification);
  }

  private settle(verification: VerificationData): void {
    if (verification.status === 'PENDING') {
      const message = verification.lastError
        ? failureMessage(verification.lastError)
        : { code: 'NOT_COMPLETED', text: '核验未完成，请重试', retryable: true };
      const attemptsLeft = verification.attempts < verification.maxAttempts;
      this.attention({ ...message, retryable: message.retryable && attemptsLeft }, verification);
    } else if (verification.status === 'EXPIRED' && this.deps.identity()) {
      this.verificationId = null;
      this.attention({ code: 'EXPIRED', text: '核验已超时，请重新核验', retryable: true }, verification);
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
