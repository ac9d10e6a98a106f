/**
 * The server side of WeChat face verification, as the domain sees it. Implemented over WeChat's HTTP API by
 * @facegate/adapters-wechat/http. WeChat's snake_case shapes never cross this port.
 *
 * Contract for implementations:
 * - An answer from WeChat (any errcode) is returned as data; the rules decide what it means.
 * - Transient trouble (-1 system busy, HTTP 5xx, timeouts, resets) is retried inside the adapter's deadline
 *   where a repeat is safe; if it persists, throw UpstreamUnavailableError. It is never an attempt outcome.
 * - Token problems (40001/40014/42001) are handled inside the adapter.
 * - A malformed answer throws UpstreamProtocolError (also not an attempt outcome).
 */
export interface LegacyPrepareInput {
  readonly protocol: 'LEGACY';
  /** The app whose WeChat credentials make the call (each app has its own access token). */
  readonly app: string;
  readonly name: string;
  readonly idCardNumber: string;
}

export interface V2PrepareInput {
  readonly protocol: 'V2';
  readonly app: string;
  readonly openid: string;
  readonly outSeqNo: string;
  readonly name: string;
  readonly idCardNumber: string;
}

export type PrepareInput = LegacyPrepareInput | V2PrepareInput;

/** Legacy: getuseridkey, so the client never has to carry the name and ID number. */
export interface LegacyPrepared {
  readonly protocol: 'LEGACY';
  readonly errcode: number;
  readonly userIdKey: string | null;
  readonly expiresInSeconds: number;
}

/** v2: getverifyid. */
export interface V2Prepared {
  readonly protocol: 'V2';
  readonly errcode: number;
  readonly verifyId: string | null;
  readonly expiresInSeconds: number;
}

export type Prepared = LegacyPrepared | V2Prepared;

/** What getinfo answered, camelCased. Fields WeChat omitted are null. */
export interface LegacyVerifyInfo {
  readonly errcode: number;
  readonly identifyRet: number | null;
  readonly identifyTime: number | null; // Unix seconds
  readonly finishTime: number | null; // Unix seconds
  readonly validateData: string | null;
  readonly openid: string | null;
  readonly userIdKey: string | null;
  readonly idCardNumberMd5: string | null;
  readonly nameUtf8Md5: string | null;
  readonly checkAliveType: number | null;
}

export interface V2VerifyQuery {
  readonly app: string;
  readonly verifyId: string;
  readonly outSeqNo: string;
  readonly certHash: string;
  readonly openid: string;
}

/** What queryverifyinfo answered. */
export interface V2VerifyInfo {
  readonly errcode: number;
  readonly verifyRet: number | null;
}

export interface FaceVerificationProvider {
  prepare(input: LegacyPrepareInput): Promise<LegacyPrepared>;
  prepare(input: V2PrepareInput): Promise<V2Prepared>;
  prepare(input: PrepareInput): Promise<Prepared>;
  /** getinfo with `app`'s credentials: a verifyResult made in another app's mini program is refused by WeChat. */
  fetchLegacyResult(verifyResult: string, app: string): Promise<LegacyVerifyInfo>;
  fetchV2Result(query: V2VerifyQuery): Promise<V2VerifyInfo>;
}
