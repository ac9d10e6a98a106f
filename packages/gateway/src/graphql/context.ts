import type {
  AbuseLimits,
  AcceptConsent,
  AuditEventReader,
  CancelVerification,
  ChooseAlternative,
  Clock,
  ConfirmVerification,
  ConsentReceiptStore,
  ConsentTextRepository,
  ConsoleReadModel,
  EraseSubject,
  GetIdentityStatus,
  GetVerification,
  IdentityDigests,
  ListVerifications,
  PublishConsentText,
  RedactVerification,
  ReportSubject,
  SignIn,
  StartVerification,
  VerificationSessionSnapshot,
  WithdrawConsent,
} from '@facegate/domain';
import type { AppsView } from '../application/apps/app-catalog';
import type { AuditRecorder } from '../application/audit/audit-recorder';
import type { ApiKeyService } from '../application/auth/api-key.service';
import type { UserTokenService } from '../application/auth/user-token';
import type { Viewer } from '../application/auth/viewer';
import type { ConsoleSystem } from '../application/console/console-system';
import type { SubscriptionSlots } from '../application/events/subscription-slots';
import type { VerificationEventBus } from '../application/events/verification-event-bus';
import type { SandboxDevice } from '../application/sandbox/sandbox-device';
import type { WebhookEndpointsService } from '../application/webhooks/webhook-endpoints.service';
import type { GatewayConfig } from '../config/load-config';
import type { Logger } from '../infrastructure/observability/logger';

/** What resolvers use; resolved from the container once per gateway. */
export interface GatewayServices {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly digests: IdentityDigests;
  readonly userTokens: UserTokenService;
  readonly apiKeys: ApiKeyService;
  readonly rateLimits: AbuseLimits;
  readonly eventBus: VerificationEventBus;
  readonly subscriptionSlots: SubscriptionSlots;
  readonly startVerification: StartVerification;
  readonly confirmVerification: ConfirmVerification;
  readonly cancelVerification: CancelVerification;
  readonly getVerification: GetVerification;
  readonly webhooks: WebhookEndpointsService;
  /** The operator console's read paths (graphql/types/console-*.ts). */
  readonly console: { readonly queries: ConsoleReadModel; readonly system: ConsoleSystem };
  readonly signIn: SignIn;
  readonly listVerifications: ListVerifications;
  readonly getIdentityStatus: GetIdentityStatus;
  /** The apps served (by slug or appid), their overrides, and how each is configured. */
  readonly apps: AppsView;
  /** Sandbox mode only (null otherwise): the sandbox's device routes and test identities. */
  readonly sandboxDevice: SandboxDevice | null;
  /** Records audit events (buffered; never a round trip on the request's path). */
  readonly audit: AuditRecorder;
  /** Reads the audit trail (auditEvents). */
  readonly auditEvents: AuditEventReader;
  /** Consent, the alternative, redaction and a person's copy (graphql/types/privacy.type.ts). */
  readonly privacy: {
    readonly texts: ConsentTextRepository;
    readonly receipts: ConsentReceiptStore;
    readonly publish: PublishConsentText;
    readonly accept: AcceptConsent;
    readonly withdraw: WithdrawConsent;
    readonly chooseAlternative: ChooseAlternative;
    readonly redact: RedactVerification;
    readonly erase: EraseSubject;
    readonly report: ReportSubject;
  };
}

export interface GatewayContext {
  readonly viewer: Viewer;
  readonly services: GatewayServices;
  readonly requestId: string;
  readonly clientAddress: string;
  /** The request came from the operator console (its client header): audited as `console:<key id>`. */
  readonly viaConsole: boolean;
  /**
   * The caller's own name and ID number, kept in memory for the response of the startVerification that
   * received them (legacy without a userIdKey needs them on the device). Never stored.
   */
  readonly echoedIdentity: WeakMap<VerificationSessionSnapshot, { name: string; idCardNumber: string }>;
  /** Sessions this request's startVerification created: their caller gave the openid and identity itself. */
  readonly startedByCaller: WeakSet<VerificationSessionSnapshot>;
}
