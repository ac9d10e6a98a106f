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
import { consentRequiredOf, minorRefusalOf, NO_CONSENT_TEXT } from './privacy';
import type { ConsentKind, ConsentTextData } from './privacy-types';

export { chooseLivenessType, confirmInputOf, isProtocolRejected } from './face-steps';

export type FlowStep = 'device' | 'signing-in' | 'consent' | 'starting' | 'loading' | 'face' | 'confirming';

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
  /**
   * The user must read and agree to this text before anything goes on (no face API has been called): the
   * first time, or again because the text changed or a guardian's text is needed (`changed`).
   */
  | {
      readonly kind: 'consent';
      readonly text: ConsentTextData;
      readonly verification: VerificationData | null;
      readonly changed: boolean;
    }
  /** The face check was left (app hidden) and its answer never came: the session is still open. */
  | { readonly kind: 'interrupted'; readonly verification: VerificationData }
  /** The session ended (VERIFIED, FAILED, CANCELED, or EXPIRED with no way to replace it). */
  | { readonly kind: 'finished'; readonly verification: VerificationData };

export interface VerifyFlowDeps {
  readonly api: Pick<
    GatewayApi,
    | 'ensureSignedIn'
    | 'startVerification'
    | 'confirmVerification'
    | 'verification'
    | 'consentText'
    | 'acceptConsent'
    | 'chooseAlternative'
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
  /** The text the user agreed to in this flow (its version goes with the start, or to acceptConsent). */
  private agreed: ConsentTextData | null;
  /** The gateway refused a confirm for want of a receipt: accept, then re-send the same evidence. */
  private acceptBeforeConfirm = false;

  constructor(
    private readonly deps: VerifyFlowDeps,
    options: { verificationId?: string | null; consent?: ConsentTextData | null } = {},
  ) {
    this.verificationId = options.verificationId ?? null;
    this.agreed = options.consent ?? null;
  }

  /** The user agreed to `text` (shown by a 'consent' state, or in the form): run() goes on with it. */
  agree(text: ConsentTextData): void {
    this.agreed = text;
  }

  /**
   * The user chose the other way to verify: in-flight answers are ignored from now on and an open session
   * ends CANCELED (ALTERNATIVE_CHOSEN). Never rejects: the user goes on to the alternative whatever the
   * network does (a session that could not be told expires on its own).
   */
  async chooseAlternative(): Promise<VerificationData | null> {
    this.run_ += 1;
    this.busy = false;
    this.inFaceCheck = false;
    const id = this.verificationId;
    if (!id) return null;
    try {
      return await this.deps.api.chooseAlternative(id);
    } catch {
      return null;
    }
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

    if (this.pendingConfirm) {
      if (this.acceptBeforeConfirm && this.verificationId) {
        const accepted = await this.accept(run, this.verificationId);
        if (!accepted || run !== this.run_) return;
        this.acceptBeforeConfirm = false;
      }
      return this.confirm(run, this.pendingConfirm);
    }

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
      if (existing.status === 'PENDING') return this.withReceipt(existing);
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
    if (!this.agreed) {
      await this.askConsent('STANDARD', null, false);
      return null;
    }
    this.emit({ kind: 'working', step: 'starting' });
    let started: VerificationData;
    try {
      started = await startSession(this.deps.api, identity, capabilities, this.agreed.version);
    } catch (error) {
      if (await this.consentOrMinorRefusal(error, null)) return null;
      throw error;
    }
    this.verificationId = started.id;
    this.deps.onSession?.(started.id);
    return started;
  }

  /**
   * A service-started session reaches the face check only with a receipt: accepted here (acceptConsent) once
   * the user agreed to the text of the kind the session needs. Null when the user must agree first.
   */
  private async withReceipt(session: VerificationData): Promise<VerificationData | null> {
    if (session.consentReceipt) return session;
    const kind: ConsentKind = session.guardianRequired ? 'GUARDIAN' : 'STANDARD';
    if (!this.agreed || this.agreed.kind !== kind) {
      await this.askConsent(kind, session, false);
      return null;
    }
    const accepted = await this.accept(this.run_, session.id);
    if (accepted && accepted.status !== 'PENDING') {
      this.emit({ kind: 'finished', verification: accepted });
      return null;
    }
    return accepted;
  }

  /** acceptConsent with the agreed version; null (and the text, or the refusal, shown) when refused. */
  private async accept(run: number, verificationId: string): Promise<VerificationData | null> {
    if (!this.agreed) {
      await this.askConsent('STANDARD', null, false);
      return null;
    }
    this.emit({ kind: 'working', step: 'consent' });
    try {
      return await this.deps.api.acceptConsent(verificationId, this.agreed.version);
    } catch (error) {
      if (run === this.run_ && (await this.consentOrMinorRefusal(error, null))) return null;
      throw error;
    }
  }

  /** CONSENT_REQUIRED: the text to agree to now is shown; MINOR_NEEDS_GUARDIAN: the gateway's zh-CN words. */
  private async consentOrMinorRefusal(
    error: unknown,
    verification: VerificationData | null,
  ): Promise<boolean> {
    const required = consentRequiredOf(error);
    if (required) {
      this.agreed = null;
      await this.askConsent(required.kind, verification, true);
      return true;
    }
    const minor = minorRefusalOf(error);
    if (minor) {
      this.attention(minor, verification);
      return true;
    }
    return false;
  }

  /** Fetches the current text of `kind` and asks the user (nothing else runs until they agree). */
  private async askConsent(
    kind: ConsentKind,
    verification: VerificationData | null,
    changed: boolean,
  ): Promise<void> {
    this.emit({ kind: 'working', step: 'consent' });
    const text = await this.deps.api.consentText(kind);
    if (!text) return this.attention(NO_CONSENT_TEXT, verification);
    this.emit({ kind: 'consent', text, verification, changed });
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
      if (consentRequiredOf(error)) {
        // Refused before WeChat was asked: keep the evidence, accept the text, then send it again.
        this.acceptBeforeConfirm = true;
        if (run === this.run_) await this.consentOrMinorRefusal(error, null);
        return;
      }
      if (error instanceof GatewayRequestError) this.pendingConfirm = null;
      if (run === this.run_ && (await this.consentOrMinorRefusal(error, null))) return;
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
