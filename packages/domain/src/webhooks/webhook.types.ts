export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** Where signed webhooks are POSTed. Its secret never leaves the store but in a claim. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly events: readonly string[];
  /** The apps whose sessions it is told of; null = every app. */
  readonly apps: readonly string[] | null;
  readonly enabled: boolean;
  /** 'MANUAL' or 'FAILING' while disabled. */
  readonly disabledReason: string | null;
  readonly disabledAt: Date | null;
  /** The first failure since the last success; null while healthy. */
  readonly failingSince: Date | null;
  /** Until when the previous secret still signs too (after a rotation). */
  readonly previousSecretExpiresAt: Date | null;
  /** The API key id that created it, or 'cli'. */
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One event for one endpoint; its id is also the webhook-id header, the same on every attempt. */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  /** The outbox event it fans out. */
  readonly eventId: number;
  readonly eventType: string;
  readonly sessionId: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastStatusCode: number | null;
  /** A category (HTTP_503, TIMEOUT, ENDPOINT_DISABLED, ...), never an error's own text. */
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export interface WebhookAttempt {
  readonly deliveryId: string;
  readonly attemptedAt: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly responseExcerpt: string | null;
  /** A category, as WebhookDelivery.lastError. */
  readonly error: string | null;
}

/** What one attempt found, to record with WebhookDeliveryQueue.finishAttempt. */
export type WebhookAttemptOutcome = Omit<WebhookAttempt, 'deliveryId'>;

/** A delivery one relay holds until its lease ends, with what it needs to send it. */
export interface ClaimedWebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: number;
  readonly eventType: string;
  readonly sessionId: string;
  /** The exact body to sign and send. */
  readonly body: string;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly url: string;
  /** Every secret that signs this attempt: the current one, and the previous one during a rotation. */
  readonly secrets: readonly string[];
  /** Finishing or releasing the delivery takes effect only while this claim still holds it. */
  readonly claimToken: string;
}

/** How a claim spreads over endpoints (see WebhookDeliveryQueue.claimDue). */
export interface WebhookClaimLimits {
  /** Deliveries the claimer already has in flight, per endpoint id. */
  readonly inFlight?: ReadonlyMap<string, number>;
  /** At most this many in flight per endpoint, counting `inFlight` (1 while the endpoint is failing). */
  readonly perEndpoint?: number;
  /** At most this many of the claimed may be an endpoint's second or later in flight; default: all. */
  readonly sharedLimit?: number;
}

/**
 * An event of the transactional outbox, as the fan-out reads it: the session change (`payload`, the event's
 * wire form) and what a webhook says about the session (`sessionDetails`: protocol, openid, the last failure
 * and dates; no personal data). Both are JSON as stored, so they are checked where they are read.
 */
export interface OutboxEventRow {
  readonly id: number;
  readonly eventType: string;
  readonly sessionId: string;
  readonly payload: unknown;
  readonly sessionDetails: unknown;
  readonly createdAt: Date;
}

/** Turns an outbox event into its webhook; null: not a webhook event (nothing is delivered for it). */
export type WebhookDescriber = (
  row: OutboxEventRow,
) => { type: string; body: string; readonly app?: string } | null;

/**
 * Whose endpoints an operation may see: the creator's id (an API key id, or 'cli'), or EVERY_ENDPOINT_OWNER
 * for the CLI and the console's admins. Another owner's endpoint is answered as if it did not exist.
 */
export type WebhookEndpointOwner = string | null;
export const EVERY_ENDPOINT_OWNER: WebhookEndpointOwner = null;
