import type { AppRecord } from '@facegate/domain';
import { requireAnyScope } from '../authorization';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { VerificationProtocolEnum } from '../enums';

type AppShape = AppRecord & { readonly serving: boolean };

const AppOriginEnum = builder.enumType('AppOrigin', {
  description: 'Where an app is defined',
  values: {
    DATABASE: { description: 'facegate apps add (kept in the database)' },
    FILE: { description: 'FACEGATE_APPS_FILE' },
    ENVIRONMENT: { description: 'WECHAT_APP_ID / WECHAT_APP_SECRET: the default app' },
    SANDBOX: { description: 'sandbox mode' },
  } as const,
});

const AppRef = builder.objectRef<AppShape>('App').implement({
  description:
    'One mini program this deployment serves: its sessions, keys and webhooks carry its id. Never its secret.',
  fields: (t) => ({
    id: t.exposeString('id', {
      description: 'The app id (a slug) used in tokens, sessions, keys and webhooks',
    }),
    appId: t.exposeString('appId', { description: 'The WeChat appid' }),
    displayName: t.exposeString('displayName'),
    protocols: t.field({ type: [VerificationProtocolEnum], resolve: (a) => [...a.protocols] }),
    disabled: t.exposeBoolean('disabled'),
    serving: t.exposeBoolean('serving', {
      description: 'Signs users in and starts sessions now (enabled, with a usable WeChat secret)',
    }),
    origin: t.field({ type: AppOriginEnum, resolve: (a) => a.origin }),
    secretSource: t.string({
      description: 'ENV:<variable> or STORED (sealed in the database); never the secret',
      resolve: (a) => (a.secretSource.kind === 'ENV' ? `ENV:${a.secretSource.variable}` : 'STORED'),
    }),
    hasOwnAlternative: t.boolean({ resolve: (a) => a.overrides.alternative !== undefined }),
    hasOwnLimits: t.boolean({ resolve: (a) => a.overrides.limits !== undefined }),
    retentionDays: t.int({
      nullable: true,
      description: "The app's own retention in days; null: FACEGATE_RETENTION_DAYS",
      resolve: (a) => a.overrides.retentionDays ?? null,
    }),
    updatedAt: t.field({ type: DateTimeScalar, resolve: (a) => a.updatedAt }),
  }),
});

builder.queryField('apps', (t) =>
  t.field({
    type: [AppRef],
    description:
      'The apps this deployment serves (a key limited to some apps sees those only). console:read or verifications:read',
    resolve: (_root, _args, ctx) => {
      const viewer = requireAnyScope(ctx.viewer, ['console:read', 'console:admin', 'verifications:read']);
      return ctx.services.apps
        .describe()
        .filter((app) => viewer.apps === null || viewer.apps.includes(app.id));
    },
  }),
);
