import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import {
  endpointOwnerFor,
  WebhookEndpointRef,
  WebhookEventTypeEnum,
  webhookOperation,
} from '../types/webhook-endpoint.type';

builder.mutationField('updateWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). Changes the given fields; enabled: true re-enables a disabled endpoint.',
    args: {
      id: t.arg.id({ required: true }),
      url: t.arg.string({ required: false }),
      events: t.arg({ type: [WebhookEventTypeEnum], required: false }),
      description: t.arg.string({ required: false }),
      enabled: t.arg.boolean({ required: false }),
      apps: t.arg.stringList({
        required: false,
        description: 'The apps it is told of; an empty list: every app (unlimited keys only)',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      const updated = await webhookOperation(() =>
        ctx.services.webhooks.update(
          String(args.id),
          {
            url: args.url,
            events: args.events,
            description: args.description,
            enabled: args.enabled,
            apps: args.apps,
          },
          endpointOwnerFor(viewer, 'act'),
          viewer.apps,
        ),
      );
      // which fields changed, not their values (a URL may carry a token)
      const changed = (['url', 'events', 'description', 'enabled', 'apps'] as const).filter(
        (f) => args[f] != null,
      );
      auditRequest(
        ctx,
        'webhook-endpoint.changed',
        [auditTarget('webhook-endpoint', updated.id)],
        'success',
        {
          changed,
        },
      );
      return updated;
    },
  }),
);
