import { builder } from '../builder';
import { requireWebhookRedeliver } from '../console-authorization';
import { WebhookDeliveryRef } from '../types/webhook-delivery.type';
import { endpointOwnerFor, webhookOperation } from '../types/webhook-endpoint.type';

builder.mutationField('redeliverWebhook', (t) =>
  t.field({
    type: WebhookDeliveryRef,
    description:
      'Services with webhooks:write (a delivery of an endpoint of this API key) or console:admin (any). Sends one delivery again (same webhook-id), from the start of the retry schedule.',
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: async (_root, { deliveryId }, ctx) => {
      requireWebhookRedeliver(ctx.viewer);
      return webhookOperation(() =>
        ctx.services.webhooks.redeliver(String(deliveryId), endpointOwnerFor(ctx.viewer, 'act')),
      );
    },
  }),
);
