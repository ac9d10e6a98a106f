/**
 * The face APIs miniprogram-api-typings v5 does not declare, merged into its `WechatMiniprogram.Wx`.
 * v5 declares `checkIsSupportFacialRecognition` (without `checkAliveType`, result typed as errMsg only) and
 * `requestFacialVerify`; it lacks `startFacialRecognitionVerify`, `startFacialRecognitionVerifyAndUploadVideo`
 * and `requestFacialVerifyAndUploadVideo`. Shapes follow WeChat's (legacy) docs: both success and fail
 * callbacks receive `{ errMsg, errCode, verifyResult? }`.
 *
 * Only new names are declared here (plus an optional property merged into v5's support-check option), so
 * this file compiles with or without miniprogram-api-typings in the program.
 */
declare namespace WechatMiniprogram {
  interface CheckIsSupportFacialRecognitionOption {
    /** 0 read digits, 1 screen flash, 2 screen flash if possible else read digits. */
    checkAliveType?: number;
  }

  interface FacialRecognitionCallbackResult {
    errMsg: string;
    errCode: number;
    /** Present after a run, also a failed one; the server confirms it with getinfo. */
    verifyResult?: string;
  }

  interface StartFacialRecognitionVerifyOption {
    /** Base library >= 1.9.3: stands for name + idCardNumber (from the server's getuseridkey). */
    userIdKey?: string;
    name?: string;
    idCardNumber?: string;
    checkAliveType?: number;
    success?: (res: FacialRecognitionCallbackResult) => void;
    fail?: (res: FacialRecognitionCallbackResult) => void;
    complete?: (res: FacialRecognitionCallbackResult) => void;
  }

  interface FacialVerifyCallbackResult {
    errMsg: string;
    errCode: number;
  }

  interface RequestFacialVerifyAndUploadVideoOption {
    verifyId: string;
    success?: (res: FacialVerifyCallbackResult) => void;
    fail?: (res: FacialVerifyCallbackResult) => void;
    complete?: (res: FacialVerifyCallbackResult) => void;
  }

  interface Wx {
    /** Legacy (1.0) face verification against name + ID number or a userIdKey. */
    startFacialRecognitionVerify(option: StartFacialRecognitionVerifyOption): void;
    /** As startFacialRecognitionVerify, also uploading the video (extra permission). */
    startFacialRecognitionVerifyAndUploadVideo(option: StartFacialRecognitionVerifyOption): void;
    /** As requestFacialVerify, also uploading the video (extra permission). */
    requestFacialVerifyAndUploadVideo(option: RequestFacialVerifyAndUploadVideoOption): void;
  }
}
