export {
  type AppFigures,
  type ChaosDatabase,
  type ChaosOptions,
  type ChaosReport,
  DEFAULT_OPTIONS,
  type ExtraChaosApp,
  extraChaosApps,
  planVerifications,
  runChaos,
} from './chaos-run';
export {
  type Check,
  type DatabaseFacts,
  DEFAULT_LIMITS,
  evaluateChecks,
  isolationChecks,
  type StoredSession,
  type UpstreamFacts,
} from './checks';
export { readBackSessions, readDatabaseFacts } from './database-facts';
export {
  createServiceKey,
  GATEWAY_BIN,
  GatewayProcess,
  type GatewayProcessOptions,
  killAllChildren,
  LogTally,
  runFacegateCommand,
} from './gateway-process';
export {
  GraphqlClient,
  type GraphqlErrorInfo,
  MINI_PROGRAM_RETRY,
  type Retried,
  type RetryBudget,
  type RetryCause,
  RetryStats,
  retryCauseOf,
  type Try,
  withRetries,
} from './graphql-client';
export { checkDigitOf, type Identity, randomIdentity } from './identities';
export { perKindRate } from './random';
export { formatReport } from './report';
export { type SseSubscription, subscribeOverSse } from './sse';
export {
  ChaosWebhookReceiver,
  readWebhookFacts,
  type WebhookFacts,
  webhookChecks,
} from './webhook-receiver';
export * from './workload';
