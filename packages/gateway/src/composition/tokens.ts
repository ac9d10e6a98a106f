import type { Database } from '@facegate/adapters-postgres';
import type { WeChatApiClient } from '@facegate/adapters-wechat/http';
import type {
  AbuseLimitSettings,
  AbuseLimits,
  AcceptConsent,
  AppStore,
  AuditLog,
  CancelVerification,
  ChooseAlternative,
  Clock,
  ConfirmVerification,
  ConsentReceiptStore,
  ConsentTextRepository,
  ConsoleReadModel,
  DatabaseHealth,
  EraseSubject,
  EventPublisher,
  ExpireVerifications,
  FaceVerificationProvider,
  GetIdentityStatus,
  GetVerification,
  IdentityDigests,
  IdGenerator,
  ListVerifications,
  OutboxPruner,
  PublishConsentText,
  RedactExpiredSessions,
  RedactVerification,
  ReportSubject,
  SessionRedactor,
  SignIn,
  StartVerification,
  VerificationDeps,
  VerificationSessionRepository,
  VerificationSettings,
  WebhookDeliveryLog,
  WebhookDeliveryQueue,
  WebhookEndpointRepository,
  WithdrawConsent,
} from '@facegate/domain';
import type { Sandbox } from '@facegate/wechat-sandbox';
import type { DependencyContainer } from 'tsyringe';
import type { PerAppAdmission } from '../application/abuse/per-app-admission';
import type { AppCatalog } from '../application/apps/app-catalog';
import type { AuditRecorder } from '../application/audit/audit-recorder';
import type { BufferedAuditTrail } from '../application/audit/buffered-audit-trail';
import type { ApiKeyService } from '../application/auth/api-key.service';
import type { UserTokenService } from '../application/auth/user-token';
import type { ConsoleQueryGate } from '../application/console/console-query-gate';
import type { ConsoleSystem } from '../application/console/console-system';
import type { KeyAttemptLimiter } from '../application/console/key-attempt-limiter';
import type { SubscriptionSlots } from '../application/events/subscription-slots';
import type { VerificationEventBus } from '../application/events/verification-event-bus';
import type { RotationAuditSink, SecretRotation } from '../application/rotation/secret-rotation.service';
import type { SandboxDevice } from '../application/sandbox/sandbox-device';
import type { WebhookEndpointsService } from '../application/webhooks/webhook-endpoints.service';
import type { WebhookRelay } from '../application/webhooks/webhook-relay';
import type { GatewayConfig } from '../config/load-config';
import type { AuditCheckpointKey } from '../infrastructure/crypto/audit-checkpoint-key';
import type { KeyRing } from '../infrastructure/crypto/key-ring';
import type { Logger } from '../infrastructure/observability/logger';
import type { GatewayMetrics } from '../infrastructure/observability/metrics';
import type { Lifecycle } from './lifecycle';

/** A Symbol token that carries the type it resolves to: resolving or registering another type does not compile. */
export type Token<T> = symbol & { readonly __resolves?: T };
const token = <T>(name: string): Token<T> => Symbol(name) as Token<T>;

/** Registers a value under a token of its type. */
export function provide<T>(c: DependencyContainer, t: Token<T>, value: T): void {
  c.register(t, { useValue: value });
}

/** Resolves a token as the type it was declared with. */
export function resolve<T>(c: GatewayContainer, t: Token<T>): T {
  return c.resolve(t);
}

/** Every dependency of the gateway, by typed Symbol token (no decorator metadata under esbuild/tsx). */
export const TOKENS = {
  Config: token<GatewayConfig>('Config'),
  Logger: token<Logger>('Logger'),
  Metrics: token<GatewayMetrics>('Metrics'),
  Lifecycle: token<Lifecycle>('Lifecycle'),
  Clock: token<Clock>('Clock'),
  KeyRing: token<KeyRing>('KeyRing'),
  SecretRotation: token<SecretRotation>('SecretRotation'),
  /** Where secret rotation steps are recorded (no-op until the audit trail is wired in). */
  RotationAudit: token<RotationAuditSink>('RotationAudit'),
  /** The start-up check's finding: FACEGATE_SECRET_FALLBACKS entries (from 1) nothing depends on any more. */
  RemovableFallbacks: token<readonly number[]>('RemovableFallbacks'),
  Digests: token<IdentityDigests>('IdentityDigests'),
  IdGenerator: token<IdGenerator>('IdGenerator'),
  Database: token<Database>('Database'),
  DatabaseHealth: token<DatabaseHealth>('DatabaseHealth'),
  /** The console's reads: a small pool of their own on PostgreSQL, a low-priority lane on PGlite. */
  ConsoleDatabase: token<Database>('ConsoleDatabase'),
  Sandbox: token<Sandbox>('Sandbox'),
  /** Sandbox mode: the device side a mini program in DevTools uses instead of the face APIs; else null. */
  SandboxDevice: token<SandboxDevice | null>('SandboxDevice'),
  /** The apps served, each with its WeChat client (application/apps/app-catalog.ts). */
  Apps: token<AppCatalog<WeChatApiClient>>('AppCatalog'),
  /** The apps kept in the database (facegate apps). */
  AppStore: token<AppStore>('AppStore'),
  FaceProvider: token<FaceVerificationProvider>('FaceVerificationProvider'),
  Repository: token<VerificationSessionRepository>('VerificationSessionRepository'),
  EventPublisher: token<EventPublisher>('EventPublisher'),
  EventBus: token<VerificationEventBus>('VerificationEventBus'),
  SubscriptionSlots: token<SubscriptionSlots>('SubscriptionSlots'),
  ApiKeys: token<ApiKeyService>('ApiKeyService'),
  UserTokens: token<UserTokenService>('UserTokenService'),
  /** AbuseLimits with these ceilings, over the one set of shared counters (application/abuse). */
  AbuseLimitsWith: token<(settings: AbuseLimitSettings) => AbuseLimits>('AbuseLimitsWith'),
  RateLimits: token<AbuseLimits>('RateLimits'),
  /** The start limits of each app (PerAppAdmission): the deployment's, or the app's own. */
  StartAdmission: token<PerAppAdmission>('StartAdmission'),
  VerificationSettings: token<VerificationSettings>('VerificationSettings'),
  VerificationDeps: token<VerificationDeps>('VerificationDeps'),
  StartVerification: token<StartVerification>('StartVerification'),
  ConfirmVerification: token<ConfirmVerification>('ConfirmVerification'),
  CancelVerification: token<CancelVerification>('CancelVerification'),
  GetVerification: token<GetVerification>('GetVerification'),
  ExpireVerifications: token<ExpireVerifications>('ExpireVerifications'),
  SignIn: token<SignIn>('SignIn'),
  ListVerifications: token<ListVerifications>('ListVerifications'),
  GetIdentityStatus: token<GetIdentityStatus>('GetIdentityStatus'),
  WebhookEndpointRepository: token<WebhookEndpointRepository>('WebhookEndpointRepository'),
  WebhookDeliveryQueue: token<WebhookDeliveryQueue>('WebhookDeliveryQueue'),
  WebhookDeliveryLog: token<WebhookDeliveryLog>('WebhookDeliveryLog'),
  OutboxPruner: token<OutboxPruner>('OutboxPruner'),
  WebhookEndpoints: token<WebhookEndpointsService>('WebhookEndpointsService'),
  WebhookRelay: token<WebhookRelay>('WebhookRelay'),
  ConsoleQueries: token<ConsoleReadModel>('ConsoleReadModel'),
  ConsoleSystem: token<ConsoleSystem>('ConsoleSystem'),
  ConsoleQueryGate: token<ConsoleQueryGate>('ConsoleQueryGate'),
  KeyAttempts: token<KeyAttemptLimiter>('KeyAttemptLimiter'),
  /** The audit trail's append-only store. */
  AuditLog: token<AuditLog>('AuditLog'),
  /** The Ed25519 key signing the audit trail's checkpoints (derived from FACEGATE_SECRET). */
  AuditCheckpointKey: token<AuditCheckpointKey>('AuditCheckpointKey'),
  /** Recorded events buffered in memory, appended in batches, flushed on shutdown. */
  AuditTrail: token<BufferedAuditTrail>('AuditTrail'),
  /** Records events with a request's (or the CLI's) actor. */
  Audit: token<AuditRecorder>('AuditRecorder'),
  ConsentTexts: token<ConsentTextRepository>('ConsentTextRepository'),
  ConsentReceipts: token<ConsentReceiptStore>('ConsentReceiptStore'),
  SessionRedactor: token<SessionRedactor>('SessionRedactor'),
  PublishConsentText: token<PublishConsentText>('PublishConsentText'),
  AcceptConsent: token<AcceptConsent>('AcceptConsent'),
  WithdrawConsent: token<WithdrawConsent>('WithdrawConsent'),
  ChooseAlternative: token<ChooseAlternative>('ChooseAlternative'),
  RedactVerification: token<RedactVerification>('RedactVerification'),
  EraseSubject: token<EraseSubject>('EraseSubject'),
  ReportSubject: token<ReportSubject>('ReportSubject'),
  RedactExpiredSessions: token<RedactExpiredSessions>('RedactExpiredSessions'),
} as const;

/**
 * The built container as the rest of the gateway and its tests see it: a token resolves to the type it was
 * declared with, and nothing else can be asked of it (no string or class tokens, no unchecked type argument).
 */
export interface GatewayContainer {
  resolve<T>(token: Token<T>): T;
}
