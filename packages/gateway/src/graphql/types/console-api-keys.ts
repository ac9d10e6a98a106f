import type { ApiKeyRecord } from '@facegate/domain';
import { ApiKeyGrantError, ApiKeyInputError } from '../../application/auth/api-key.service';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../application/auth/viewer';
import { builder } from '../builder';
import { requireConsoleRead, requireKeyAdmin } from '../console-authorization';
import { DateTimeScalar } from '../date-time.scalar';
import { badUserInput, forbidden, notFound } from '../errors';

/** verifications:read -> VERIFICATIONS_READ: GraphQL enum names cannot hold ':'. */
const enumName = (scope: ApiKeyScope) => scope.replace(':', '_').toUpperCase();

export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  values: Object.fromEntries(API_KEY_SCOPES.map((scope) => [enumName(scope), { value: scope }])) as Record<
    string,
    { value: ApiKeyScope }
  >,
});

const ApiKeyRef = builder.objectRef<ApiKeyRecord>('ApiKey').implement({
  description: 'A service API key: never its secret.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'the public part: fgk_<prefix>_...' }),
    scopes: t.field({
      type: [ApiKeyScopeEnum],
      resolve: (k) =>
        k.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s)),
    }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (k) => k.createdAt }),
    revokedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (k) => k.revokedAt }),
    lastUsedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (k) => k.lastUsedAt }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<{ key: string; record: ApiKeyRecord }>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'the whole key: shown this once, never stored' }),
    apiKey: t.field({ type: ApiKeyRef, resolve: (c) => c.record }),
  }),
});

const ConsoleViewerRef = builder
  .objectRef<{ name: string; scopes: readonly ApiKeyScope[] }>('ConsoleViewer')
  .implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      scopes: t.field({ type: [ApiKeyScopeEnum], resolve: (v) => [...v.scopes] }),
    }),
  });

builder.queryField('consoleViewer', (t) =>
  t.field({
    type: ConsoleViewerRef,
    description:
      'console:read or console:admin. The signed-in key: its name and scopes (the console signs in with it).',
    resolve: (_root, _args, ctx) => {
      requireConsoleRead(ctx.viewer);
      const { viewer } = ctx;
      return viewer.kind === 'service'
        ? { name: viewer.name, scopes: viewer.scopes }
        : { name: '', scopes: [] };
    },
  }),
);

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

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ApiKeyScopeEnum], required: true }),
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
      try {
        return await ctx.services.apiKeys.createForKey(viewer.scopes, input.name, [...new Set(input.scopes)]);
      } catch (error) {
        throw keyRequestError(error);
      }
    },
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    description:
      'console:admin: a key holding only scopes the calling key holds (FORBIDDEN otherwise). keys:admin: any key. Takes effect at once here, within the key cache time on other instances.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const viewer = requireKeyAdmin(ctx.viewer);
      const value = String(id);
      if (value.length === 0 || value.length > 128) throw notFound('API key not found');
      let revoked: ApiKeyRecord | null;
      try {
        revoked = await ctx.services.apiKeys.revokeForKey(viewer.scopes, value);
      } catch (error) {
        throw keyRequestError(error);
      }
      if (revoked === null) throw notFound('no active API key with this id');
      return revoked;
    },
  }),
);

/** The key service's expected refusals as request errors; anything else is a fault (masked). */
function keyRequestError(error: unknown): unknown {
  if (error instanceof ApiKeyInputError) {
    return badUserInput(error.field, 'API_KEY_INPUT', error.message.replace(/ \(--\w+\)$/, ''));
  }
  if (error instanceof ApiKeyGrantError) return forbidden(error.message, { scopes: [...error.scopes] });
  return error;
}
