/**
 * Every reason a verification attempt can fail. Each WeChat code (client errCode, identify_ret, verify_ret,
 * getinfo/queryverifyinfo errcode) maps to exactly one of these; the binding rules add their own.
 * The mapping tables, retryable flags and zh-CN/English messages live in failure-taxonomy.ts.
 */
export const FAILURE_CODES = [
  // the face check itself
  'BAD_PARAMETER',
  'FACE_NOT_DETECTED',
  'ID_NUMBER_MISMATCH',
  'FACE_MISMATCH',
  'LIGHT_TOO_BRIGHT',
  'APP_NOT_AUTHORIZED',
  'IMAGE_FETCH_FAILED',
  'COMPARISON_FAILED',
  'NO_ID_PHOTO',
  'PHOTO_QUALITY_TOO_LOW',
  'COMPARISON_UNAVAILABLE',
  'IMAGE_STORE_FAILED',
  'INVALID_IDENTIFY_ID',
  'USER_INFO_MISSING',
  'TIMED_OUT',
  'DUPLICATE_REQUEST',
  'ID_NOT_IN_DATABASE',
  'SPEECH_RECOGNITION_FAILED',
  'LIP_MOVEMENT_FAILED',
  'APP_HAS_NO_NICKNAME',
  'REQUEST_NOT_UTF8',
  'INVALID_USER_ID_KEY',
  'TOO_FREQUENT',
  'SYSTEM_FAILURE',
  'OVER_LIMIT',
  'DUPLICATE_BIOID',
  'LIVENESS_UNAVAILABLE',
  // the client (WeChat app) side
  'USER_CANCELED',
  'PERMISSION_DENIED',
  'CLIENT_LIBRARY_ERROR',
  'NETWORK_ERROR',
  'UPLOAD_FAILED',
  'CONFIG_FETCH_FAILED',
  'CONFIRMATION_FAILED',
  'CAMERA_FAILED',
  'CAPTURE_TIMED_OUT',
  'TOO_MUCH_SHAKING',
  'INVALID_CAPTURE',
  'AGREEMENT_FAILED',
  'DEVICE_UNSUPPORTED',
  'CLIENT_UNKNOWN_ERROR',
  // the evidence (getinfo / queryverifyinfo errcodes)
  'EVIDENCE_INVALID',
  'EVIDENCE_EXPIRED',
  'EVIDENCE_NOT_FOUND',
  'UPSTREAM_REJECTED',
  // generic API errcodes that can surface on an attempt
  'UPSTREAM_BUSY',
  'ACCESS_TOKEN_INVALID',
  'UPSTREAM_MISCONFIGURED',
  // FaceGate's binding rules
  'OPENID_MISMATCH',
  'IDENTITY_MISMATCH',
  'STALE_EVIDENCE',
  'FUTURE_EVIDENCE',
  'RESULT_INCOMPLETE',
  // anything WeChat may add later; the raw code is kept in upstreamCode
  'UNKNOWN',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

/** Whether `value` is one of FAILURE_CODES (a stored or relayed code may come from an older or newer version). */
export function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === 'string' && (FAILURE_CODES as readonly string[]).includes(value);
}

/** A stored code as a FailureCode: one this version does not know is UNKNOWN. */
export const toFailureCode = (code: string): FailureCode => (isFailureCode(code) ? code : 'UNKNOWN');
