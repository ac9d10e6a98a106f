import { WxFaceVerifyClient } from '@facegate/adapters-wechat/jsapi';
import type { FaceVerifyClient } from '@facegate/domain';
import { envConfigOf } from '../config/env.config';
import { GatewayApi } from './gateway-api';
import { GraphQLClient } from './graphql-client';

export interface Services {
  readonly api: GatewayApi;
  readonly face: FaceVerifyClient;
  readonly gatewayUrl: string;
}

/**
 * The composition root of the mini program: built from the `wx` the page runs with, on each use, so the
 * environment (and a test's fake wx) is read when the call happens.
 */
export function createServices(wxApi: WechatMiniprogram.Wx = wx): Services {
  const config = envConfigOf(wxApi);
  const client = new GraphQLClient({
    wx: wxApi as never,
    url: () => config.gatewayUrl,
    timeoutMs: config.requestTimeoutMs,
  });
  const api = new GatewayApi({
    client,
    wx: wxApi as never,
    gatewayUrl: () => config.gatewayUrl,
    now: () => Date.now(),
  });
  return { api, face: new WxFaceVerifyClient(wxApi as never), gatewayUrl: config.gatewayUrl };
}
