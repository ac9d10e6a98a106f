import { randomBytes } from 'node:crypto';
import {
  type Clock,
  entityIdMessage,
  err,
  isAppSlug,
  isEntityId,
  ok,
  type PageCursor,
  type Result,
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

/**
 * What an endpoint operation refuses, as a value with a literal `code` (matched by the GraphQL error mapper, the
 * admin endpoint and the CLI): bad input (which field, which rule), an id that names nothing this owner may see,
 * or an operation that does not fit the endpoint's state (e.g. redelivering to a disabled endpoint).
 */
export type WebhookError =
  | {
      readonly code: 'INVALID_INPUT';
      readonly field: string;
      readonly rule: string;
      readonly message: string;
    }
  | { readonly code: 'WEBHOOK_NOT_FOUND'; readonly what: 'endpoint' | 'delivery'; readonly message: string }
  | { readonly code: 'WEBHOOK_CONFLICT'; readonly message: string };

export const webhookInputError = (field: string, rule: string, message: string): WebhookError => ({
  code: 'INVALID_INPUT',
  field,
  rule,
  message,
});

export const webhookNotFound = (what: 'endpoint' | 'delivery'): WebhookError => ({
  code: 'WEBHOOK_NOT_FOUND',
  what,
  message: `webhook ${what} not found`,
});

export const webhookConflict = (message: string): WebhookError => ({ code: 'WEBHOOK_CONFLICT', message });

/** What an endpoint operation answers: its value, or the expected failure. */
export type WebhookResult<T> = Result<T, WebhookError>;

export interface EndpointWithSecret {
  readonly endpoint: WebhookEndpoint;
  /** Shown once: only its sealed form is stored. */
  readonly secret: string;
}

/**
 * Endpoint management shared by the GraphQL API and the CLI: validation, secrets, rotation. Every operation
 * on existing endpoints takes an `owner`: an API key id sees and changes only the endpoints it created
 * (another key's endpoint is WEBHOOK_NOT_FOUND, exactly like an unknown id, so ids cannot be probed);
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
    /** Whether an app id names an app served here (endpoints subscribe to apps by id). */
    private readonly knownApp: (id: string) => boolean = () => true,
  ) {}

  async create(input: {
    url: string;
    events: readonly string[];
    description?: string | null;
    createdBy: string;
    /** The apps whose sessions it is told of; null or omitted: every app. */
    apps?: readonly string[] | null;
    /** The creating key's own apps: an endpoint of a limited key is limited to (some of) them. */
    within?: readonly string[] | null;
  }): Promise<WebhookResult<EndpointWithSecret>> {
    const url = await this.checkUrl(input.url);
    if (!url.ok) return url;
    const events = checkEvents(input.events);
    if (!events.ok) return events;
    const description = checkDescription(input.description ?? '');
    if (!description.ok) return description;
    const apps = this.checkApps(input.apps ?? input.within ?? null, input.within ?? null);
    if (!apps.ok) return apps;
    const secret = generateWebhookSecret();
    const endpoint = await this.ports.endpoints.create({
      id: `we_${randomBytes(12).toString('base64url')}`,
      url: url.value,
      description: description.value,
      events: events.value,
      apps: apps.value,
      secret,
      createdBy: input.createdBy,
      now: this.clock.now(),
    });
    return ok({ endpoint, secret });
  }

  /** Known app ids, each once; within a limited key's apps (null: every app, for an unlimited key only). */
  private checkApps(
    apps: readonly string[] | null,
    within: readonly string[] | null,
  ): WebhookResult<string[] | null> {
    if (apps === null) {
      return within === null
        ? ok(null)
        : appsInput('APPS_BEYOND', 'this API key may subscribe to its own apps only');
    }
    const list = [...new Set(apps)];
    if (list.length === 0 || list.length > 100) return appsInput('APPS_FORMAT', 'apps: 1-100 app ids');
    if (!list.every((app) => isAppSlug(app) && this.knownApp(app)))
      return appsInput('APP_UNKNOWN', 'no such app is served here');
    if (within !== null && list.some((app) => !within.includes(app)))
      return appsInput('APPS_BEYOND', 'this API key may subscribe to its own apps only');
    return ok(list);
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
      /** A list: those apps; an empty list: every app; null or omitted: unchanged. */
      apps?: readonly string[] | null;
    },
    owner: WebhookEndpointOwner,
    within: readonly string[] | null = null,
  ): Promise<WebhookResult<WebhookEndpoint>> {
    // another owner's endpoint is not found before any input is judged (a BAD_USER_INPUT would confirm it exists)
    if (!isEntityId(id) || (await this.ports.endpoints.find(id, owner)) === null) {
      return err(webhookNotFound('endpoint'));
    }
    const url = change.url != null ? await this.checkUrl(change.url) : null;
    if (url !== null && !url.ok) return url;
    const events = change.events != null ? checkEvents(change.events) : null;
    if (events !== null && !events.ok) return events;
    const description = change.description != null ? checkDescription(change.description) : null;
    if (description !== null && !description.ok) return description;
    const apps =
      change.apps != null ? this.checkApps(change.apps.length === 0 ? null : change.apps, within) : null;
    if (apps !== null && !apps.ok) return apps;
    const found = await this.ports.endpoints.update(
      id,
      {
        ...(url !== null ? { url: url.value } : {}),
        ...(events !== null ? { events: events.value } : {}),
        ...(description !== null ? { description: description.value } : {}),
        ...(change.enabled != null ? { enabled: change.enabled } : {}),
        ...(apps !== null ? { apps: apps.value } : {}),
      },
      this.clock.now(),
      owner,
    );
    return found === null ? err(webhookNotFound('endpoint')) : ok(found);
  }

  /** A new secret; the old one keeps signing for ROTATION_OVERLAP_MS (both signatures are sent). */
  async rotate(id: string, owner: WebhookEndpointOwner): Promise<WebhookResult<EndpointWithSecret>> {
    if (!isEntityId(id)) return err(webhookNotFound('endpoint'));
    const now = this.clock.now();
    const secret = generateWebhookSecret();
    const endpoint = await this.ports.endpoints.rotateSecret(
      id,
      secret,
      new Date(now.getTime() + ROTATION_OVERLAP_MS),
      now,
      owner,
    );
    return endpoint === null ? err(webhookNotFound('endpoint')) : ok({ endpoint, secret });
  }

  disable(id: string, owner: WebhookEndpointOwner): Promise<WebhookResult<WebhookEndpoint>> {
    return this.update(id, { enabled: false }, owner);
  }

  async delete(id: string, owner: WebhookEndpointOwner): Promise<WebhookResult<void>> {
    if (!isEntityId(id) || !(await this.ports.endpoints.delete(id, owner))) {
      return err(webhookNotFound('endpoint'));
    }
    return ok(undefined);
  }

  async deliveries(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    first: number,
    after: PageCursor | null,
    owner: WebhookEndpointOwner,
  ): Promise<WebhookResult<WebhookDeliveryPage>> {
    if (!isEntityId(endpointId) || (await this.ports.endpoints.find(endpointId, owner)) === null) {
      return err(webhookNotFound('endpoint'));
    }
    return ok(await this.ports.log.list(endpointId, status, first, after));
  }

  /**
   * Sends a delivery again (same webhook-id) from the start of the retry schedule. A malformed id is bad input
   * (field `id`): it cannot name a delivery, whoever asks, so saying so reveals nothing.
   */
  async redeliver(deliveryId: string, owner: WebhookEndpointOwner): Promise<WebhookResult<WebhookDelivery>> {
    if (!isEntityId(deliveryId)) return err(webhookInputError('id', 'ID_FORMAT', entityIdMessage('id')));
    const delivery = await this.ports.log.find(deliveryId, owner);
    if (delivery === null) return err(webhookNotFound('delivery'));
    const endpoint = await this.ports.endpoints.find(delivery.endpointId, owner);
    // a disabled endpoint sends nothing: say so rather than queue a delivery that never goes out
    if (endpoint !== null && !endpoint.enabled) {
      return err(webhookConflict('the endpoint is disabled; enable it (updateWebhookEndpoint) first'));
    }
    const found = await this.ports.queue.redeliver(delivery.id, this.clock.now(), owner);
    return found === null ? err(webhookNotFound('delivery')) : ok(found);
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

  private async checkUrl(raw: string): Promise<WebhookResult<string>> {
    try {
      return ok(await checkWebhookUrl(raw, this.policy));
    } catch (error) {
      if (error instanceof WebhookUrlError) return err(webhookInputError('url', error.rule, error.message));
      throw error;
    }
  }
}

function checkEvents(events: readonly string[]): WebhookResult<WebhookEventType[]> {
  const list = [...new Set(events.map((e) => e.trim()))];
  if (list.length === 0) {
    return err(
      webhookInputError(
        'events',
        'EVENTS_REQUIRED',
        `give at least one event: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      ),
    );
  }
  for (const event of list) {
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event)) {
      return err(
        webhookInputError(
          'events',
          'EVENT_UNKNOWN',
          `unknown event "${event.slice(0, 64)}"; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        ),
      );
    }
  }
  return ok(list as WebhookEventType[]);
}

function appsInput(rule: string, message: string) {
  return err(webhookInputError('apps', rule, message));
}

function checkDescription(description: string): WebhookResult<string> {
  if (description.length > 500 || description.includes('\u0000')) {
    return err(
      webhookInputError('description', 'DESCRIPTION_FORMAT', 'description must be at most 500 characters'),
    );
  }
  return ok(description);
}
