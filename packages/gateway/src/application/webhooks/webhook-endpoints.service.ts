import { randomBytes } from 'node:crypto';
import {
  type Clock,
  type PageCursor,
  WEBHOOK_EVENT_TYPES,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryLog,
  type WebhookDeliveryPage,
  type WebhookDeliveryQueue,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  type WebhookEndpointOwner,
  type WebhookEndpointRepository,
  type WebhookEventType,
} from '@facegate/domain';
import { generateWebhookSecret } from '../../infrastructure/webhooks/webhook-signing';
import {
  checkWebhookUrl,
  WebhookUrlError,
  type WebhookUrlPolicy,
} from '../../infrastructure/webhooks/webhook-url-policy';

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** Bad input to an endpoint operation: which field, which rule. */
export class WebhookInputError extends Error {
  readonly code = 'WEBHOOK_INPUT' as const;
  constructor(
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookInputError';
  }
}

export class WebhookNotFoundError extends Error {
  readonly code = 'WEBHOOK_NOT_FOUND' as const;
  constructor(readonly what: 'endpoint' | 'delivery') {
    super(`webhook ${what} not found`);
    this.name = 'WebhookNotFoundError';
  }
}

/** The operation does not fit the endpoint's state (e.g. redelivering to a disabled endpoint). */
export class WebhookConflictError extends Error {
  readonly code = 'WEBHOOK_CONFLICT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'WebhookConflictError';
  }
}

export interface EndpointWithSecret {
  readonly endpoint: WebhookEndpoint;
  /** Shown once: only its sealed form is stored. */
  readonly secret: string;
}

/**
 * Endpoint management shared by the GraphQL API and the CLI: validation, secrets, rotation. Every operation
 * on existing endpoints takes an `owner`: an API key id sees and changes only the endpoints it created
 * (another key's endpoint is WebhookNotFoundError, exactly like an unknown id, so ids cannot be probed);
 * EVERY_ENDPOINT_OWNER (the CLI, the console's admins) reaches all of them.
 */
export class WebhookEndpointsService {
  constructor(
    private readonly ports: {
      readonly endpoints: WebhookEndpointRepository;
      readonly queue: WebhookDeliveryQueue;
      readonly log: WebhookDeliveryLog;
    },
    private readonly clock: Clock,
    private readonly policy: WebhookUrlPolicy,
  ) {}

  async create(input: {
    url: string;
    events: readonly string[];
    description?: string | null;
    createdBy: string;
  }): Promise<EndpointWithSecret> {
    const url = await this.checkUrl(input.url);
    const events = checkEvents(input.events);
    const description = checkDescription(input.description ?? '');
    const secret = generateWebhookSecret();
    const endpoint = await this.ports.endpoints.create({
      id: `we_${randomBytes(12).toString('base64url')}`,
      url,
      description,
      events,
      secret,
      createdBy: input.createdBy,
      now: this.clock.now(),
    });
    return { endpoint, secret };
  }

  list(owner: WebhookEndpointOwner): Promise<WebhookEndpoint[]> {
    return this.ports.endpoints.list(owner);
  }

  async update(
    id: string,
    change: {
      url?: string | null;
      events?: readonly string[] | null;
      description?: string | null;
      enabled?: boolean | null;
    },
    owner: WebhookEndpointOwner,
  ): Promise<WebhookEndpoint> {
    const endpointId = checkId(id);
    // another owner's endpoint is not found before any input is judged (a BAD_USER_INPUT would confirm it exists)
    if ((await this.ports.endpoints.find(endpointId, owner)) === null)
      throw new WebhookNotFoundError('endpoint');
    const found = await this.ports.endpoints.update(
      endpointId,
      {
        ...(change.url != null ? { url: await this.checkUrl(change.url) } : {}),
        ...(change.events != null ? { events: checkEvents(change.events) } : {}),
        ...(change.description != null ? { description: checkDescription(change.description) } : {}),
        ...(change.enabled != null ? { enabled: change.enabled } : {}),
      },
      this.clock.now(),
      owner,
    );
    if (found === null) throw new WebhookNotFoundError('endpoint');
    return found;
  }

  /** A new secret; the old one keeps signing for ROTATION_OVERLAP_MS (both signatures are sent). */
  async rotate(id: string, owner: WebhookEndpointOwner): Promise<EndpointWithSecret> {
    const now = this.clock.now();
    const secret = generateWebhookSecret();
    const endpoint = await this.ports.endpoints.rotateSecret(
      checkId(id),
      secret,
      new Date(now.getTime() + ROTATION_OVERLAP_MS),
      now,
      owner,
    );
    if (endpoint === null) throw new WebhookNotFoundError('endpoint');
    return { endpoint, secret };
  }

  disable(id: string, owner: WebhookEndpointOwner): Promise<WebhookEndpoint> {
    return this.update(id, { enabled: false }, owner);
  }

  async delete(id: string, owner: WebhookEndpointOwner): Promise<void> {
    if (!(await this.ports.endpoints.delete(checkId(id), owner))) throw new WebhookNotFoundError('endpoint');
  }

  async deliveries(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    first: number,
    after: PageCursor | null,
    owner: WebhookEndpointOwner,
  ): Promise<WebhookDeliveryPage> {
    if ((await this.ports.endpoints.find(checkId(endpointId), owner)) === null)
      throw new WebhookNotFoundError('endpoint');
    return this.ports.log.list(endpointId, status, first, after);
  }

  /** Sends a delivery again (same webhook-id) from the start of the retry schedule. */
  async redeliver(deliveryId: string, owner: WebhookEndpointOwner): Promise<WebhookDelivery> {
    const delivery = await this.ports.log.find(checkId(deliveryId, 'delivery'), owner);
    if (delivery === null) throw new WebhookNotFoundError('delivery');
    const endpoint = await this.ports.endpoints.find(delivery.endpointId, owner);
    // a disabled endpoint sends nothing: say so rather than queue a delivery that never goes out
    if (endpoint !== null && !endpoint.enabled) {
      throw new WebhookConflictError('the endpoint is disabled; enable it (updateWebhookEndpoint) first');
    }
    const found = await this.ports.queue.redeliver(delivery.id, this.clock.now(), owner);
    if (found === null) throw new WebhookNotFoundError('delivery');
    return found;
  }

  /**
   * The attempts of each of these deliveries, oldest first, read at once (one read for a page of deliveries,
   * whatever its size). Ask only for deliveries the caller may see: they come from deliveries() or redeliver().
   */
  async attemptsByDelivery(deliveryIds: readonly string[]): Promise<WebhookAttempt[][]> {
    const byDelivery = new Map<string, WebhookAttempt[]>(deliveryIds.map((id) => [id, []]));
    for (const attempt of await this.ports.log.attemptsOf([...byDelivery.keys()])) {
      byDelivery.get(attempt.deliveryId)?.push(attempt);
    }
    return deliveryIds.map((id) => byDelivery.get(id)!);
  }

  private async checkUrl(raw: string): Promise<string> {
    try {
      return await checkWebhookUrl(raw, this.policy);
    } catch (error) {
      if (error instanceof WebhookUrlError) throw new WebhookInputError('url', error.rule, error.message);
      throw error;
    }
  }
}

function checkId(id: string, what: 'endpoint' | 'delivery' = 'endpoint'): string {
  // PostgreSQL text cannot hold NUL; such an id names nothing
  if (id.length === 0 || id.length > 128 || id.includes('\u0000')) throw new WebhookNotFoundError(what);
  return id;
}

function checkEvents(events: readonly string[]): WebhookEventType[] {
  const list = [...new Set(events.map((e) => e.trim()))];
  if (list.length === 0) {
    throw new WebhookInputError(
      'events',
      'EVENTS_REQUIRED',
      `give at least one event: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    );
  }
  for (const event of list) {
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event)) {
      throw new WebhookInputError(
        'events',
        'EVENT_UNKNOWN',
        `unknown event "${event.slice(0, 64)}"; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      );
    }
  }
  return list as WebhookEventType[];
}

function checkDescription(description: string): string {
  if (description.length > 500 || description.includes('\u0000')) {
    throw new WebhookInputError(
      'description',
      'DESCRIPTION_FORMAT',
      'description must be at most 500 characters',
    );
  }
  return description;
}
