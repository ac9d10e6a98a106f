import type { LoginAnswer, LoginPort, LoginRefusal } from '@facegate/domain';
import type { WeChatApiClient } from './wechat-api-client';
import { WeChatLoginError, type WeChatLoginErrorCode } from './wechat-login.errors';

const REFUSALS: Record<WeChatLoginErrorCode, LoginRefusal> = {
  INVALID_CODE: 'CODE_INVALID',
  CODE_USED: 'CODE_USED',
  RATE_LIMITED: 'RATE_LIMITED',
  USER_BLOCKED: 'USER_BLOCKED',
  REJECTED: 'REJECTED',
};

/** The domain's LoginPort over jscode2session: WeChat's refusals become data, transient trouble is thrown. */
export class WeChatLogin implements LoginPort {
  constructor(private readonly client: Pick<WeChatApiClient, 'code2Session'>) {}

  async exchange(code: string): Promise<LoginAnswer> {
    try {
      const { openid } = await this.client.code2Session(code);
      return { ok: true, openid };
    } catch (error) {
      if (!(error instanceof WeChatLoginError)) throw error;
      return { ok: false, refusal: REFUSALS[error.code], upstreamCode: error.errcode };
    }
  }
}
