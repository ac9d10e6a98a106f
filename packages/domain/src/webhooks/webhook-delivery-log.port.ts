import type { PageCursor } from '../ports/verification-session.repository.port.js';
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpointOwner,
} from './webhook.types.js';

export interface WebhookDeliveryPage {
  readonly items: WebhookDelivery[];
  readonly hasNextPage: boolean;
}

/** What was delivered, and every attempt: the history operators and API keys read. */
export interface WebhookDeliveryLog {
  /** The delivery, if it exists and belongs to an endpoint of `owner`; null otherwise. */
  find(id: string, owner?: WebhookEndpointOwner): Promise<WebhookDelivery | null>;
  /** One endpoint's deliveries, newest first (then by id), after the keyset position `after`. */
  list(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    first: number,
    after: PageCursor | null,
  ): Promise<WebhookDeliveryPage>;
  /** Every delivery about these sessions, newest first (a person's copy of what was sent about them). */
  listForSessions(sessionIds: readonly string[]): Promise<WebhookDelivery[]>;
  /** Every recorded attempt of these deliveries, oldest first, in one read however many they are. */
  attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttempt[]>;
  /** Deletes finished deliveries (and their attempts) that ended before `olderThan`, at most `batch`. */
  prune(olderThan: Date, batch?: number): Promise<number>;
}
