/**
 * WeChat login (wx.login code -> openid), as the domain sees it. Implemented over jscode2session by
 * @facegate/adapters-wechat/http. A refusal is data; transient trouble is thrown (UpstreamUnavailableError).
 */
export type LoginRefusal = 'CODE_INVALID' | 'CODE_USED' | 'RATE_LIMITED' | 'USER_BLOCKED' | 'REJECTED';

export type LoginAnswer =
  | { readonly ok: true; readonly openid: string }
  | { readonly ok: false; readonly refusal: LoginRefusal; readonly upstreamCode: number };

export interface LoginPort {
  /** jscode2session with `app`'s appid and secret: a code from another mini program is refused. */
  exchange(code: string, app: string): Promise<LoginAnswer>;
}
