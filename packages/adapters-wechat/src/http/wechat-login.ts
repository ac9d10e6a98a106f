import type { LoginAnswer, LoginPort, LoginRefusal } from '@facegate/domain';
import type { WeChatApiClient } from './wechat-api-client';
import { clientsOf, type WeChatClients } from './wechat-clients';
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
  private readonly clients: WeChatClients<Pick<WeChatApiClient, 'code2Session'>>;

  /** One client for every app, or each app's own: a code is exchanged with its app's appid and secret. */
  constructor(
    clients: Pick<WeChatApiClient, 'code2Session'> | WeChatClients<Pick<WeChatApiClient, 'code2Session'>>,
  ) {
    this.clients = clientsOf(clients);
  }

  async exchange(code: string, app: string): Promise<LoginAnswer> {
    try {
      const { openid } = await this.clients.forApp(app).code2Session(code);
      return { ok: true, openid };
    } catch (error) {
      if (!(error instanceof WeChatLoginError)) throw error;
      return { ok: false, refusal: REFUSALS[error.code], upstreamCode: error.errcode };
    }
  }
}
