import type { LivenessType } from '../verification/liveness-type.js';

/**
 * The mini program side of WeChat face verification (wx.* APIs), as the domain sees it. Implemented by
 * @facegate/adapters-wechat/jsapi with `wx` passed in. Everything here resolves; nothing rejects for a
 * WeChat-reported failure (errCode != 0 is data).
 */
export interface DeviceCapabilities {
  /** requestFacialVerify is available (base library >= 3.8.12). */
  readonly v2: boolean;
  /** startFacialRecognitionVerify is available. */
  readonly legacy: boolean;
  /** Liveness types this client version can run (legacy only). */
  readonly livenessTypes: readonly LivenessType[];
  readonly sdkVersion: string | null;
  readonly clientVersion: string | null;
}

export interface SupportCheckResult {
  readonly supported: boolean;
  readonly errCode: number;
}

export interface LegacyCheckRequest {
  readonly checkAliveType: number;
  /** Either userIdKey, or name + idCardNumber. */
  readonly userIdKey?: string;
  readonly name?: string;
  readonly idCardNumber?: string;
  readonly uploadVideo?: boolean;
}

export interface LegacyCheckOutcome {
  readonly errCode: number;
  readonly verifyResult: string | null;
}

export interface V2CheckRequest {
  readonly verifyId: string;
  readonly uploadVideo?: boolean;
}

export interface V2CheckOutcome {
  readonly errCode: number;
}

export interface FaceVerifyClient {
  capabilities(): DeviceCapabilities;
  checkSupport(checkAliveType: number): Promise<SupportCheckResult>;
  runLegacyCheck(request: LegacyCheckRequest): Promise<LegacyCheckOutcome>;
  runV2Check(request: V2CheckRequest): Promise<V2CheckOutcome>;
}
