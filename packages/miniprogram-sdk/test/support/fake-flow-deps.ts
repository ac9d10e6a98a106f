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
    clientParams: { __typename: 'V2ClientParams', verifyId: 'vid-1' },
    ...overrides,
  };
}

type ConfirmScript = (input: ConfirmVerificationInput, session: VerificationData) => VerificationData | Error;

/** The gateway as the flow sees it, in memory, with scripted confirm outcomes. */
export class FakeGatewayApi {
  readonly sessions = new Map<string, VerificationData>();
  readonly started: StartVerificationInput[] = [];
  readonly confirmed: ConfirmVerificationInput[] = [];
  readonly reads: string[] = [];
  signIns = 0;
  enabledProtocols: ('V2' | 'LEGACY')[] = ['V2', 'LEGACY'];
  confirmScript: ConfirmScript[] = [];
  failNext: { op: 'start' | 'confirm' | 'read' | 'signIn'; error: Error }[] = [];
  private nextId = 1;

  private maybeFail(op: 'start' | 'confirm' | 'read' | 'signIn'): void {
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
    const protocol = input.protocol ?? 'V2';
    if (!this.enabledProtocols.includes(protocol)) {
      throw new GatewayRequestError('BAD_USER_INPUT', `protocol ${protocol} is not enabled`, 'protocol');
    }
    const id = `ver-${this.nextId++}`;
    const session = aVerification({
      id,
      protocol,
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
