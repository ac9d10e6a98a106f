export { AesGcmFieldCipher, type FieldCipher, FieldCipherError } from './crypto/aes-gcm-field-cipher';
export {
  type Database,
  DatabaseConfigError,
  type DatabaseKind,
  isDatabaseUnavailable,
  type Queryable,
} from './database/database';
export { type OpenDatabaseOptions, openDatabase } from './database/open-database';
export { loadMigrations, type Migration, MigrationError, migrate } from './migrate';
export {
  ApiKeyPrefixTakenError,
  type ApiKeyRecord,
  type CreateApiKeyInput,
  SqlApiKeyStore,
} from './sql-api-key.store';
export {
  type OutboxLogger,
  parseVerificationEvent,
  SqlOutboxEventPublisher,
  serializeVerificationEvent,
  subscribeToVerificationEvents,
  VERIFICATION_EVENTS_CHANNEL,
} from './sql-outbox-event.publisher';
export { type RateLimitHit, SqlRateLimitCounterStore } from './sql-rate-limit-counter.store';
export { SqlVerificationSessionRepository } from './sql-verification-session.repository';
export { resetDatabaseForTests } from './testing';
