import {
  describeFailure,
  FACE_CHECK_CODES,
  type FailureCount,
  LEGACY_CLIENT_CODES,
  toFailureCode,
  UPSTREAM_ERRCODES,
  V2_CLIENT_CODES,
} from '@facegate/domain';
import { builder } from '../builder';
import { checkPeriod } from '../console-period';
import { DateTimeScalar } from '../date-time.scalar';
import { FailureCodeEnum } from '../enums';
import { CONSOLE_APP_ARG_DESCRIPTION, consoleAppScope } from './console-app-scope';

/**
 * Failures WeChat's server side caused (its errcodes: busy, token, configuration, the evidence lookup), as
 * opposed to what the user or the device did. Read from the domain's own mapping tables: a code that only
 * an upstream errcode maps to.
 */
const UPSTREAM_ONLY: ReadonlySet<string> = (() => {
  const fromUser = new Set<string>([
    ...FACE_CHECK_CODES.values(),
    ...LEGACY_CLIENT_CODES.values(),
    ...V2_CLIENT_CODES.values(),
  ]);
  return new Set([...UPSTREAM_ERRCODES.values()].filter((code) => !fromUser.has(code)));
})();

export function isUpstreamFailure(code: string): boolean {
  return UPSTREAM_ONLY.has(code);
}

interface FailureShareShape extends FailureCount {
  readonly share: number;
}

const TrendPointRef = builder.objectRef<{ bucket: Date; count: number }>('ConsoleTrendPoint').implement({
  fields: (t) => ({
    bucket: t.field({ type: DateTimeScalar, resolve: (p) => p.bucket }),
    count: t.exposeInt('count'),
  }),
});

const FailureShareRef = builder.objectRef<FailureShareShape>('ConsoleFailureShare').implement({
  fields: (t) => ({
    code: t.field({ type: FailureCodeEnum, resolve: (f) => toFailureCode(f.code) }),
    reasonZh: t.string({ resolve: (f) => describeFailure(toFailureCode(f.code)).zh }),
    reasonEn: t.string({ resolve: (f) => describeFailure(toFailureCode(f.code)).en }),
    retryable: t.boolean({ resolve: (f) => describeFailure(toFailureCode(f.code)).retryable }),
    upstream: t.boolean({
      description: "WeChat's server side, not the user or the device",
      resolve: (f) => isUpstreamFailure(f.code),
    }),
    count: t.exposeInt('count'),
    share: t.float({ description: 'of all failures in the period (0-1)', resolve: (f) => f.share }),
    trend: t.field({ type: [TrendPointRef], description: 'per day (CST)', resolve: (f) => f.trend }),
  }),
});

const UpstreamErrorRef = builder
  .objectRef<{ endpoint: string; outcome: string; count: number }>('ConsoleUpstreamErrorCount')
  .implement({
    fields: (t) => ({
      endpoint: t.exposeString('endpoint'),
      outcome: t.exposeString('outcome', { description: 'errcode, transient or malformed' }),
      count: t.exposeInt('count'),
    }),
  });

const FailureBreakdownRef = builder
  .objectRef<{
    total: number;
    failures: FailureShareShape[];
    upstreamErrors: { endpoint: string; outcome: string; count: number }[];
  }>('ConsoleFailureBreakdown')
  .implement({
    fields: (t) => ({
      total: t.exposeInt('total', { description: 'sessions started in the period with a failed attempt' }),
      failures: t.field({
        type: [FailureShareRef],
        description: 'The latest failure of each session, by code, most frequent first',
        resolve: (b) => b.failures,
      }),
      upstreamErrors: t.field({
        type: [UpstreamErrorRef],
        description:
          'WeChat API calls that did not succeed since this gateway instance started (the same counts as facegate_upstream_errors_total)',
        resolve: (b) => b.upstreamErrors,
      }),
    }),
  });

builder.queryField('failureBreakdown', (t) =>
  t.field({
    type: FailureBreakdownRef,
    description: 'console:read. Failure codes of sessions started in [from, to).',
    args: {
      from: t.arg({ type: DateTimeScalar, required: true }),
      to: t.arg({ type: DateTimeScalar, required: true }),
      app: t.arg.string({ description: CONSOLE_APP_ARG_DESCRIPTION }),
    },
    resolve: async (_root, { from, to, app }, ctx) => {
      const apps = consoleAppScope(ctx.viewer, app);
      checkPeriod(from, to);
      const [counts, upstreamErrors] = await Promise.all([
        ctx.services.console.queries.failures(from, to, apps),
        ctx.services.console.system.upstreamErrors(),
      ]);
      const total = counts.reduce((sum, c) => sum + c.count, 0);
      return {
        total,
        failures: counts.map((c) => ({ ...c, share: total === 0 ? 0 : c.count / total })),
        upstreamErrors,
      };
    },
  }),
);
