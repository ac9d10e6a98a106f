import { type AbuseRefusalCount, inAppScope } from '@facegate/domain';
import type { AppWeChatStatus, SystemStatusShape } from '../../application/console/console-system';
import { builder } from '../builder';
import { requireConsoleRead } from '../console-authorization';
import { DateTimeScalar } from '../date-time.scalar';

const CheckRef = builder.objectRef<{ name: string; ok: boolean }>('ConsoleReadinessCheck').implement({
  fields: (t) => ({ name: t.exposeString('name'), ok: t.exposeBoolean('ok') }),
});

const RefusalRef = builder.objectRef<AbuseRefusalCount>('ConsoleAbuseRefusals').implement({
  fields: (t) => ({
    rule: t.exposeString('scope', {
      description: 'the scope AbuseLimits counts under, e.g. start:openid:day or mismatch:id-number:day',
    }),
    limit: t.exposeInt('limit', { description: 'what the rule allows per window' }),
    refused: t.exposeInt('refused', { description: 'requests refused in the current window' }),
  }),
});

const WeChatCallOutcomeEnum = builder.enumType('ConsoleWeChatCallOutcome', {
  description:
    "How an app's last WeChat API call went: OK; ERRCODE (WeChat answered with an error); TRANSIENT (no answer, a timeout, a 5xx); MALFORMED (an answer FaceGate could not read)",
  values: ['OK', 'ERRCODE', 'TRANSIENT', 'MALFORMED'] as const,
});

const AppWeChatStatusRef = builder.objectRef<AppWeChatStatus>('ConsoleAppStatus').implement({
  description: "One app's WeChat side as this gateway instance sees it. Never the token.",
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The app id (a slug)' }),
    displayName: t.exposeString('displayName'),
    appId: t.exposeString('appId', { description: 'The WeChat appid' }),
    serving: t.exposeBoolean('serving', { description: 'Enabled: signs users in and starts sessions' }),
    tokenOk: t.exposeBoolean('tokenOk', {
      description: 'An access token could be had just now (false for an app that serves nobody)',
    }),
    tokenFetchedAt: t.field({
      type: DateTimeScalar,
      nullable: true,
      description: "when this instance last fetched the app's access token",
      resolve: (a) => a.tokenFetchedAt,
    }),
    tokenAgeSeconds: t.int({
      nullable: true,
      description: 'seconds since tokenFetchedAt; null when never fetched',
      resolve: (a, _args, ctx) =>
        a.tokenFetchedAt === null
          ? null
          : Math.max(0, Math.floor((ctx.services.clock.now().getTime() - a.tokenFetchedAt.getTime()) / 1000)),
    }),
    lastCallAt: t.field({
      type: DateTimeScalar,
      nullable: true,
      description: "when this instance last called WeChat's API for the app",
      resolve: (a) => a.lastCallAt,
    }),
    lastCallOutcome: t.field({
      type: WeChatCallOutcomeEnum,
      nullable: true,
      resolve: (a) =>
        a.lastCallOutcome === null
          ? null
          : (a.lastCallOutcome.toUpperCase() as 'OK' | 'ERRCODE' | 'TRANSIENT' | 'MALFORMED'),
    }),
  }),
});

/** The 2025 face recognition measures: filing once face information of 100,000 people is held. */
const FILING_THRESHOLD = 100_000;

const SystemStatusRef = builder.objectRef<SystemStatusShape>('SystemStatus').implement({
  fields: (t) => ({
    checks: t.field({ type: [CheckRef], description: 'what /readyz checks', resolve: (s) => s.checks }),
    databaseKind: t.exposeString('databaseKind', { description: 'pglite or postgres' }),
    sandboxMode: t.exposeBoolean('sandboxMode'),
    production: t.exposeBoolean('production'),
    version: t.exposeString('version'),
    nodeVersion: t.exposeString('nodeVersion'),
    startedAt: t.field({ type: DateTimeScalar, resolve: (s) => s.startedAt }),
    tokenFetchedAt: t.field({
      type: DateTimeScalar,
      nullable: true,
      description: 'when this instance last fetched a WeChat access token (never the token)',
      resolve: (s) => s.tokenFetchedAt,
    }),
    tokenRefreshes: t.exposeInt('tokenRefreshes', { description: 'access tokens fetched since start' }),
    apps: t.field({
      type: [AppWeChatStatusRef],
      description:
        "Each app's access token and last WeChat call, by app id (a key limited to some apps sees those only)",
      resolve: (s, _args, ctx) =>
        s.apps.filter((a) => ctx.viewer.kind === 'service' && inAppScope(ctx.viewer.apps, a.id)),
    }),
    abuseRefusals: t.field({ type: [RefusalRef], resolve: (s) => s.refusals }),
    distinctPeople: t.int({
      description:
        'distinct people (ID numbers) FaceGate has processed, redacted sessions included: what the provincial CAC filing threshold counts',
      resolve: (_s, _args, ctx) => ctx.services.console.queries.distinctPeople(),
    }),
    filingThreshold: t.int({
      description:
        'the 2025 face recognition measures: file with the provincial CAC once face data of this many people is held',
      resolve: () => FILING_THRESHOLD,
    }),
    warnings: t.stringList({
      description:
        'settings that are allowed but weaken this deployment, as logged at start-up (e.g. FACEGATE_UNSAFE_LOOPBACK_WECHAT=true in production); empty when none',
      resolve: (s) => [...s.warnings],
    }),
  }),
});

builder.queryField('systemStatus', (t) =>
  t.field({
    type: SystemStatusRef,
    description: 'console:read',
    resolve: async (_root, _args, ctx) => {
      requireConsoleRead(ctx.viewer);
      return ctx.services.console.system.status();
    },
  }),
);
