import { checkPageSize } from '@facegate/domain';
import { builder } from '../builder';
import { requireWebhookRead } from '../console-authorization';
import { unwrap } from '../domain-error.mapper';
import { decodeCursor } from '../types/verification-connection.type';
import { WebhookDeliveryConnectionRef, WebhookDeliveryStatusEnum } from '../types/webhook-delivery.type';
import { endpointOwnerFor, webhookOperation } from '../types/webhook-endpoint.type';

builder.queryField('webhookDeliveries', (t) =>
  t.field({
    type: WebhookDeliveryConnectionRef,
    description:
      'Services with webhooks:write (an endpoint of this API key), console:read or console:admin (any endpoint). One endpoint’s deliveries, newest first; page with first + after.',
    args: {
      endpointId: t.arg.id({ required: true }),
      status: t.arg({ type: WebhookDeliveryStatusEnum, required: false }),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      requireWebhookRead(ctx.viewer);
      const first = unwrap(checkPageSize(args.first));
      const after = args.after ? decodeCursor(args.after) : null;
      return webhookOperation(() =>
        ctx.services.webhooks.deliveries(
          String(args.endpointId),
          args.status ?? null,
          first,
          after,
          endpointOwnerFor(ctx.viewer, 'read'),
        ),
      );
    },
  }),
);
