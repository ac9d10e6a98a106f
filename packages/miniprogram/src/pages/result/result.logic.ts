import { failureMessage, type Verification } from '@facegate/miniprogram-sdk';

export interface ResultView {
  readonly status: string;
  readonly title: string;
  readonly reason: string;
  readonly nextStep: string;
  readonly maskedName: string;
  readonly maskedIdCardNumber: string;
  readonly verifiedAtText: string;
  readonly canRestart: boolean;
}

const IDENTITY_CODES = new Set([
  'ID_NUMBER_MISMATCH',
  'IDENTITY_MISMATCH',
  'BAD_PARAMETER',
  'INVALID_USER_ID_KEY',
]);
const CAPTURE_CODES = new Set([
  'FACE_MISMATCH',
  'FACE_NOT_DETECTED',
  'PHOTO_QUALITY_TOO_LOW',
  'LIGHT_TOO_BRIGHT',
  'SPEECH_RECOGNITION_FAILED',
  'LIP_MOVEMENT_FAILED',
  'TOO_MUCH_SHAKING',
  'INVALID_CAPTURE',
  'CAPTURE_TIMED_OUT',
  'TIMED_OUT',
]);
const NO_PHOTO_CODES = new Set(['NO_ID_PHOTO', 'ID_NOT_IN_DATABASE']);
const LIMIT_CODES = new Set(['TOO_FREQUENT', 'OVER_LIMIT']);
const DEVICE_CODES = new Set([
  'DEVICE_UNSUPPORTED',
  'PERMISSION_DENIED',
  'CAMERA_FAILED',
  'LIVENESS_UNAVAILABLE',
]);

/** What the user can do about a failure, by its code. */
export function nextStepOf(code: string | null, attemptsExhausted: boolean): string {
  if (code && IDENTITY_CODES.has(code)) return '请核对姓名和身份证号码与本人身份证一致后，重新发起核验。';
  if (code && NO_PHOTO_CODES.has(code)) return '您的证件照片暂无法用于比对，请携带身份证前往线下窗口办理。';
  if (code && LIMIT_CODES.has(code)) return '核验次数已达上限，请明天再试。';
  if (code && DEVICE_CODES.has(code))
    return '请在系统设置中允许微信使用摄像头，并将微信升级到最新版本后重试，或更换设备。';
  if (code && CAPTURE_CODES.has(code))
    return '请在光线均匀的环境中正对屏幕，摘下帽子、口罩和眼镜，按提示完成动作后重新发起核验。';
  if (attemptsExhausted) return '本次核验的尝试次数已用完，请稍后重新发起核验。';
  return '请稍后重新发起核验；如多次失败，请联系客服。';
}

function formatTime(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function resultViewOf(verification: Verification, businessStarted: boolean): ResultView {
  const base = {
    status: verification.status,
    maskedName: verification.maskedName,
    maskedIdCardNumber: verification.maskedIdCardNumber,
    verifiedAtText: '',
    reason: '',
    canRestart: !businessStarted,
  };
  const restartHint = businessStarted ? '请返回业务页面重新发起核验。' : '请重新发起核验。';
  switch (verification.status) {
    case 'VERIFIED':
      return {
        ...base,
        title: '核验通过',
        nextStep: '您的身份已核验成功，可返回继续办理业务。',
        verifiedAtText: formatTime(verification.verifiedAt),
        canRestart: false,
      };
    case 'FAILED': {
      const error = verification.lastError;
      return {
        ...base,
        title: '核验未通过',
        reason: error ? failureMessage(error).text : '人脸核验未通过',
        nextStep: businessStarted
          ? `${nextStepOf(error?.code ?? null, verification.attempts >= verification.maxAttempts)}如需重新核验，请返回业务页面重新发起。`
          : nextStepOf(error?.code ?? null, verification.attempts >= verification.maxAttempts),
      };
    }
    case 'EXPIRED':
      return { ...base, title: '核验已过期', reason: '核验未在有效期内完成', nextStep: restartHint };
    case 'CANCELED':
      return { ...base, title: '核验已取消', reason: '本次核验已被取消', nextStep: restartHint };
    default:
      return { ...base, title: '核验进行中', reason: '', nextStep: '核验尚未完成，请返回继续核验。' };
  }
}

export function resultUrlOf(verificationId: string, businessStarted: boolean): string {
  const origin = businessStarted ? '&origin=business' : '';
  return `/pages/result/index?verificationId=${encodeURIComponent(verificationId)}${origin}`;
}
