export {
  AesGcmFieldCipher,
  type FieldCipher,
  FieldCipherError,
  type FieldCipherKey,
} from './crypto/aes-gcm-field-cipher';
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
export { parseVerificationEvent, serializeVerificationEvent } from './outbox-event-codec';
export { ApiKeyPrefixTakenError, SqlApiKeyStore } from './sql-api-key.store';
export { appSecretContext, SqlAppStore } from './sql-app-store';
export { SqlAuditLog } from './sql-audit-log';
export { SqlBatchedCounterStore } from './sql-batched-counter.store';
export { SqlConsentReceipts, SqlConsentTexts } from './sql-consent';
export { CONSOLE_TIME_ZONE, SqlConsoleQueries } from './sql-console-queries';
export {
  type OutboxFeedOptions,
  SqlOutboxFeed,
  subscribeToVerificationEvents,
} from './sql-outbox-feed';
export { SqlOutboxPruner } from './sql-outbox-pruner';
export { SqlRateLimitCounterStore } from './sql-rate-limit-counter.store';
export { SqlSecretRotation, type SqlSecretRotationOptions } from './sql-secret-rotation';
export { SqlVerificationSessionRepository } from './sql-verification-session.repository';
export { SqlWebhookDeliveryLog } from './sql-webhook-delivery-log';
export { SqlWebhookDeliveryQueue } from './sql-webhook-delivery-queue';
export { SqlWebhookEndpointRepository } from './sql-webhook-endpoint.repository';
