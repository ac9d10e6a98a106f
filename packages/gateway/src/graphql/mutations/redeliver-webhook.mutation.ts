import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
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
      const redelivered = await webhookOperation(() =>
        ctx.services.webhooks.redeliver(String(deliveryId), endpointOwnerFor(ctx.viewer, 'act')),
      );
      auditRequest(ctx, 'webhook-delivery.redelivered', [
        auditTarget('webhook-delivery', redelivered.id),
        auditTarget('webhook-endpoint', redelivered.endpointId),
      ]);
      return redelivered;
    },
  }),
);
