/// <reference path="./wx-face-apis.d.ts" preserve="true" />
export {
  compareVersion,
  detectCapabilities,
  USER_ID_KEY_MIN_SDK_VERSION,
  V2_MIN_SDK_VERSION,
  type WxDeviceCapabilities,
} from './detect-capabilities';
export {
  ERR_DEVICE_UNSUPPORTED,
  ERR_UNKNOWN,
  mapClientErrCode,
  WxFaceVerifyClient,
  type WxLegacyCheckOutcome,
  type WxSupportCheckResult,
  type WxV2CheckOutcome,
} from './wx-face-verify-client';
export type {
  WxAppBaseInfo,
  WxCallbackResult,
  WxCallbacks,
  WxLegacyVerifyOption,
  WxLike,
  WxSystemInfo,
  WxV2VerifyOption,
} from './wx-like';
