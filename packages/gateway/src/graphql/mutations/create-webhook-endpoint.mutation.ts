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
      apps: t.arg.stringList({
        required: false,
        description:
          'The apps whose sessions it is told of; omitted: every app (a key limited to some apps: its own)',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      const created = await webhookOperation(() =>
        ctx.services.webhooks.create({
          url: args.url,
          events: args.events,
          description: args.description,
          createdBy: viewer.keyId,
          apps: args.apps ?? null,
          within: viewer.apps,
        }),
      );
      auditRequest(
        ctx,
        'webhook-endpoint.created',
        [auditTarget('webhook-endpoint', created.endpoint.id)],
        'success',
        {
          events: [...args.events],
          apps: created.endpoint.apps ? [...created.endpoint.apps] : null,
        },
      );
      return created;
    },
  }),
);
