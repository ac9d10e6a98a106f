export { AesGcmFieldCipher, type FieldCipher, FieldCipherError } from './crypto/aes-gcm-field-cipher';
export {
  type Database,
  DatabaseConfigError,
  type DatabaseKind,
  DataDirInUseError,
  isDatabaseUnavailable,
  type Queryable,
  SqlDatabaseHealth,
} from './database/database';
export { type OpenDatabaseOptions, openDatabase, openLowPriorityDatabase } from './database/open-database';
export { loadMigrations, type Migration, MigrationError, migrate } from './migrate';
export { ApiKeyPrefixTakenError, SqlApiKeyStore } from './sql-api-key.store';
export { SqlBatchedCounterStore } from './sql-batched-counter.store';
export { CONSOLE_TIME_ZONE, SqlConsoleQueries } from './sql-console-queries';
export {
  parseVerificationEvent,
  SqlOutboxEventPublisher,
  serializeVerificationEvent,
} from './sql-outbox-event.publisher';
export {
  type OutboxFeedOptions,
  SqlOutboxFeed,
  subscribeToVerificationEvents,
} from './sql-outbox-feed';
export { SqlRateLimitCounterStore } from './sql-rate-limit-counter.store';
export { SqlVerificationSessionRepository } from './sql-verification-session.repository';
export {
  type AttemptOutcome,
  type ClaimedWebhookDelivery,
  type ClaimLimits,
  type DeliveryPageCursor,
  type EndpointOwner,
  EVERY_OWNER,
  type OutboxRow,
  SqlWebhookStore,
  type WebhookAttemptRecord,
  type WebhookDeliveryRecord,
  type WebhookDeliveryStatus,
  type WebhookEndpointRecord,
} from './sql-webhook.store';
