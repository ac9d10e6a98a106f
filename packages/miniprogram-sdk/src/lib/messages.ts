import { describeFailure, FAILURE_CODES, type FailureCode } from '@facegate/domain';
import { GatewayProtocolError, GatewayRequestError } from './graphql-client';
import { NetworkError, WxLoginError } from './wx-async';

/** What the user is told, and whether a retry button makes sense. */
export interface UserMessage {
  /** A failure code from the domain taxonomy, a gateway error code, or one of the SDK's own (NETWORK...). */
  readonly code: string;
  readonly text: string;
  readonly retryable: boolean;
}

const isFailureCode = (code: string): code is FailureCode =>
  (FAILURE_CODES as readonly string[]).includes(code);

/** A failed face-check attempt, from the domain taxonomy (the same wording the gateway uses). */
export function failureMessage(failure: {
  code: string;
  retryable?: boolean;
  message?: string;
}): UserMessage {
  if (isFailureCode(failure.code)) {
    const described = describeFailure(failure.code);
    return { code: failure.code, text: described.zh, retryable: failure.retryable ?? described.retryable };
  }
  return {
    code: failure.code,
    text: failure.message || '人脸核验未通过，请稍后重试',
    retryable: failure.retryable ?? true,
  };
}

/** A failure code the flow decided locally (for example the device cannot run the check). */
export function failureMessageOf(code: FailureCode): UserMessage {
  const described = describeFailure(code);
  return { code, text: described.zh, retryable: described.retryable };
}

const REQUEST_ERROR_MESSAGES: Readonly<Record<string, Omit<UserMessage, 'code'>>> = {
  UNAUTHENTICATED: { text: '登录状态已失效，请重试', retryable: true },
  FORBIDDEN: { text: '当前微信账号无权进行该核验，请使用发起核验的微信账号打开', retryable: false },
  NOT_FOUND: { text: '未找到该核验记录，请返回重新发起', retryable: false },
  CONFLICT: { text: '核验状态已发生变化，请重试', retryable: true },
  RATE_LIMITED: { text: '操作过于频繁，请稍后再试', retryable: true },
  UPSTREAM_UNAVAILABLE: { text: '微信核验服务暂时不可用，请稍后重试', retryable: true },
  BAD_USER_INPUT: { text: '提交的信息不符合要求，请检查后重试', retryable: false },
};

/** Anything thrown while talking to WeChat or the gateway, as one clear zh-CN sentence. */
export function requestErrorMessage(error: unknown): UserMessage {
  if (error instanceof NetworkError)
    return { code: error.code, text: '网络连接失败，请检查网络后重试', retryable: true };
  if (error instanceof WxLoginError)
    return { code: error.code, text: '微信登录失败，请检查网络后重试', retryable: true };
  if (error instanceof GatewayProtocolError)
    return { code: error.code, text: '核验服务响应异常，请稍后重试', retryable: true };
  if (error instanceof GatewayRequestError) {
    // An input error the gateway explains in zh-CN (an ID number rule, a minor...): its words are the best.
    const zh = error.extensions.messageZh;
    if (error.code === 'BAD_USER_INPUT' && typeof zh === 'string' && zh !== '') {
      const rule = error.extensions.rule;
      return { code: typeof rule === 'string' ? rule : error.code, text: zh, retryable: false };
    }
    const known = REQUEST_ERROR_MESSAGES[error.code] ?? {
      text: '核验服务暂时异常，请稍后重试',
      retryable: true,
    };
    return { code: error.code, ...known };
  }
  return { code: 'UNEXPECTED', text: '出现了意外错误，请稍后重试', retryable: true };
}
