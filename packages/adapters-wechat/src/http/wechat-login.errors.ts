export type WeChatLoginErrorCode =
  | 'INVALID_CODE'
  | 'CODE_USED'
  | 'RATE_LIMITED'
  | 'USER_BLOCKED'
  | 'REJECTED';

/** jscode2session refused the code. The message never contains the code itself. */
export class WeChatLoginError extends Error {
  constructor(
    readonly code: WeChatLoginErrorCode,
    readonly errcode: number,
  ) {
    super(`WeChat login rejected the code: ${code} (errcode ${errcode})`);
    this.name = 'WeChatLoginError';
  }
}

const LOGIN_ERRCODES: ReadonlyMap<number, WeChatLoginErrorCode> = new Map([
  [40029, 'INVALID_CODE'],
  [40163, 'CODE_USED'],
  [45011, 'RATE_LIMITED'],
  [40226, 'USER_BLOCKED'],
]);

/** Any other non-transient errcode (40013 bad appid, 40125 bad secret, ...) is REJECTED with the raw code. */
export function loginErrorCodeOf(errcode: number): WeChatLoginErrorCode {
  return LOGIN_ERRCODES.get(errcode) ?? 'REJECTED';
}
