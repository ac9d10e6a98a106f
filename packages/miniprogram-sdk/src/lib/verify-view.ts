import type { FlowState, FlowStep } from './verification-flow';

export const STEP_TEXT: Readonly<Record<FlowStep, string>> = {
  device: '正在检查设备…',
  'signing-in': '正在登录…',
  consent: '正在读取个人信息处理告知…',
  starting: '正在创建核验…',
  loading: '正在读取核验信息…',
  face: '请按提示完成人脸核验',
  confirming: '正在确认核验结果…',
};

/**
 * form: the identity form (mode="form"); consent: the notice to agree to (before a business-started session,
 * or again when the text changed); declined: the user said no (the alternative is offered).
 */
export type VerifyPhase =
  | 'form'
  | 'consent'
  | 'declined'
  | 'working'
  | 'attention'
  | 'interrupted'
  | 'finished';

export interface VerifyView {
  readonly phase: VerifyPhase;
  readonly stepText: string;
  readonly message: string;
  readonly canRetry: boolean;
  readonly needsIdentity: boolean;
  /** Masked forms only; never the identity itself. */
  readonly maskedName: string;
  readonly maskedIdCardNumber: string;
  readonly attemptsText: string;
}

const EMPTY: VerifyView = {
  phase: 'working',
  stepText: '',
  message: '',
  canRetry: false,
  needsIdentity: false,
  maskedName: '',
  maskedIdCardNumber: '',
  attemptsText: '',
};

export const consentView = (): VerifyView => ({ ...EMPTY, phase: 'consent' });
export const formView = (): VerifyView => ({ ...EMPTY, phase: 'form' });
export const declinedView = (): VerifyView => ({
  ...EMPTY,
  phase: 'declined',
  message: '您未同意个人信息处理告知，未进行人脸核验。您可以使用其他方式完成验证。',
});

export function verifyViewOf(state: FlowState): Partial<VerifyView> {
  switch (state.kind) {
    case 'working':
      return { ...EMPTY, stepText: STEP_TEXT[state.step] };
    case 'attention': {
      const v = state.verification;
      return {
        ...EMPTY,
        phase: 'attention',
        message: state.message.text,
        canRetry: state.message.retryable,
        needsIdentity: state.needsIdentity,
        maskedName: v?.maskedName ?? '',
        maskedIdCardNumber: v?.maskedIdCardNumber ?? '',
        attemptsText: v && v.status === 'PENDING' ? `已尝试 ${v.attempts}/${v.maxAttempts} 次` : '',
      };
    }
    case 'consent':
      return {
        ...EMPTY,
        phase: 'consent',
        message: state.changed ? '个人信息处理告知已更新，请阅读并同意后继续' : '',
        maskedName: state.verification?.maskedName ?? '',
        maskedIdCardNumber: state.verification?.maskedIdCardNumber ?? '',
      };
    case 'interrupted':
      return {
        ...EMPTY,
        phase: 'interrupted',
        message: '人脸核验已中断，可继续核验',
        canRetry: true,
        maskedName: state.verification.maskedName,
        maskedIdCardNumber: state.verification.maskedIdCardNumber,
      };
    case 'finished':
      return {
        ...EMPTY,
        phase: 'finished',
        stepText: state.verification.status === 'VERIFIED' ? '核验通过' : '核验已结束',
        maskedName: state.verification.maskedName,
        maskedIdCardNumber: state.verification.maskedIdCardNumber,
      };
  }
}
