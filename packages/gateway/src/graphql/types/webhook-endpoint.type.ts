import {
  EVERY_ENDPOINT_OWNER,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpoint,
  type WebhookEndpointOwner,
} from '@facegate/domain';
import type { Viewer } from '../../application/auth/viewer';
import type { WebhookResult } from '../../application/webhooks/webhook-endpoints.service';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { unwrap } from '../domain-error.mapper';

/** GraphQL names (VERIFICATION_ATTEMPT_FAILED) for the wire types (verification.attempt_failed). */
export const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description: 'A webhook event; its `type` in the delivered body is the lower-case dotted form.',
  values: Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [type.replace('.', '_').toUpperCase(), { value: type }]),
  ) as Record<string, { value: (typeof WEBHOOK_EVENT_TYPES)[number] }>,
});

/**
 * Whose endpoints a service reaches. An endpoint belongs to the API key that created it: a webhooks:write key
 * sees and manages only its own, and another key's endpoint answers NOT_FOUND like an unknown id. The console
 * is the exception, on purpose: console:read and console:admin keys read every endpoint and its deliveries,
 * and console:admin keys act on every endpoint (redeliver; with webhooks:write also update, rotate, disable,
 * delete), including those of a revoked key. The CLI reaches every endpoint too.
 */
export function endpointOwnerFor(viewer: Viewer, purpose: 'read' | 'act'): WebhookEndpointOwner {
  if (viewer.kind !== 'service') throw new Error('endpointOwnerFor: authorize the service first');
  if (viewer.scopes.includes('console:admin')) return EVERY_ENDPOINT_OWNER;
  if (purpose === 'read' && viewer.scopes.includes('console:read')) return EVERY_ENDPOINT_OWNER;
  return viewer.keyId;
}

export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description:
    'Where signed webhooks are POSTed. It belongs to the API key that created it: other webhooks:write keys neither see nor change it (the console reads every endpoint, and its admins act on every one).',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    events: t.field({ type: [WebhookEventTypeEnum], resolve: (e) => [...e.events] as never }),
    apps: t.stringList({
      nullable: true,
      description: 'The apps whose sessions it is told of; null: every app',
      resolve: (e) => (e.apps === null ? null : [...e.apps]),
    }),
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
    createdBy: t.string({
      description: 'Who created it and so manages it: the API key id (not the key), or cli',
      resolve: (e) => e.createdBy,
    }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (e) => e.createdAt }),
    updatedAt: t.field({ type: DateTimeScalar, resolve: (e) => e.updatedAt }),
  }),
});

export const WebhookEndpointSecretPayloadRef = builder
  .objectRef<{ endpoint: WebhookEndpoint; secret: string }>('WebhookEndpointWithSecret')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, resolve: (p) => p.endpoint }),
      secret: t.exposeString('secret', {
        description: 'The signing secret (whsec_...), shown only in this answer',
      }),
    }),
  });

/** Runs a webhook operation; its expected failures become typed request errors (through the one mapper). */
export async function webhookOperation<T>(run: () => Promise<WebhookResult<T>>): Promise<T> {
  return unwrap(await run());
}
