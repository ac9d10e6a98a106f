import type { FailureCode } from './failure-code.js';

export interface FailureDescription {
  /** The user can run the check again within the same session. */
  readonly retryable: boolean;
  /** zh-CN, shown to the user. */
  readonly zh: string;
  /** English, for developers and logs. */
  readonly en: string;
}

/** A WeChat code mapped into the taxonomy. `upstreamCode` is the raw code, kept even for UNKNOWN. */
export interface MappedFailure {
  readonly code: FailureCode;
  readonly retryable: boolean;
  readonly upstreamCode: number;
}

const d = (retryable: boolean, zh: string, en: string): FailureDescription => ({ retryable, zh, en });

/**
 * Retryable = another run of the check by the same user can succeed (bad light, a shaky hand, a cancelled
 * dialog, a passing upstream hiccup). Not retryable = it will fail the same way (the identity does not match,
 * no ID photo, the device or the app cannot do it): the session ends at once instead of burning attempts.
 */
const DESCRIPTIONS: Readonly<Record<FailureCode, FailureDescription>> = {
  BAD_PARAMETER: d(
    false,
    '核验参数有误，请联系客服',
    'WeChat rejected a parameter of the verification request',
  ),
  FACE_NOT_DETECTED: d(
    true,
    '未检测到人脸，请正对屏幕重试',
    'no face was detected; try again facing the camera',
  ),
  ID_NUMBER_MISMATCH: d(false, '姓名与身份证号码不匹配', 'the name and the ID number do not match'),
  FACE_MISMATCH: d(true, '人脸与身份证照片不一致，请重试', 'the face does not match the ID photo'),
  LIGHT_TOO_BRIGHT: d(true, '光线太强，请调整环境后重试', 'the light is too bright; try again elsewhere'),
  APP_NOT_AUTHORIZED: d(
    false,
    '小程序未开通人脸核身权限',
    'the mini program is not authorized for face verification',
  ),
  IMAGE_FETCH_FAILED: d(true, '获取图像失败，请重试', 'WeChat could not fetch the image'),
  COMPARISON_FAILED: d(true, '比对失败，请重试', 'the comparison failed'),
  NO_ID_PHOTO: d(false, '没有可比对的身份证照片', 'there is no ID photo to compare against'),
  PHOTO_QUALITY_TOO_LOW: d(true, '照片质量太低，请重试', 'the captured photo quality is too low'),
  COMPARISON_UNAVAILABLE: d(true, '比对服务暂不可用，请稍后重试', 'the comparison service is unavailable'),
  IMAGE_STORE_FAILED: d(true, '保存图像失败，请重试', 'WeChat could not store the image'),
  INVALID_IDENTIFY_ID: d(true, '核验凭据无效，请重新核验', 'the identify id is invalid'),
  USER_INFO_MISSING: d(true, '核验信息缺失，请重新核验', 'the verification data is missing'),
  TIMED_OUT: d(true, '核验超时，请重试', 'the verification timed out'),
  DUPLICATE_REQUEST: d(true, '重复请求，请重新核验', 'duplicate request'),
  ID_NOT_IN_DATABASE: d(false, '该身份证不在比对库中', 'the ID is not in the comparison database'),
  SPEECH_RECOGNITION_FAILED: d(
    true,
    '语音识别失败，请读清数字后重试',
    'reading the digits aloud was not recognized',
  ),
  LIP_MOVEMENT_FAILED: d(true, '唇动检测失败，请重试', 'the lip movement check failed'),
  APP_HAS_NO_NICKNAME: d(false, '小程序未设置名称，无法核验', 'the mini program has no nickname set'),
  REQUEST_NOT_UTF8: d(false, '请求编码错误，请联系客服', 'the request was not UTF-8'),
  INVALID_USER_ID_KEY: d(false, '核验凭据已失效，请重新发起核验', 'the user_id_key is invalid or expired'),
  TOO_FREQUENT: d(true, '操作太频繁，请稍后重试', 'too many requests; try again later'),
  SYSTEM_FAILURE: d(true, '系统繁忙，请稍后重试', 'WeChat reported a system failure'),
  OVER_LIMIT: d(false, '核验次数已达上限，请明天再试', 'the verification quota is exhausted'),
  DUPLICATE_BIOID: d(true, '重复的核验请求，请重新核验', 'duplicate bioid'),
  LIVENESS_UNAVAILABLE: d(
    true,
    '活体检测暂不可用，请稍后重试',
    'liveness detection is temporarily unavailable',
  ),
  USER_CANCELED: d(true, '您已取消核验', 'the user cancelled the check'),
  PERMISSION_DENIED: d(
    true,
    '请允许使用摄像头和麦克风后重试',
    'camera or microphone permission was not granted',
  ),
  CLIENT_LIBRARY_ERROR: d(true, '核验组件出错，请重试', 'the WeChat face library failed'),
  NETWORK_ERROR: d(true, '网络异常，请检查网络后重试', 'the device had a network error'),
  UPLOAD_FAILED: d(true, '上传失败，请检查网络后重试', 'uploading the capture failed'),
  CONFIG_FETCH_FAILED: d(true, '获取配置失败，请重试', 'the client could not fetch its configuration'),
  CONFIRMATION_FAILED: d(true, '确认信息失败，请重试', 'the confirmation step failed'),
  CAMERA_FAILED: d(true, '摄像头启动失败，请重试', 'the camera failed to start'),
  CAPTURE_TIMED_OUT: d(true, '人脸采集超时，请重试', 'face capture timed out'),
  TOO_MUCH_SHAKING: d(true, '晃动太大，请保持手机稳定后重试', 'the phone moved too much'),
  INVALID_CAPTURE: d(true, '采集无效，请重试', 'the capture was invalid'),
  AGREEMENT_FAILED: d(true, '获取协议信息失败，请重试', 'the agreement information failed to load'),
  DEVICE_UNSUPPORTED: d(false, '当前设备不支持人脸核身', 'this device does not support face verification'),
  CLIENT_UNKNOWN_ERROR: d(true, '核验出错，请重试', 'the WeChat client reported an unknown error'),
  EVIDENCE_INVALID: d(false, '核验凭据无效', 'WeChat does not recognise the verification result'),
  EVIDENCE_EXPIRED: d(
    true,
    '核验结果已过期，请重新核验',
    'the verification result expired (about 5 minutes)',
  ),
  EVIDENCE_NOT_FOUND: d(true, '核验结果不存在，请重新核验', 'WeChat has no such verification result'),
  UPSTREAM_REJECTED: d(false, '核验请求被拒绝，请联系客服', 'WeChat rejected the request'),
  UPSTREAM_BUSY: d(true, '微信系统繁忙，请稍后重试', 'WeChat is busy'),
  ACCESS_TOKEN_INVALID: d(true, '服务暂时异常，请重试', 'the access token was rejected'),
  UPSTREAM_MISCONFIGURED: d(
    false,
    '服务配置有误，请联系客服',
    'the WeChat app credentials or IP whitelist are wrong',
  ),
  OPENID_MISMATCH: d(false, '核验结果不属于当前用户', 'the result belongs to another WeChat user'),
  IDENTITY_MISMATCH: d(false, '核验结果与所填身份信息不一致', 'the result is for another name or ID number'),
  STALE_EVIDENCE: d(false, '核验结果早于本次核验', 'the result predates this verification'),
  FUTURE_EVIDENCE: d(false, '核验结果时间异常', 'the result is timestamped in the future'),
  RESULT_INCOMPLETE: d(
    true,
    '核验结果不完整，请重试',
    'WeChat answered a pass without every field the rules need',
  ),
  UNKNOWN: d(true, '核验失败，请重试', 'WeChat answered a code FaceGate does not know'),
};

export function describeFailure(code: FailureCode): FailureDescription {
  return DESCRIPTIONS[code];
}

type CodeTable = ReadonlyMap<number, FailureCode>;
const table = (...parts: (readonly [readonly number[], FailureCode])[]): CodeTable =>
  new Map(parts.flatMap(([codes, code]) => codes.map((n) => [n, code] as const)));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The face-check codes shared by identify_ret, verify_ret and the legacy client errCode. */
export const FACE_CHECK_CODES: CodeTable = table(
  [[10001], 'BAD_PARAMETER'],
  [[10002], 'FACE_NOT_DETECTED'],
  [[10003], 'ID_NUMBER_MISMATCH'],
  [[10004], 'FACE_MISMATCH'],
  [[10005], 'LIGHT_TOO_BRIGHT'],
  [[10006], 'APP_NOT_AUTHORIZED'],
  [[10007], 'IMAGE_FETCH_FAILED'],
  [[10008], 'COMPARISON_FAILED'],
  [[10009], 'NO_ID_PHOTO'],
  [[10010], 'PHOTO_QUALITY_TOO_LOW'],
  [[10015], 'COMPARISON_UNAVAILABLE'],
  [[10016], 'IMAGE_STORE_FAILED'],
  [[10017], 'INVALID_IDENTIFY_ID'],
  [[10018], 'USER_INFO_MISSING'],
  [[10020], 'TIMED_OUT'],
  [[10022], 'DUPLICATE_REQUEST'],
  [[10026], 'ID_NOT_IN_DATABASE'],
  [[10027], 'SPEECH_RECOGNITION_FAILED'],
  [[10028], 'LIP_MOVEMENT_FAILED'],
  [[10031], 'APP_HAS_NO_NICKNAME'],
  [[10040], 'REQUEST_NOT_UTF8'],
  [[10041], 'INVALID_USER_ID_KEY'],
  [[10042], 'TOO_FREQUENT'],
  [[10045], 'SYSTEM_FAILURE'],
  [[10052, 10057], 'OVER_LIMIT'],
  [[10066], 'DUPLICATE_BIOID'],
  [[10069], 'LIVENESS_UNAVAILABLE'],
);

/** Legacy client codes (startFacialRecognitionVerify), also seen as identify_ret. */
export const LEGACY_CLIENT_CODES: CodeTable = table(
  [[90100], 'USER_CANCELED'],
  [[90101], 'PERMISSION_DENIED'],
  [[90102], 'CLIENT_LIBRARY_ERROR'],
  [[90103], 'UPLOAD_FAILED'],
  [[90104], 'CONFIG_FETCH_FAILED'],
  [[90105], 'CONFIRMATION_FAILED'],
  [[90106], 'CAMERA_FAILED'],
  [[90107], 'CAPTURE_TIMED_OUT'],
  [[90108], 'TOO_MUCH_SHAKING'],
  [[90109], 'DEVICE_UNSUPPORTED'],
  [[90199], 'CLIENT_UNKNOWN_ERROR'],
);

/** v2 client-side codes (requestFacialVerify), also seen as verify_ret. */
export const V2_CLIENT_CODES: CodeTable = table(
  [[90001], 'DEVICE_UNSUPPORTED'],
  [range(90002, 90006), 'USER_CANCELED'],
  [[90007], 'NETWORK_ERROR'],
  [[90008, 90009, 90010], 'PERMISSION_DENIED'],
  [[90011, 90013, 90014], 'INVALID_CAPTURE'],
  [[90012], 'UPLOAD_FAILED'],
  [[90017], 'TIMED_OUT'],
  [[90018], 'SYSTEM_FAILURE'],
  [[90104], 'CONFIG_FETCH_FAILED'],
  [[90105], 'CONFIRMATION_FAILED'],
  [[90106], 'CAMERA_FAILED'],
  [[90107], 'CAPTURE_TIMED_OUT'],
  [[90109], 'DEVICE_UNSUPPORTED'],
  [[90110], 'AGREEMENT_FAILED'],
  [[90199], 'CLIENT_UNKNOWN_ERROR'],
);

/** errcodes of the face APIs (getinfo; queryverifyinfo) and the generic ones that can reach an attempt. */
export const UPSTREAM_ERRCODES: CodeTable = table(
  [[-1], 'UPSTREAM_BUSY'],
  [[84001], 'EVIDENCE_INVALID'],
  [[84002], 'EVIDENCE_EXPIRED'],
  [[84003], 'EVIDENCE_NOT_FOUND'],
  [[40001, 40014, 41001, 42001], 'ACCESS_TOKEN_INVALID'],
  [[40013, 40125, 40164], 'UPSTREAM_MISCONFIGURED'],
  [[48001], 'APP_NOT_AUTHORIZED'],
  [[43002, 44002, 47001], 'UPSTREAM_REJECTED'],
  [[45009], 'OVER_LIMIT'],
  [[45011], 'TOO_FREQUENT'],
);

function mapped(tables: readonly CodeTable[], n: number): MappedFailure {
  let code: FailureCode = 'UNKNOWN';
  for (const t of tables) {
    const hit = t.get(n);
    if (hit) {
      code = hit;
      break;
    }
  }
  return { code, retryable: DESCRIPTIONS[code].retryable, upstreamCode: n };
}

/** A client errCode from either protocol's JSAPI (the code ranges do not conflict). */
export function failureFromClientErrCode(errCode: number): MappedFailure {
  return mapped([FACE_CHECK_CODES, LEGACY_CLIENT_CODES, V2_CLIENT_CODES], errCode);
}

/** wx.checkIsSupportFacialRecognition failing (10001 no front camera, 10002 no model, 10003 disabled...). */
export function failureFromSupportCheckErrCode(errCode: number): MappedFailure {
  return { code: 'DEVICE_UNSUPPORTED', retryable: false, upstreamCode: errCode };
}

/** getinfo's identify_ret (0 = passed; call only for non-zero). */
export function failureFromIdentifyRet(n: number): MappedFailure {
  return mapped([FACE_CHECK_CODES, LEGACY_CLIENT_CODES], n);
}

/** queryverifyinfo's verify_ret (10000 = passed; call only for other values). */
export function failureFromVerifyRet(n: number): MappedFailure {
  return mapped([FACE_CHECK_CODES, V2_CLIENT_CODES], n);
}

/** A non-zero errcode of getinfo / queryverifyinfo (or a generic one). */
export function failureFromUpstreamErrcode(n: number): MappedFailure {
  return mapped([UPSTREAM_ERRCODES], n);
}

/** Transient: retry later, never an attempt outcome (the provider throws UpstreamUnavailableError). */
export function isTransientUpstreamErrcode(n: number): boolean {
  return n === -1;
}

/** queryverifyinfo: the device has not finished the check that verify_id names. */
export const VERIFY_NOT_FINISHED_ERRCODE = 84005;
/** getinfo / queryverifyinfo: the evidence itself is invalid, expired or unknown to WeChat. */
const EVIDENCE_REJECTED_ERRCODES: ReadonlySet<number> = new Set([84001, 84002, 84003]);

/**
 * What a non-zero errcode of getinfo / queryverifyinfo means for the attempt. Only an outcome the user's
 * face check produced (identify_ret / verify_ret, a client errCode) uses up an attempt; a call WeChat could
 * not answer for that check never does, so nobody can fail a session by confirming early or with garbage.
 */
export type UncountedAnswer = 'TRANSIENT' | 'NOT_FINISHED' | 'EVIDENCE_REJECTED' | 'UNEXPECTED';

export function uncountedAnswerOf(errcode: number): UncountedAnswer | null {
  if (errcode === 0) return null;
  if (isTransientUpstreamErrcode(errcode)) return 'TRANSIENT';
  if (errcode === VERIFY_NOT_FINISHED_ERRCODE) return 'NOT_FINISHED';
  if (EVIDENCE_REJECTED_ERRCODES.has(errcode)) return 'EVIDENCE_REJECTED';
  return 'UNEXPECTED';
}
