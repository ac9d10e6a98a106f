import type { ApiKeyRecord } from '@facegate/domain';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../application/auth/viewer';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';

/** verifications:read -> VERIFICATIONS_READ: GraphQL enum names cannot hold ':'. */
const enumName = (scope: ApiKeyScope) => scope.replace(':', '_').toUpperCase();

export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  values: Object.fromEntries(API_KEY_SCOPES.map((scope) => [enumName(scope), { value: scope }])) as Record<
    string,
    { value: ApiKeyScope }
  >,
});

export const ApiKeyRef = builder.objectRef<ApiKeyRecord>('ApiKey').implement({
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
    apps: t.stringList({
      nullable: true,
      description: 'The apps the key sees and acts in; null: every app',
      resolve: (k) => k.apps,
    }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (k) => k.createdAt }),
    revokedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (k) => k.revokedAt }),
    lastUsedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (k) => k.lastUsedAt }),
  }),
});

export const CreatedApiKeyRef = builder
  .objectRef<{ key: string; record: ApiKeyRecord }>('CreatedApiKey')
  .implement({
    fields: (t) => ({
      key: t.exposeString('key', { description: 'the whole key: shown this once, never stored' }),
      apiKey: t.field({ type: ApiKeyRef, resolve: (c) => c.record }),
    }),
  });

export const ConsoleViewerRef = builder
  .objectRef<{ name: string; scopes: readonly ApiKeyScope[] }>('ConsoleViewer')
  .implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      scopes: t.field({ type: [ApiKeyScopeEnum], resolve: (v) => [...v.scopes] }),
    }),
  });
