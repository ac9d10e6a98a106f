import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import {
  endpointOwnerFor,
  WebhookEndpointSecretPayloadRef,
  webhookOperation,
} from '../types/webhook-endpoint.type';

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: WebhookEndpointSecretPayloadRef,
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). A new signing secret, shown once; the old one keeps signing too for 24 hours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      const rotated = await webhookOperation(() =>
        ctx.services.webhooks.rotate(String(id), endpointOwnerFor(viewer, 'act')),
      );
      auditRequest(ctx, 'webhook-endpoint.secret-rotated', [
        auditTarget('webhook-endpoint', rotated.endpoint.id),
      ]);
      return rotated;
    },
  }),
);
