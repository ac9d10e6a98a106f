import { certHashInput } from '../identity/cert-hash.js';
import type { Clock } from '../ports/clock.port.js';
import type {
  FaceVerificationProvider,
  LegacyPrepared,
  LegacyPrepareInput,
  LegacyVerifyInfo,
  Prepared,
  PrepareInput,
  V2Prepared,
  V2PrepareInput,
  V2VerifyInfo,
  V2VerifyQuery,
} from '../ports/face-verification-provider.port.js';
import type { IdentityDigests } from '../ports/identity-digests.port.js';
import { FakeIdentityDigests } from './fake-identity-digests.js';

/** What the device side did, for issueLegacyEvidence. */
export interface LegacyEvidenceInput {
  readonly openid: string;
  readonly name: string;
  readonly idCardNumber: string;
  /** Default 0 (passed). */
  readonly identifyRet?: number;
  /** When the check ran; default the provider's clock. */
  readonly at?: Date;
  /** Digits read aloud; default '' (screen flash). */
  readonly validateData?: string;
}

type Scripted<T> = T | Error | ((input: never) => T);
type PrepareAnswer = {
  readonly errcode?: number;
  readonly expiresInSeconds?: number;
  readonly id?: string | null;
};

/** An answer with every field null: a base for scripted answers. */
export const emptyLegacyInfo = (errcode: number): LegacyVerifyInfo => ({
  errcode,
  identifyRet: null,
  identifyTime: null,
  finishTime: null,
  validateData: null,
  openid: null,
  userIdKey: null,
  idCardNumberMd5: null,
  nameUtf8Md5: null,
  checkAliveType: null,
});

/** WeChat says a verifyResult lives about 5 minutes. */
const LEGACY_EVIDENCE_TTL_MS = 5 * 60_000;

/**
 * A scriptable stand-in for WeChat's server API. Unscripted, it behaves like WeChat: prepare hands out keys
 * and verifyIds; getinfo answers the evidence issued by issueLegacyEvidence (84001 for unknown evidence,
 * 84002 after 5 minutes); queryverifyinfo passes (10000) a prepared verifyId whose out_seq_no, openid and
 * cert_hash match the getverifyid call, unless setV2Outcome says otherwise (84001 on a binding mismatch).
 * Scripted answers (queues) take precedence; an Error in a queue is thrown.
 */
export class FakeFaceVerificationProvider implements FaceVerificationProvider {
  readonly calls = { prepare: 0, fetchLegacyResult: 0, fetchV2Result: 0 };
  /** Every prepare input, in order (test-only: holds the raw identity). */
  readonly prepareInputs: PrepareInput[] = [];
  readonly legacyQueries: string[] = [];
  /** The app each getinfo call was made for, in the order of legacyQueries. */
  readonly legacyQueryApps: string[] = [];
  readonly v2Queries: V2VerifyQuery[] = [];

  private readonly prepareScript: (PrepareAnswer | Error)[] = [];
  private readonly legacyScript: Scripted<LegacyVerifyInfo>[] = [];
  private readonly v2Script: (V2VerifyInfo | Error)[] = [];
  private readonly issued = new Map<string, LegacyVerifyInfo & { at: number }>();
  private readonly verifyIds = new Map<string, V2PrepareInput & { certHash: string }>();
  private readonly v2Outcomes = new Map<string, V2VerifyInfo>();
  private gate: Promise<void> | null = null;
  private counter = 0;

  constructor(
    private readonly clock: Clock = { now: () => new Date() },
    private readonly digests: IdentityDigests = new FakeIdentityDigests(),
  ) {}

  /** Answers for the next prepare calls (errcode default 0). */
  scriptPrepare(...answers: (PrepareAnswer | Error)[]): this {
    this.prepareScript.push(...answers);
    return this;
  }

  /** Answers for the next getinfo calls. */
  scriptLegacyResult(
    ...answers: (LegacyVerifyInfo | Error | ((verifyResult: string) => LegacyVerifyInfo))[]
  ): this {
    this.legacyScript.push(...(answers as Scripted<LegacyVerifyInfo>[]));
    return this;
  }

  /** Answers for the next queryverifyinfo calls. */
  scriptV2Result(...answers: (V2VerifyInfo | Error)[]): this {
    this.v2Script.push(...answers);
    return this;
  }

  /** What queryverifyinfo answers for this verifyId (instead of the default pass). */
  setV2Outcome(verifyId: string, outcome: V2VerifyInfo): this {
    this.v2Outcomes.set(verifyId, outcome);
    return this;
  }

  /** The device ran a legacy check: returns the verifyResult the JSAPI would give. */
  issueLegacyEvidence(input: LegacyEvidenceInput): string {
    const at = (input.at ?? this.clock.now()).getTime();
    const seconds = Math.floor(at / 1000);
    const verifyResult = `fake-verify-result-${++this.counter}`;
    this.issued.set(verifyResult, {
      at,
      errcode: 0,
      identifyRet: input.identifyRet ?? 0,
      identifyTime: seconds,
      finishTime: seconds,
      validateData: input.validateData ?? '',
      openid: input.openid,
      userIdKey: null,
      idCardNumberMd5: this.digests.md5Hex(input.idCardNumber.replace(/x$/, 'X')),
      nameUtf8Md5: this.digests.md5Hex(input.name),
      checkAliveType: 4,
    });
    return verifyResult;
  }

  /** Fetch calls wait until the returned function is called (to hold a confirmation mid-flight). */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => {
      release = () => {
        this.gate = null;
        resolve();
      };
    });
    return release;
  }

  prepare(input: LegacyPrepareInput): Promise<LegacyPrepared>;
  prepare(input: V2PrepareInput): Promise<V2Prepared>;
  prepare(input: PrepareInput): Promise<Prepared>;
  async prepare(input: PrepareInput): Promise<Prepared> {
    this.calls.prepare += 1;
    this.prepareInputs.push(input);
    const answer = this.prepareScript.shift() ?? {};
    if (answer instanceof Error) throw answer;
    const errcode = answer.errcode ?? 0;
    const expiresInSeconds = answer.expiresInSeconds ?? 3600;
    const n = ++this.counter;
    if (input.protocol === 'LEGACY') {
      const userIdKey =
        errcode === 0 ? (answer.id === undefined ? `fake-user-id-key-${n}` : answer.id) : null;
      return {
        protocol: 'LEGACY',
        errcode,
        userIdKey,
        expiresInSeconds: errcode === 0 ? expiresInSeconds : 0,
      };
    }
    const verifyId = errcode === 0 ? (answer.id === undefined ? `fake-verify-id-${n}` : answer.id) : null;
    if (verifyId) {
      const certHash = this.digests.sha256Hex(certHashInput('IDENTITY_CARD', input.name, input.idCardNumber));
      this.verifyIds.set(verifyId, { ...input, certHash });
    }
    return { protocol: 'V2', errcode, verifyId, expiresInSeconds: errcode === 0 ? expiresInSeconds : 0 };
  }

  async fetchLegacyResult(verifyResult: string, app: string): Promise<LegacyVerifyInfo> {
    this.calls.fetchLegacyResult += 1;
    this.legacyQueries.push(verifyResult);
    this.legacyQueryApps.push(app);
    await this.gate;
    const scripted = this.legacyScript.shift();
    if (scripted instanceof Error) throw scripted;
    if (typeof scripted === 'function') return (scripted as (v: string) => LegacyVerifyInfo)(verifyResult);
    if (scripted) return scripted;
    const issued = this.issued.get(verifyResult);
    if (!issued) return emptyLegacyInfo(84001);
    if (this.clock.now().getTime() - issued.at > LEGACY_EVIDENCE_TTL_MS) return emptyLegacyInfo(84002);
    const { at: _at, ...info } = issued;
    return info;
  }

  async fetchV2Result(query: V2VerifyQuery): Promise<V2VerifyInfo> {
    this.calls.fetchV2Result += 1;
    this.v2Queries.push(query);
    await this.gate;
    const scripted = this.v2Script.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    const prepared = this.verifyIds.get(query.verifyId);
    if (
      !prepared ||
      prepared.outSeqNo !== query.outSeqNo ||
      prepared.openid !== query.openid ||
      prepared.certHash !== query.certHash
    ) {
      return { errcode: 84001, verifyRet: null };
    }
    return this.v2Outcomes.get(query.verifyId) ?? { errcode: 0, verifyRet: 10000 };
  }
}
