import { builder } from '../builder';
import { requireKeyAdmin } from '../console-authorization';
import { ApiKeyRef } from '../types/api-key.type';

builder.queryField('apiKeys', (t) =>
  t.field({
    type: [ApiKeyRef],
    description: 'console:admin or keys:admin. Every key, revoked ones included, oldest first.',
    resolve: async (_root, _args, ctx) => {
      requireKeyAdmin(ctx.viewer);
      return ctx.services.apiKeys.list();
    },
  }),
);
