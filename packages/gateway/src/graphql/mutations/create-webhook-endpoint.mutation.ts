import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import {
  WebhookEndpointSecretPayloadRef,
  WebhookEventTypeEnum,
  webhookOperation,
} from '../types/webhook-endpoint.type';

builder.mutationField('createWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointSecretPayloadRef,
    description:
      'Services with webhooks:write. Returns the endpoint and its signing secret, once. https:// only in production. The endpoint belongs to this API key.',
    args: {
      url: t.arg.string({ required: true }),
      events: t.arg({ type: [WebhookEventTypeEnum], required: true }),
      description: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      const created = await webhookOperation(() =>
        ctx.services.webhooks.create({
          url: args.url,
          events: args.events,
          description: args.description,
          createdBy: viewer.keyId,
        }),
      );
      auditRequest(
        ctx,
        'webhook-endpoint.created',
        [auditTarget('webhook-endpoint', created.endpoint.id)],
        'success',
        {
          events: [...args.events],
        },
      );
      return created;
    },
  }),
);
