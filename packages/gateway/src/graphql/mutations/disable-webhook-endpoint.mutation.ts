import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import { endpointOwnerFor, WebhookEndpointRef, webhookOperation } from '../types/webhook-endpoint.type';

builder.mutationField('disableWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). Stops deliveries; pending ones are marked FAILED (redeliver sends them).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      const disabled = await webhookOperation(() =>
        ctx.services.webhooks.disable(String(id), endpointOwnerFor(viewer, 'act')),
      );
      auditRequest(
        ctx,
        'webhook-endpoint.changed',
        [auditTarget('webhook-endpoint', disabled.id)],
        'success',
        {
          changed: ['enabled'],
          enabled: false,
        },
      );
      return disabled;
    },
  }),
);
