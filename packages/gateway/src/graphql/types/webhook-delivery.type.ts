import type { WebhookAttempt, WebhookDelivery } from '@facegate/domain';
import DataLoader from 'dataloader';
import { builder } from '../builder';
import type { GatewayContext } from '../context';
import { DateTimeScalar } from '../date-time.scalar';
import { encodeCursor, PageInfoRef } from './verification-connection.type';
import { WebhookEventTypeEnum } from './webhook-endpoint.type';

/** What an attempt's `error` and a delivery's `lastError` hold: a category, never an error's own text. */
const ERROR_CATEGORIES_DESCRIPTION =
  'A category: HTTP_<status> (a non-2xx answer), TIMEOUT, CONNECTION_REFUSED, CONNECTION_CLOSED, DNS_ERROR, NETWORK_UNREACHABLE, TLS_ERROR, ADDRESS_NOT_ALLOWED, RESPONSE_TOO_LARGE, INVALID_RESPONSE or REQUEST_FAILED; for deliveries ended by their endpoint also ENDPOINT_DISABLED or ENDPOINT_FAILING. Null on success';

/**
 * Per request: the attempt logs asked for in one tick (a page of deliveries) are read together, in one query.
 * Batching only, no cache: a redelivery later in the same request must not be answered from an earlier read.
 */
const attemptLoaders = new WeakMap<GatewayContext, DataLoader<string, WebhookAttempt[]>>();

function attemptLogOf(delivery: WebhookDelivery, ctx: GatewayContext): Promise<WebhookAttempt[]> {
  let loader = attemptLoaders.get(ctx);
  if (loader === undefined) {
    loader = new DataLoader((ids) => ctx.services.webhooks.attemptsByDelivery(ids), { cache: false });
    attemptLoaders.set(ctx, loader);
  }
  return loader.load(delivery.id);
}

export const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'PENDING: not yet delivered (retrying). DELIVERED: a 2xx answer. FAILED: retries used up.',
  values: ['PENDING', 'DELIVERED', 'FAILED'] as const,
});

const WebhookAttemptRef = builder.objectRef<WebhookAttempt>('WebhookAttempt').implement({
  fields: (t) => ({
    attemptedAt: t.field({ type: DateTimeScalar, resolve: (a) => a.attemptedAt }),
    statusCode: t.int({
      nullable: true,
      description: 'Null when no answer came',
      resolve: (a) => a.statusCode,
    }),
    latencyMs: t.exposeInt('latencyMs'),
    responseExcerpt: t.string({
      nullable: true,
      description:
        'The first 1,024 characters of the answer; kept only when the answer came from a public address (never a loopback or private one)',
      resolve: (a) => a.responseExcerpt,
    }),
    error: t.string({
      nullable: true,
      description: ERROR_CATEGORIES_DESCRIPTION,
      resolve: (a) => a.error,
    }),
  }),
});

export const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also the webhook-id header: the same on every attempt' }),
    endpointId: t.exposeID('endpointId'),
    eventType: t.field({ type: WebhookEventTypeEnum, resolve: (d) => d.eventType as never }),
    verificationId: t.exposeID('sessionId'),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.field({
      type: DateTimeScalar,
      nullable: true,
      resolve: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
    }),
    lastStatusCode: t.int({ nullable: true, resolve: (d) => d.lastStatusCode }),
    lastError: t.string({
      nullable: true,
      description: ERROR_CATEGORIES_DESCRIPTION,
      resolve: (d) => d.lastError,
    }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (d) => d.createdAt }),
    finishedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (d) => d.finishedAt }),
    attemptLog: t.field({
      type: [WebhookAttemptRef],
      description: 'Every attempt, oldest first',
      resolve: (d, _args, ctx) => attemptLogOf(d, ctx),
    }),
  }),
});

interface DeliveryConnectionShape {
  readonly items: readonly WebhookDelivery[];
  readonly hasNextPage: boolean;
}

const WebhookDeliveryEdgeRef = builder.objectRef<WebhookDelivery>('WebhookDeliveryEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (d) => encodeCursor(d) }),
    node: t.field({ type: WebhookDeliveryRef, resolve: (d) => d }),
  }),
});

export const WebhookDeliveryConnectionRef = builder
  .objectRef<DeliveryConnectionShape>('WebhookDeliveryConnection')
  .implement({
    description: 'Newest first.',
    fields: (t) => ({
      edges: t.field({ type: [WebhookDeliveryEdgeRef], resolve: (c) => [...c.items] }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: (c) => {
          const last = c.items.at(-1);
          return { hasNextPage: c.hasNextPage, endCursor: last ? encodeCursor(last) : null };
        },
      }),
    }),
  });
