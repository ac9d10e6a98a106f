import type { WebhookEndpoint, WebhookEndpointOwner } from './webhook.types.js';

export interface NewWebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly events: readonly string[];
  /** The apps whose sessions it is told of; null or omitted = every app. */
  readonly apps?: readonly string[] | null;
  /** Stored sealed; handed back only to a claim (ClaimedWebhookDelivery.secrets). */
  readonly secret: string;
  readonly createdBy: string;
  readonly now: Date;
}

export interface WebhookEndpointChange {
  readonly url?: string;
  readonly description?: string;
  readonly events?: readonly string[];
  /** null: every app. */
  readonly apps?: readonly string[] | null;
  readonly enabled?: boolean;
}

/**
 * Webhook endpoints. Every read and change of an existing endpoint takes an `owner` (default: every owner):
 * an endpoint of another owner is answered exactly as a missing one (null / false), checked in the same
 * statement as the change, so ids cannot be probed and a check cannot race the change.
 */
export interface WebhookEndpointRepository {
  create(input: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  /** Oldest first (then by id): every endpoint, or only those `owner` created. */
  list(owner?: WebhookEndpointOwner): Promise<WebhookEndpoint[]>;
  find(id: string, owner?: WebhookEndpointOwner): Promise<WebhookEndpoint | null>;
  /**
   * Changes the given fields. `enabled: true` also forgets a past failure streak (and the disabled reason);
   * `enabled: false` disables it as MANUAL and marks its pending deliveries FAILED with ENDPOINT_DISABLED.
   */
  update(
    id: string,
    change: WebhookEndpointChange,
    now: Date,
    owner?: WebhookEndpointOwner,
  ): Promise<WebhookEndpoint | null>;
  /** The new secret signs from now on; the current one keeps signing too until `previousUntil`. */
  rotateSecret(
    id: string,
    secret: string,
    previousUntil: Date,
    now: Date,
    owner?: WebhookEndpointOwner,
  ): Promise<WebhookEndpoint | null>;
  /** Deletes the endpoint with its deliveries and attempts; false when there is no such endpoint of `owner`. */
  delete(id: string, owner?: WebhookEndpointOwner): Promise<boolean>;
  /**
   * Disables the endpoint (FAILING) if it is enabled and has failed continuously since `failingBefore` or
   * earlier; its pending deliveries are then marked FAILED with ENDPOINT_FAILING (redeliver can send them
   * again). Returns whether it was disabled now.
   */
  disableIfFailingSince(endpointId: string, failingBefore: Date, now: Date): Promise<boolean>;
}
