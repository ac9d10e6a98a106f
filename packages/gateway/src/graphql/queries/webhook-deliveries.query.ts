import { MAX_PAGE_SIZE } from '@facegate/domain';
import { builder } from '../builder';
import { requireWebhookRead } from '../console-authorization';
import { badUserInput } from '../errors';
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
      const first = args.first ?? 20;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
        throw badUserInput('first', 'PAGE_SIZE', `first must be between 1 and ${MAX_PAGE_SIZE}`);
      }
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
