import type {
  FaceVerificationProvider,
  LegacyPrepared,
  LegacyPrepareInput,
  LegacyVerifyInfo,
  Prepared,
  PrepareInput,
  V2Prepared,
  V2PrepareInput,
  V2VerifyInfo,
  V2VerifyQuery,
} from '@facegate/domain';
import type { WeChatApiClient } from './wechat-api-client';
import { clientsOf, type WeChatClients } from './wechat-clients';

/**
 * The domain's FaceVerificationProvider over WeChat's HTTP API. WeChat's errcodes come back as data (the
 * domain's rules judge them); transient trouble and malformed answers are thrown by the client. Each call is
 * made with its app's client (appid, secret, access token), so one app's token trouble is its own.
 */
export class WeChatFaceVerificationProvider implements FaceVerificationProvider {
  private readonly clients: WeChatClients;

  /** One client for every app (a deployment of one mini program), or each app's own. */
  constructor(clients: WeChatApiClient | WeChatClients) {
    this.clients = clientsOf(clients);
  }

  prepare(input: LegacyPrepareInput): Promise<LegacyPrepared>;
  prepare(input: V2PrepareInput): Promise<V2Prepared>;
  prepare(input: PrepareInput): Promise<Prepared>;
  async prepare(input: PrepareInput): Promise<Prepared> {
    const client = this.clients.forApp(input.app);
    if (input.protocol === 'LEGACY') {
      const answer = await client.getUserIdKey(input.name, input.idCardNumber);
      return answer.ok
        ? {
            protocol: 'LEGACY',
            errcode: 0,
            userIdKey: answer.value.userIdKey,
            expiresInSeconds: answer.value.expiresInSeconds,
          }
        : { protocol: 'LEGACY', errcode: answer.errcode, userIdKey: null, expiresInSeconds: 0 };
    }
    const answer = await client.getVerifyId({
      outSeqNo: input.outSeqNo,
      openid: input.openid,
      name: input.name,
      idCardNumber: input.idCardNumber,
    });
    return answer.ok
      ? {
          protocol: 'V2',
          errcode: 0,
          verifyId: answer.value.verifyId,
          expiresInSeconds: answer.value.expiresInSeconds,
        }
      : { protocol: 'V2', errcode: answer.errcode, verifyId: null, expiresInSeconds: 0 };
  }

  async fetchLegacyResult(verifyResult: string, app: string): Promise<LegacyVerifyInfo> {
    const answer = await this.clients.forApp(app).getLegacyVerifyInfo(verifyResult);
    if (!answer.ok) {
      return {
        errcode: answer.errcode,
        identifyRet: null,
        identifyTime: null,
        finishTime: null,
        validateData: null,
        openid: null,
        userIdKey: null,
        idCardNumberMd5: null,
        nameUtf8Md5: null,
        checkAliveType: null,
      };
    }
    return { errcode: 0, ...answer.value };
  }

  async fetchV2Result(query: V2VerifyQuery): Promise<V2VerifyInfo> {
    const { app, ...rest } = query;
    const answer = await this.clients.forApp(app).queryVerifyInfo(rest);
    return answer.ok ? { errcode: 0, verifyRet: answer.value } : { errcode: answer.errcode, verifyRet: null };
  }
}
