import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import { endpointOwnerFor, webhookOperation } from '../types/webhook-endpoint.type';

builder.mutationField('deleteWebhookEndpoint', (t) =>
  t.field({
    type: 'ID',
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). Deletes the endpoint and its delivery history; returns its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      await webhookOperation(() => ctx.services.webhooks.delete(String(id), endpointOwnerFor(viewer, 'act')));
      auditRequest(ctx, 'webhook-endpoint.deleted', [auditTarget('webhook-endpoint', String(id))]);
      return String(id);
    },
  }),
);
