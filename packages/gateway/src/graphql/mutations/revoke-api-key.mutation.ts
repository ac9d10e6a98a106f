import { auditTarget, isEntityId } from '@facegate/domain';
import { auditRequest } from '../audit';
import { builder } from '../builder';
import { requireKeyAdmin } from '../console-authorization';
import { unwrap } from '../domain-error.mapper';
import { notFound } from '../errors';
import { ApiKeyRef } from '../types/api-key.type';

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    description:
      'console:admin: a key holding only scopes the calling key holds (FORBIDDEN otherwise). keys:admin: any key. Takes effect at once here, within the key cache time on other instances.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireKeyAdmin(ctx.viewer);
      const value = String(id);
      if (!isEntityId(value)) throw notFound('API key not found');
      const revoked = unwrap(await ctx.services.apiKeys.revokeForKey(viewer.scopes, value));
      if (revoked === null) throw notFound('no active API key with this id');
      auditRequest(ctx, 'api-key.revoked', [auditTarget('api-key', revoked.id)]);
      return revoked;
    },
  }),
);
