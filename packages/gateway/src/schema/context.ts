import type { WeChatApiClient } from '@facegate/adapters-wechat/http';
import type {
  CancelVerification,
  Clock,
  ConfirmVerification,
  GetVerification,
  IdentityDigests,
  StartVerification,
  VerificationSessionRepository,
  VerificationSessionSnapshot,
} from '@facegate/domain';
import type { ApiKeyService } from '../auth/api-key.service';
import type { UserTokenService } from '../auth/user-token';
import type { Viewer } from '../auth/viewer';
import type { GatewayConfig } from '../config';
import type { RateLimits } from '../di/container';
import type { SubscriptionSlots } from '../events/subscription-slots';
import type { VerificationEventBus } from '../events/verification-event-bus';
import type { Logger } from '../observability/logger';

/** What resolvers use; resolved from the container once per gateway. */
export interface GatewayServices {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly digests: IdentityDigests;
  readonly wechat: Pick<WeChatApiClient, 'code2Session'>;
  readonly userTokens: UserTokenService;
  readonly apiKeys: ApiKeyService;
  readonly rateLimits: RateLimits;
  readonly repository: VerificationSessionRepository;
  readonly eventBus: VerificationEventBus;
  readonly subscriptionSlots: SubscriptionSlots;
  readonly startVerification: StartVerification;
  readonly confirmVerification: ConfirmVerification;
  readonly cancelVerification: CancelVerification;
  readonly getVerification: GetVerification;
}

export interface GatewayContext {
  readonly viewer: Viewer;
  readonly services: GatewayServices;
  readonly requestId: string;
  readonly clientAddress: string;
  /**
   * The caller's own name and ID number, kept in memory for the response of the startVerification that
   * received them (legacy without a userIdKey needs them on the device). Never stored.
   */
  readonly echoedIdentity: WeakMap<VerificationSessionSnapshot, { name: string; idCardNumber: string }>;
}
