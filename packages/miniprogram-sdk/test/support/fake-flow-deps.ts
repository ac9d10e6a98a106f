import type {
  DeviceCapabilities,
  FaceVerifyClient,
  LegacyCheckOutcome,
  LegacyCheckRequest,
  V2CheckOutcome,
  V2CheckRequest,
} from '@facegate/domain';
import { GatewayRequestError } from '../../src/lib/graphql-client';
import type {
  ConfirmVerificationInput,
  StartVerificationInput,
  VerificationData,
  VerificationErrorData,
} from '../../src/lib/graphql-types';
import type { ConsentKind, ConsentTextData, VerificationOptionsData } from '../../src/lib/privacy-types';
import type { FlowState } from '../../src/lib/verification-flow';

export const ALL_CAPABILITIES: DeviceCapabilities = {
  v2: true,
  legacy: true,
  livenessTypes: ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS'],
  sdkVersion: '3.9.0',
  clientVersion: '8.0.50',
};

export function aVerification(overrides: Partial<VerificationData> = {}): VerificationData {
  return {
    id: 'ver-1',
    status: 'PENDING',
    protocol: 'V2',
    livenessType: null,
    maskedName: '张*',
    maskedIdCardNumber: '1101**********002X',
    attempts: 0,
    maxAttempts: 3,
    lastError: null,
    expiresAt: '2030-01-01T00:00:00Z',
    verifiedAt: null,
    guardianRequired: false,
    cancelReason: null,
    // accepted unless a test says otherwise: most tests are about what comes after the consent
    consentReceipt: { id: 'rcpt-1', version: 'v1', acceptedAt: '2026-01-01T00:00:00Z', withdrawnAt: null },
    clientParams: { __typename: 'V2ClientParams', verifyId: 'vid-1' },
    ...overrides,
  };
}

export function aConsentText(overrides: Partial<ConsentTextData> = {}): ConsentTextData {
  return {
    version: 'v1',
    kind: 'STANDARD',
    purpose: '身份核验',
    textZh: '我们将使用您的姓名、身份证号码和人脸信息核验身份。\n您可以拒绝并使用其他方式。',
    textEn: 'We will use your name, ID number and face to verify your identity.\nYou may refuse.',
    sha256: 'a'.repeat(64),
    publishedAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export const GUARDIAN_TEXT = aConsentText({
  version: 'g1',
  kind: 'GUARDIAN',
  textZh: '监护人同意书',
  textEn: null,
});

/** CONSENT_REQUIRED as the gateway answers it (BAD_USER_INPUT, the rule and the version to show). */
export const consentRequired = (currentVersion: string | null, kind: ConsentKind = 'STANDARD') =>
  new GatewayRequestError('BAD_USER_INPUT', 'consent to the current text is required', 'consent', {
    code: 'BAD_USER_INPUT',
    rule: 'CONSENT_REQUIRED',
    currentVersion,
    consentKind: kind,
  });

export const MINOR_MESSAGE_ZH =
  '未满十四周岁的用户需由监护人陪同并同意后方可进行人脸核身，请使用其他方式验证或联系客服。';
export const minorNeedsGuardian = () =>
  new GatewayRequestError('BAD_USER_INPUT', 'the holder is under 14', 'idCardNumber', {
    code: 'BAD_USER_INPUT',
    rule: 'MINOR_NEEDS_GUARDIAN',
    messageZh: MINOR_MESSAGE_ZH,
  });

type FakeOp = 'start' | 'confirm' | 'read' | 'signIn' | 'text' | 'options' | 'accept' | 'alternative';

type ConfirmScript = (input: ConfirmVerificationInput, session: VerificationData) => VerificationData | Error;

/** The gateway as the flow sees it, in memory, with scripted confirm outcomes. */
export class FakeGatewayApi {
  readonly sessions = new Map<string, VerificationData>();
  readonly started: StartVerificationInput[] = [];
  readonly confirmed: ConfirmVerificationInput[] = [];
  readonly reads: string[] = [];
  readonly accepted: { verificationId: string; version: string }[] = [];
  readonly alternativesChosen: string[] = [];
  readonly textReads: ConsentKind[] = [];
  /** The current texts; a start or an acceptance must name the current version of the kind needed. */
  texts: Record<ConsentKind, ConsentTextData | null> = { STANDARD: aConsentText(), GUARDIAN: GUARDIAN_TEXT };
  /** ID numbers of holders under 14, and what the deployment does with them. */
  minors = new Set<string>();
  minorsPolicy: 'REFUSE' | 'GUARDIAN' = 'REFUSE';
  options: VerificationOptionsData = {
    alternative: { kind: 'PAGE', target: '/pages/counter/index', label: '到柜台办理' },
    contact: null,
    minors: 'REFUSE',
  };
  signIns = 0;
  enabledProtocols: ('V2' | 'LEGACY')[] = ['V2', 'LEGACY'];
  confirmScript: ConfirmScript[] = [];
  failNext: { op: FakeOp; error: Error }[] = [];
  private nextId = 1;

  private maybeFail(op: FakeOp): void {
    const index = this.failNext.findIndex((f) => f.op === op);
    if (index >= 0) {
      const [failure] = this.failNext.splice(index, 1);
      throw failure!.error;
    }
  }

  async ensureSignedIn(): Promise<string> {
    this.maybeFail('signIn');
    this.signIns += 1;
    return 'token';
  }

  async startVerification(input: StartVerificationInput): Promise<VerificationData> {
    this.maybeFail('start');
    this.started.push(input);
    const minor = this.minors.has(input.idCardNumber);
    if (minor && this.minorsPolicy === 'REFUSE') throw minorNeedsGuardian();
    const kind: ConsentKind = minor ? 'GUARDIAN' : 'STANDARD';
    const current = this.texts[kind];
    if (!current || input.consent?.version !== current.version)
      throw consentRequired(current?.version ?? null, kind);
    const protocol = input.protocol ?? 'V2';
    if (!this.enabledProtocols.includes(protocol)) {
      throw new GatewayRequestError('BAD_USER_INPUT', `protocol ${protocol} is not enabled`, 'protocol');
    }
    const id = `ver-${this.nextId++}`;
    const session = aVerification({
      id,
      protocol,
      guardianRequired: minor,
      consentReceipt: {
        id: `rcpt-${id}`,
        version: current.version,
        acceptedAt: '2026-01-01T00:00:00Z',
        withdrawnAt: null,
      },
      livenessType: protocol === 'LEGACY' ? (input.livenessType ?? 'SCREEN_FLASH_OR_READ_DIGITS') : null,
      clientParams:
        protocol === 'V2'
          ? { __typename: 'V2ClientParams', verifyId: `vid-${id}-0` }
          : {
              __typename: 'LegacyClientParams',
              checkAliveType: 2,
              name: null,
              idCardNumber: null,
              userIdKey: null,
            },
    });
    this.sessions.set(id, session);
    return session;
  }

  async confirmVerification(input: ConfirmVerificationInput): Promise<VerificationData> {
    this.maybeFail('confirm');
    this.confirmed.push(input);
    const session = this.sessions.get(input.id);
    if (!session) throw new GatewayRequestError('NOT_FOUND', 'not found');
    const script = this.confirmScript.shift() ?? passes;
    const next = script(input, session);
    if (next instanceof Error) throw next;
    this.sessions.set(input.id, next);
    return next;
  }

  async consentText(kind: ConsentKind = 'STANDARD'): Promise<ConsentTextData | null> {
    this.maybeFail('text');
    this.textReads.push(kind);
    return this.texts[kind];
  }

  async verificationOptions(): Promise<VerificationOptionsData> {
    this.maybeFail('options');
    return this.options;
  }

  async acceptConsent(verificationId: string, version: string): Promise<VerificationData> {
    this.maybeFail('accept');
    this.accepted.push({ verificationId, version });
    const session = this.sessions.get(verificationId);
    if (!session) throw new GatewayRequestError('NOT_FOUND', 'not found');
    if (session.consentReceipt) return session;
    const kind: ConsentKind = session.guardianRequired ? 'GUARDIAN' : 'STANDARD';
    const current = this.texts[kind];
    if (!current || version !== current.version) throw consentRequired(current?.version ?? null, kind);
    const next = aVerification({
      ...session,
      consentReceipt: {
        id: `rcpt-${verificationId}`,
        version,
        acceptedAt: '2026-01-01T00:00:00Z',
        withdrawnAt: null,
      },
    });
    this.sessions.set(verificationId, next);
    return next;
  }

  async chooseAlternative(verificationId: string): Promise<VerificationData> {
    this.maybeFail('alternative');
    this.alternativesChosen.push(verificationId);
    const session = this.sessions.get(verificationId);
    if (!session) throw new GatewayRequestError('NOT_FOUND', 'not found');
    if (session.status !== 'PENDING') return session;
    const next = aVerification({
      ...session,
      status: 'CANCELED',
      cancelReason: 'ALTERNATIVE_CHOSEN',
      clientParams: null,
    });
    this.sessions.set(verificationId, next);
    return next;
  }

  async verification(id: string): Promise<VerificationData | null> {
    this.maybeFail('read');
    this.reads.push(id);
    return this.sessions.get(id) ?? null;
  }
}

export const passes: ConfirmScript = (_input, s) =>
  aVerification({
    ...s,
    status: 'VERIFIED',
    attempts: s.attempts + 1,
    verifiedAt: '2025-06-01T00:00:00Z',
    clientParams: null,
  });

export const failsWith =
  (error: VerificationErrorData, status: VerificationData['status'] = 'PENDING'): ConfirmScript =>
  (_input, s) =>
    aVerification({
      ...s,
      status,
      attempts: s.attempts + 1,
      lastError: error,
      clientParams:
        status === 'PENDING' && s.clientParams?.__typename === 'V2ClientParams'
          ? { __typename: 'V2ClientParams', verifyId: `${s.clientParams.verifyId}+` }
          : status === 'PENDING'
            ? s.clientParams
            : null,
    });

/** A FaceVerifyClient whose checks answer from a script (errCode 0 + a verifyResult by default). */
export class FakeFaceClient implements FaceVerifyClient {
  readonly legacyRuns: LegacyCheckRequest[] = [];
  readonly v2Runs: V2CheckRequest[] = [];
  supportChecks: number[] = [];
  supported = true;
  nextErrCodes: number[] = [];
  /** When set, the next check never answers until release() is called. */
  hold = false;
  private release_: (() => void) | null = null;

  constructor(public caps: DeviceCapabilities = ALL_CAPABILITIES) {}

  capabilities(): DeviceCapabilities {
    return this.caps;
  }
  async checkSupport(checkAliveType: number) {
    this.supportChecks.push(checkAliveType);
    return { supported: this.supported, errCode: this.supported ? 0 : 10001 };
  }
  async runLegacyCheck(request: LegacyCheckRequest): Promise<LegacyCheckOutcome> {
    this.legacyRuns.push(request);
    await this.wait();
    const errCode = this.nextErrCodes.shift() ?? 0;
    return { errCode, verifyResult: errCode === 0 ? `vr-${this.legacyRuns.length}` : null };
  }
  async runV2Check(request: V2CheckRequest): Promise<V2CheckOutcome> {
    this.v2Runs.push(request);
    await this.wait();
    return { errCode: this.nextErrCodes.shift() ?? 0 };
  }
  release(): void {
    this.release_?.();
  }
  private wait(): Promise<void> {
    if (!this.hold) return Promise.resolve();
    this.hold = false;
    return new Promise((resolve) => {
      this.release_ = resolve;
    });
  }
}

export function recordStates() {
  const states: FlowState[] = [];
  return { states, onState: (s: FlowState) => states.push(s), last: () => states[states.length - 1] };
}
