import type {
  ClaimedWebhookDelivery,
  WebhookAttemptOutcome,
  WebhookClaimLimits,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookDescriber,
  WebhookEndpointOwner,
} from './webhook.types.js';

/** Where a delivery goes after an attempt: DELIVERED, FAILED, or PENDING again at `retryAt`. */
export interface WebhookDeliveryNext {
  readonly status: WebhookDeliveryStatus;
  readonly retryAt: Date | null;
}

/**
 * The deliveries still to send, shared by any number of relays: each is taken by one claim at a time, for a
 * lease, and a delivery whose holder died is due again when the lease ends (at least once).
 */
export interface WebhookDeliveryQueue {
  /**
   * Fans out up to `limit` undispatched outbox events, oldest first, to the enabled endpoints subscribed to
   * their webhook type (`describe` gives the type and body; null: not a webhook event), and marks them
   * dispatched, at once. An event is fanned out to an endpoint at most once. Returns how many events were
   * dispatched (fewer than `limit`: none are left).
   */
  dispatchOutbox(now: Date, limit: number, describe: WebhookDescriber): Promise<number>;
  /**
   * When the oldest outbox event not yet fanned out was written; null when every event is. What an operator
   * watches as the outbox's lag: it grows when no instance's relay keeps up.
   */
  oldestUndispatchedAt(): Promise<Date | null>;
  /**
   * Takes up to `limit` due deliveries for `leaseMs` under `claimToken`: pending, of an enabled endpoint, and
   * the earliest unfinished event of their session for that endpoint (order per session), with no earlier
   * event of the session still waiting in the outbox. `limits` spreads the claim over endpoints: at most
   * `perEndpoint` in flight each (counting `inFlight`; only 1 while it is failing), at most `sharedLimit`
   * being an endpoint's second or later; an endpoint with nothing in flight is served first. Oldest event
   * first.
   */
  claimDue(
    now: Date,
    limit: number,
    leaseMs: number,
    claimToken: string,
    limits?: WebhookClaimLimits,
  ): Promise<ClaimedWebhookDelivery[]>;
  /** Gives a claimed delivery back unsent: due again at `now`, for anyone. Only while this claim holds it. */
  releaseClaim(claim: ClaimedWebhookDelivery, now: Date): Promise<void>;
  /**
   * Records the attempt, and moves the delivery on as `next` says only while this claim still holds it. A
   * success clears the endpoint's failure streak; a failure starts one if none is running.
   */
  finishAttempt(
    claim: ClaimedWebhookDelivery,
    outcome: WebhookAttemptOutcome,
    next: WebhookDeliveryNext,
  ): Promise<void>;
  /**
   * Sends a delivery of an endpoint of `owner` again from the start of the schedule (attempts 0, due at
   * `now`; it keeps its id). Null when there is no such delivery of `owner`.
   */
  redeliver(id: string, now: Date, owner?: WebhookEndpointOwner): Promise<WebhookDelivery | null>;
}
