/**
 * The part of the mini program's `wx` this adapter touches. Structural, so the real `wx`
 * (WechatMiniprogram.Wx with ./wx-face-apis.d.ts merged in) fits and tests pass a small fake. Every face API
 * is optional: an old base library simply lacks it, and feature detection reports that.
 */
export interface WxCallbackResult {
  errMsg?: string;
  errCode?: number | string;
  verifyResult?: string;
}

export interface WxCallbacks {
  success?: (res: WxCallbackResult) => void;
  fail?: (res: WxCallbackResult) => void;
}

export interface WxLegacyVerifyOption extends WxCallbacks {
  checkAliveType: number;
  userIdKey?: string;
  name?: string;
  idCardNumber?: string;
}

export interface WxV2VerifyOption extends WxCallbacks {
  verifyId: string;
}

export interface WxAppBaseInfo {
  SDKVersion?: string;
  /** The WeChat client version. */
  version?: string;
}

export interface WxSystemInfo extends WxAppBaseInfo {
  platform?: string;
}

export interface WxLike {
  canIUse?(schema: string): boolean;
  /** Base library >= 2.20.1; preferred over getSystemInfoSync (deprecated). */
  getAppBaseInfo?(): WxAppBaseInfo;
  getDeviceInfo?(): { platform?: string };
  getSystemInfoSync?(): WxSystemInfo;
  checkIsSupportFacialRecognition?(option: WxCallbacks & { checkAliveType?: number }): void;
  startFacialRecognitionVerify?(option: WxLegacyVerifyOption): void;
  startFacialRecognitionVerifyAndUploadVideo?(option: WxLegacyVerifyOption): void;
  requestFacialVerify?(option: WxV2VerifyOption): void;
  requestFacialVerifyAndUploadVideo?(option: WxV2VerifyOption): void;
}
