import { requireScope } from '../authorization';
import { builder } from '../builder';
import { requireWebhookRead } from '../console-authorization';
import {
  endpointOwnerFor,
  WebhookEndpointRef,
  WebhookEndpointSecretPayloadRef,
  WebhookEventTypeEnum,
  webhookOperation,
} from '../types/webhook-endpoint.type';

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

builder.mutationField('createWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointSecretPayloadRef,
    description:
      'Services with webhooks:write. Returns the endpoint and its signing secret, once. https:// only in production. The endpoint belongs to this API key.',
    args: {
      url: t.arg.string({ required: true }),
      events: t.arg({ type: [WebhookEventTypeEnum], required: true }),
      description: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      return webhookOperation(() =>
        ctx.services.webhooks.create({
          url: args.url,
          events: args.events,
          description: args.description,
          createdBy: viewer.keyId,
        }),
      );
    },
  }),
);

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
    },
    resolve: async (_root, args, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      return webhookOperation(() =>
        ctx.services.webhooks.update(
          String(args.id),
          { url: args.url, events: args.events, description: args.description, enabled: args.enabled },
          endpointOwnerFor(viewer, 'act'),
        ),
      );
    },
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: WebhookEndpointSecretPayloadRef,
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). A new signing secret, shown once; the old one keeps signing too for 24 hours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      return webhookOperation(() =>
        ctx.services.webhooks.rotate(String(id), endpointOwnerFor(viewer, 'act')),
      );
    },
  }),
);

builder.mutationField('disableWebhookEndpoint', (t) =>
  t.field({
    type: WebhookEndpointRef,
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). Stops deliveries; pending ones are marked FAILED (redeliver sends them).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      return webhookOperation(() =>
        ctx.services.webhooks.disable(String(id), endpointOwnerFor(viewer, 'act')),
      );
    },
  }),
);

builder.mutationField('deleteWebhookEndpoint', (t) =>
  t.field({
    type: 'ID',
    description:
      'Services with webhooks:write, on an endpoint of this API key (any with console:admin). Deletes the endpoint and its delivery history; returns its id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'webhooks:write');
      await webhookOperation(() => ctx.services.webhooks.delete(String(id), endpointOwnerFor(viewer, 'act')));
      return String(id);
    },
  }),
);
