import { builder } from '../builder';
import { requireWebhookRead } from '../console-authorization';
import { endpointOwnerFor, WebhookEndpointRef } from '../types/webhook-endpoint.type';

builder.queryField('webhookEndpoints', (t) =>
  t.field({
    type: [WebhookEndpointRef],
    description:
      'Services with webhooks:write: the endpoints this API key created; console:read or console:admin: every endpoint. Oldest first; disabled ones say why.',
    resolve: async (_root, _args, ctx) => {
      requireWebhookRead(ctx.viewer);
      return ctx.services.webhooks.list(endpointOwnerFor(ctx.viewer, 'read'));
    },
  }),
);
