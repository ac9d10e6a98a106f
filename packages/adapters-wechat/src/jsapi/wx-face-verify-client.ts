import {
  type FaceVerifyClient,
  failureFromClientErrCode,
  failureFromSupportCheckErrCode,
  type LegacyCheckOutcome,
  type LegacyCheckRequest,
  type MappedFailure,
  type SupportCheckResult,
  type V2CheckOutcome,
  type V2CheckRequest,
} from '@facegate/domain';
import { detectCapabilities, type WxDeviceCapabilities } from './detect-capabilities';
import type { WxCallbackResult, WxCallbacks, WxLike } from './wx-like';

/** The API is missing on this client: reported as WeChat's own "device unsupported" code. */
export const ERR_DEVICE_UNSUPPORTED = 90109;
/** No usable errCode in the callback, or the call threw: WeChat's "unknown" code. */
export const ERR_UNKNOWN = 90199;
/** errMsg says cancel but no errCode came: the protocol's first "user cancelled" code. */
const ERR_CANCELED_LEGACY = 90100;
const ERR_CANCELED_V2 = 90002;

/** A client errCode in FaceGate's failure taxonomy; null for 0 (the client flow finished). */
export function mapClientErrCode(errCode: number): MappedFailure | null {
  return errCode === 0 ? null : failureFromClientErrCode(errCode);
}

export interface WxSupportCheckResult extends SupportCheckResult {
  readonly failure: MappedFailure | null;
}
export interface WxLegacyCheckOutcome extends LegacyCheckOutcome {
  readonly failure: MappedFailure | null;
}
export interface WxV2CheckOutcome extends V2CheckOutcome {
  readonly failure: MappedFailure | null;
}

type CallbackApi = (option: WxCallbacks & Record<string, unknown>) => void;

/**
 * Calls a callback-style wx API once and resolves with whatever arrives, success or fail alike: a failed
 * face check is data, not an exception. A synchronous throw resolves as an empty result (errCode unknown).
 */
function callOnce(api: CallbackApi, option: Record<string, unknown>): Promise<WxCallbackResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (res: WxCallbackResult | undefined) => {
      if (settled) return;
      settled = true;
      resolve(res && typeof res === 'object' ? res : {});
    };
    try {
      api({ ...option, success: settle, fail: settle });
    } catch {
      settle({});
    }
  });
}

/** The callback's errCode as a number; WeChat has been seen sending it as a string on some clients. */
function errCodeOf(res: WxCallbackResult, apiName: string, canceledCode: number): number {
  const raw = res.errCode;
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) return Number.parseInt(raw, 10);
  const msg = typeof res.errMsg === 'string' ? res.errMsg : '';
  if (msg === `${apiName}:ok`) return 0;
  if (/cancel/i.test(msg)) return canceledCode;
  return ERR_UNKNOWN;
}

/** The domain's FaceVerifyClient over the mini program's wx.* face APIs, `wx` passed in. */
export class WxFaceVerifyClient implements FaceVerifyClient {
  private cached: WxDeviceCapabilities | null = null;

  constructor(private readonly wx: WxLike) {}

  capabilities(): WxDeviceCapabilities {
    this.cached ??= detectCapabilities(this.wx);
    return this.cached;
  }

  async checkSupport(checkAliveType: number): Promise<WxSupportCheckResult> {
    const api = this.wx.checkIsSupportFacialRecognition?.bind(this.wx) as CallbackApi | undefined;
    if (!api) {
      return {
        supported: false,
        errCode: ERR_DEVICE_UNSUPPORTED,
        failure: failureFromSupportCheckErrCode(ERR_DEVICE_UNSUPPORTED),
      };
    }
    const res = await callOnce(api, { checkAliveType });
    const name = 'checkIsSupportFacialRecognition';
    const errCode = errCodeOf(res, name, ERR_UNKNOWN);
    // WeChat documents either signal of success.
    const supported = errCode === 0 || res.errMsg === `${name}:ok`;
    return {
      supported,
      errCode: supported ? 0 : errCode,
      failure: supported ? null : failureFromSupportCheckErrCode(errCode),
    };
  }

  async runLegacyCheck(request: LegacyCheckRequest): Promise<WxLegacyCheckOutcome> {
    const name = request.uploadVideo
      ? 'startFacialRecognitionVerifyAndUploadVideo'
      : 'startFacialRecognitionVerify';
    const api = this.wx[name]?.bind(this.wx) as CallbackApi | undefined;
    if (!api)
      return {
        errCode: ERR_DEVICE_UNSUPPORTED,
        verifyResult: null,
        failure: mapClientErrCode(ERR_DEVICE_UNSUPPORTED),
      };

    // With a userIdKey the name and ID number never pass through the client.
    const who: Record<string, unknown> = request.userIdKey
      ? { userIdKey: request.userIdKey }
      : { name: request.name, idCardNumber: request.idCardNumber };
    const res = await callOnce(api, { ...who, checkAliveType: request.checkAliveType });
    const errCode = errCodeOf(res, name, ERR_CANCELED_LEGACY);
    const verifyResult =
      typeof res.verifyResult === 'string' && res.verifyResult !== '' ? res.verifyResult : null;
    return { errCode, verifyResult, failure: mapClientErrCode(errCode) };
  }

  async runV2Check(request: V2CheckRequest): Promise<WxV2CheckOutcome> {
    const name = request.uploadVideo ? 'requestFacialVerifyAndUploadVideo' : 'requestFacialVerify';
    const api = this.wx[name]?.bind(this.wx) as CallbackApi | undefined;
    if (!api) return { errCode: ERR_DEVICE_UNSUPPORTED, failure: mapClientErrCode(ERR_DEVICE_UNSUPPORTED) };
    const res = await callOnce(api, { verifyId: request.verifyId });
    // errCode 0 only means the client flow finished; the server's queryverifyinfo decides.
    const errCode = errCodeOf(res, name, ERR_CANCELED_V2);
    return { errCode, failure: mapClientErrCode(errCode) };
  }
}
