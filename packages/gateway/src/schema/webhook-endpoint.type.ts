import type { WebhookEndpointRecord } from '@facegate/adapters-postgres';
import {
  WebhookConflictError,
  WebhookInputError,
  WebhookNotFoundError,
} from '../webhooks/webhook-endpoints.service';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-events';
import { builder } from './builder';
import { DateTimeScalar } from './date-time.scalar';
import { badUserInput, conflict, notFound } from './errors';

/** GraphQL names (VERIFICATION_ATTEMPT_FAILED) for the wire types (verification.attempt_failed). */
export const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description: 'A webhook event; its `type` in the delivered body is the lower-case dotted form.',
  values: Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [type.replace('.', '_').toUpperCase(), { value: type }]),
  ) as Record<string, { value: (typeof WEBHOOK_EVENT_TYPES)[number] }>,
});

export const WebhookEndpointRef = builder.objectRef<WebhookEndpointRecord>('WebhookEndpoint').implement({
  description: 'Where signed webhooks are POSTed. Services with webhooks:write (the console reads them too).',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    events: t.field({ type: [WebhookEventTypeEnum], resolve: (e) => [...e.events] as never }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.string({
      nullable: true,
      description: 'MANUAL, or FAILING: every delivery failed for 5 days, so it was disabled',
      resolve: (e) => e.disabledReason,
    }),
    disabledAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (e) => e.disabledAt }),
    failingSince: t.field({
      type: DateTimeScalar,
      nullable: true,
      description: 'The first failed attempt since the last success; null while healthy',
      resolve: (e) => e.failingSince,
    }),
    previousSecretExpiresAt: t.field({
      type: DateTimeScalar,
      nullable: true,
      description: 'After a rotation: until then the previous secret signs too',
      resolve: (e) => e.previousSecretExpiresAt,
    }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (e) => e.createdAt }),
    updatedAt: t.field({ type: DateTimeScalar, resolve: (e) => e.updatedAt }),
  }),
});

export const WebhookEndpointSecretPayloadRef = builder
  .objectRef<{ endpoint: WebhookEndpointRecord; secret: string }>('WebhookEndpointWithSecret')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, resolve: (p) => p.endpoint }),
      secret: t.exposeString('secret', {
        description: 'The signing secret (whsec_...), shown only in this answer',
      }),
    }),
  });

/** Runs a webhook operation, turning its expected failures into typed request errors. */
export async function webhookOperation<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WebhookInputError) throw badUserInput(error.field, error.rule, error.message);
    if (error instanceof WebhookNotFoundError) throw notFound(error.message);
    if (error instanceof WebhookConflictError) throw conflict(error.message);
    throw error;
  }
}
