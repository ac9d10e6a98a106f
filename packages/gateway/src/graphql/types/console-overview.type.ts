import type {
  ConsoleCounts,
  ConsoleOverviewRows,
  VerificationProtocol,
  VerificationStatus,
} from '@facegate/domain';
import { builder } from '../builder';
import { checkPeriod } from '../console-period';
import { DateTimeScalar } from '../date-time.scalar';
import { VerificationProtocolEnum, VerificationStatusEnum } from '../enums';
import { CONSOLE_APP_ARG_DESCRIPTION, consoleAppScope } from './console-app-scope';

export const ConsoleBucketEnum = builder.enumType('ConsoleBucket', {
  description: 'HOUR, or DAY in China Standard Time (Asia/Shanghai)',
  values: ['HOUR', 'DAY'] as const,
});

const ConsoleCountsRef = builder.objectRef<ConsoleCounts>('ConsoleCounts').implement({
  description: 'Sessions started in a period, by their status now, with the funnel and times to outcome.',
  fields: (t) => ({
    started: t.exposeInt('started'),
    pending: t.exposeInt('pending'),
    verified: t.exposeInt('verified'),
    failed: t.exposeInt('failed'),
    canceled: t.exposeInt('canceled'),
    expired: t.exposeInt('expired'),
    deviceRan: t.exposeInt('deviceRan', {
      description:
        'Funnel step 2: sessions with at least one recorded confirm attempt. A confirm attempt is recorded only after the device ran the face check, so this counts face checks run on the device (checks abandoned on the device without a confirm are not seen by the server).',
    }),
    confirmed: t.exposeInt('confirmed', {
      description:
        'Funnel step 3: sessions that reached an outcome through confirmVerification (VERIFIED or FAILED).',
    }),
    passRate: t.float({
      nullable: true,
      description: 'verified / sessions that ended (not PENDING); null when none ended',
      resolve: (c) => {
        const ended = c.started - c.pending;
        return ended === 0 ? null : c.verified / ended;
      },
    }),
    medianSecondsToOutcome: t.float({ nullable: true, resolve: (c) => c.medianSecondsToOutcome }),
    p95SecondsToOutcome: t.float({ nullable: true, resolve: (c) => c.p95SecondsToOutcome }),
  }),
});

const ProtocolCountsRef = builder
  .objectRef<ConsoleCounts & { protocol: 'LEGACY' | 'V2' }>('ProtocolConsoleCounts')
  .implement({
    fields: (t) => ({
      protocol: t.field({
        type: VerificationProtocolEnum,
        resolve: (c) => c.protocol as VerificationProtocol,
      }),
      counts: t.field({ type: ConsoleCountsRef, resolve: (c) => c }),
    }),
  });

const OutcomePointRef = builder
  .objectRef<{ bucket: Date; status: string; count: number }>('ConsoleOutcomePoint')
  .implement({
    fields: (t) => ({
      bucket: t.field({ type: DateTimeScalar, resolve: (p) => p.bucket }),
      status: t.field({ type: VerificationStatusEnum, resolve: (p) => p.status as VerificationStatus }),
      count: t.exposeInt('count'),
    }),
  });

const ConsoleOverviewRef = builder
  .objectRef<
    ConsoleOverviewRows & { from: Date; to: Date; bucket: 'HOUR' | 'DAY'; alternativeChosen: number }
  >('ConsoleOverview')
  .implement({
    fields: (t) => ({
      from: t.field({ type: DateTimeScalar, resolve: (o) => o.from }),
      to: t.field({ type: DateTimeScalar, resolve: (o) => o.to }),
      bucket: t.field({ type: ConsoleBucketEnum, resolve: (o) => o.bucket }),
      total: t.field({ type: ConsoleCountsRef, resolve: (o) => o.total }),
      byProtocol: t.field({ type: [ProtocolCountsRef], resolve: (o) => o.byProtocol }),
      alternativeChosen: t.exposeInt('alternativeChosen', {
        description: 'Of the canceled: sessions whose user chose the other way to verify instead of the face',
      }),
      series: t.field({
        type: [OutcomePointRef],
        description: 'Sessions started per bucket by their status now; empty buckets are left out.',
        resolve: (o) => o.series,
      }),
    }),
  });

builder.queryField('consoleOverview', (t) =>
  t.field({
    type: ConsoleOverviewRef,
    description: 'console:read. Sessions started in [from, to), counted by the database.',
    args: {
      from: t.arg({ type: DateTimeScalar, required: true }),
      to: t.arg({ type: DateTimeScalar, required: true }),
      bucket: t.arg({ type: ConsoleBucketEnum, defaultValue: 'DAY', required: true }),
      app: t.arg.string({ description: CONSOLE_APP_ARG_DESCRIPTION }),
    },
    resolve: async (_root, { from, to, bucket, app }, ctx) => {
      const apps = consoleAppScope(ctx.viewer, app);
      const unit = bucket === 'HOUR' ? 'hour' : 'day';
      checkPeriod(from, to, unit);
      const { queries } = ctx.services.console;
      const [rows, alternativeChosen] = await Promise.all([
        queries.overview(from, to, unit, ctx.services.clock.now(), apps),
        queries.alternativeChosen(from, to, apps),
      ]);
      return { ...rows, from, to, bucket, alternativeChosen };
    },
  }),
);
