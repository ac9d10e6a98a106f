export { certHash } from './cert-hash';
export { redactUrl } from './redact';
export type {
  Answer,
  LegacyInfoValue,
  SessionValue,
  UserIdKeyValue,
  VerifyIdValue,
} from './response-validators';
export { DEFAULT_RETRY_SETTINGS, fullJitterDelayMs, type RetrySettings } from './retry-policy';
export {
  type UpstreamObserver,
  type UpstreamOutcome,
  type VerifyIdRequest,
  type VerifyInfoQuery,
  WeChatApiClient,
  type WeChatClientOptions,
  type WeChatLogger,
  type WeChatTimeouts,
} from './wechat-api-client';
export { clientsOf, type WeChatClients } from './wechat-clients';
export { WeChatFaceVerificationProvider } from './wechat-face-verification-provider';
export { WeChatLogin } from './wechat-login';
export { WeChatLoginError, type WeChatLoginErrorCode } from './wechat-login.errors';
