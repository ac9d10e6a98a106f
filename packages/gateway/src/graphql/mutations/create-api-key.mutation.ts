import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { builder } from '../builder';
import { requireKeyAdmin } from '../console-authorization';
import { unwrap } from '../domain-error.mapper';
import { ApiKeyScopeEnum, CreatedApiKeyRef } from '../types/api-key.type';

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ApiKeyScopeEnum], required: true }),
    apps: t.stringList({
      description:
        'The apps (ids) the key may see and act in; omitted: every app. A key limited to some apps creates keys limited to those.',
    }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKeyRef,
    description:
      'console:admin: a key with at most the scopes the calling key holds (FORBIDDEN naming the others). keys:admin: any scope.',
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const viewer = requireKeyAdmin(ctx.viewer);
      const apps = input.apps == null ? null : [...new Set(input.apps)];
      const created = unwrap(
        await ctx.services.apiKeys.createForKey(
          viewer.scopes,
          input.name,
          [...new Set(input.scopes)],
          apps,
          viewer.apps,
        ),
      );
      auditRequest(ctx, 'api-key.created', [auditTarget('api-key', created.record.id)], 'success', {
        name: created.record.name,
        scopes: created.record.scopes,
        apps: created.record.apps,
      });
      return created;
    },
  }),
);
