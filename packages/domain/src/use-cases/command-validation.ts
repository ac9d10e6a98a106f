/** Checks of command fields besides the identity. Messages never contain the input. */
import { LIVENESS_TYPES, type LivenessType } from '../verification/liveness-type.js';
import { InvalidInputError } from '../verification/verification.errors.js';
import { VERIFICATION_PROTOCOLS, type VerificationProtocol } from '../verification/verification.types.js';

export const MAX_OPENID_LENGTH = 128;
export const MAX_CLIENT_REFERENCE_ID_LENGTH = 128;
/** Real verifyResults are a few hundred characters; anything far longer is not one. */
export const MAX_VERIFY_RESULT_LENGTH = 4096;

const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;

export function checkOpenid(openid: unknown): InvalidInputError | null {
  if (typeof openid !== 'string' || !/^[\w-]{1,128}$/.test(openid)) {
    return new InvalidInputError(
      'openid',
      'OPENID_INVALID',
      `openid must be 1-${MAX_OPENID_LENGTH} of [A-Za-z0-9_-]`,
    );
  }
  return null;
}

/** wx.login codes are printable ASCII; anything else is not one, and must not reach WeChat. */
const LOGIN_CODE = /^[\x21-\x7e]{1,256}$/;

export function isLoginCodeShape(code: unknown): code is string {
  return typeof code === 'string' && LOGIN_CODE.test(code);
}

export function checkLoginCode(code: unknown): InvalidInputError | null {
  return isLoginCodeShape(code)
    ? null
    : new InvalidInputError('code', 'CODE_FORMAT', 'code must be the code from wx.login');
}

export function checkProtocol(protocol: unknown): InvalidInputError | null {
  return VERIFICATION_PROTOCOLS.includes(protocol as VerificationProtocol)
    ? null
    : new InvalidInputError('protocol', 'PROTOCOL_UNKNOWN', 'protocol must be LEGACY or V2');
}

export function checkLivenessType(
  protocol: VerificationProtocol,
  livenessType: LivenessType | null | undefined,
): InvalidInputError | null {
  if (livenessType == null) return null;
  if (protocol === 'V2') {
    return new InvalidInputError(
      'livenessType',
      'LIVENESS_TYPE_LEGACY_ONLY',
      'livenessType applies to the legacy protocol only',
      '活体检测方式仅适用于旧版核身接口',
    );
  }
  return LIVENESS_TYPES.includes(livenessType)
    ? null
    : new InvalidInputError(
        'livenessType',
        'LIVENESS_TYPE_UNKNOWN',
        'livenessType is not a known liveness type',
      );
}

export function checkClientReferenceId(ref: string | null | undefined): InvalidInputError | null {
  if (ref == null) return null;
  if (typeof ref !== 'string' || ref.length > MAX_CLIENT_REFERENCE_ID_LENGTH || !PRINTABLE.test(ref)) {
    return new InvalidInputError(
      'clientReferenceId',
      'CLIENT_REFERENCE_ID_INVALID',
      `clientReferenceId must be at most ${MAX_CLIENT_REFERENCE_ID_LENGTH} printable characters`,
    );
  }
  return null;
}

export function checkClientErrCode(code: number | null | undefined): InvalidInputError | null {
  if (code == null || Number.isSafeInteger(code)) return null;
  return new InvalidInputError(
    'clientErrCode',
    'CLIENT_ERR_CODE_INTEGER',
    'clientErrCode must be an integer',
  );
}

export function checkVerifyResult(verifyResult: string | null | undefined): InvalidInputError | null {
  if (verifyResult == null) return null;
  if (typeof verifyResult !== 'string' || verifyResult.length > MAX_VERIFY_RESULT_LENGTH) {
    return new InvalidInputError(
      'verifyResult',
      'VERIFY_RESULT_INVALID',
      `verifyResult must be a string of at most ${MAX_VERIFY_RESULT_LENGTH} characters`,
    );
  }
  return null;
}

export const verifyResultRequired = () =>
  new InvalidInputError(
    'verifyResult',
    'VERIFY_RESULT_REQUIRED',
    'verifyResult from the JSAPI is required to confirm a legacy verification',
    '缺少核验结果，请重新核验',
  );
