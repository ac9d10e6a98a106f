import {
  type ConsoleReadModel,
  type ConsoleSessionRow,
  type FailureCode,
  type TimelineEntry,
  toFailureCode,
  type VerificationProtocol,
  type VerificationStatus,
} from '@facegate/domain';
import { builder } from '../builder';
import type { GatewayContext } from '../context';
import { DateTimeScalar } from '../date-time.scalar';
import { FailureCodeEnum, VerificationProtocolEnum, VerificationStatusEnum } from '../enums';
import { encodeCursor } from '../page-cursor';
import { ConsentReceiptRef } from './privacy.type';

const failureCode = (code: string | null): FailureCode | null => (code === null ? null : toFailureCode(code));

/**
 * The sessions read together (a page, or one session): the first timeline asked for reads every one of
 * theirs in one go (ConsoleReadModel.timelines), so a page costs the same few reads whatever its size.
 */
class TimelineBatch {
  private loaded: Promise<ReadonlyMap<string, TimelineEntry[]>> | null = null;

  constructor(private readonly sessions: readonly ConsoleSessionRow[]) {}

  async of(session: ConsoleSessionRow, readModel: ConsoleReadModel): Promise<TimelineEntry[]> {
    this.loaded ??= readModel.timelines(this.sessions);
    return (await this.loaded).get(session.id) ?? [];
  }
}

/** Per request (its context): each session row read, with the batch it was read in. */
const batches = new WeakMap<GatewayContext, WeakMap<ConsoleSessionRow, TimelineBatch>>();

/** Marks `rows` as read together in this request; answers them. */
export function readTogether(ctx: GatewayContext, rows: ConsoleSessionRow[]): ConsoleSessionRow[] {
  let ofRequest = batches.get(ctx);
  if (ofRequest === undefined) {
    ofRequest = new WeakMap();
    batches.set(ctx, ofRequest);
  }
  const batch = new TimelineBatch(rows);
  for (const row of rows) ofRequest.set(row, batch);
  return rows;
}

function timelineOf(ctx: GatewayContext, session: ConsoleSessionRow): Promise<TimelineEntry[]> {
  const batch = batches.get(ctx)?.get(session) ?? new TimelineBatch([session]);
  return batch.of(session, ctx.services.console.queries);
}

const TimelineKindEnum = builder.enumType('ConsoleTimelineKind', {
  description:
    'STARTED; ATTEMPT_CLAIMED: evidence from the device was taken to WeChat; ATTEMPT_COMPLETED: its outcome; EVENT: a published status change; ENDED',
  values: ['STARTED', 'ATTEMPT_CLAIMED', 'ATTEMPT_COMPLETED', 'EVENT', 'ENDED'] as const,
});

const TimelineEntryRef = builder.objectRef<TimelineEntry>('ConsoleTimelineEntry').implement({
  fields: (t) => ({
    at: t.field({ type: DateTimeScalar, resolve: (e) => e.at }),
    kind: t.field({ type: TimelineKindEnum, resolve: (e) => e.kind }),
    status: t.field({
      type: VerificationStatusEnum,
      nullable: true,
      resolve: (e) => e.status as VerificationStatus | null,
    }),
    attempt: t.int({ nullable: true, resolve: (e) => e.attempt }),
    failureCode: t.field({
      type: FailureCodeEnum,
      nullable: true,
      resolve: (e) => failureCode(e.failureCode),
    }),
  }),
});

/** A session as the console shows it: masked name and ID number only; no evidence, no digests. */
export const ConsoleSessionRef = builder.objectRef<ConsoleSessionRow>('ConsoleSession').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    app: t.exposeString('app', { description: 'The app (mini program) the session belongs to' }),
    status: t.field({ type: VerificationStatusEnum, resolve: (s) => s.status as VerificationStatus }),
    protocol: t.field({ type: VerificationProtocolEnum, resolve: (s) => s.protocol as VerificationProtocol }),
    maskedName: t.exposeString('maskedName'),
    maskedIdCardNumber: t.exposeString('maskedIdCardNumber'),
    attempts: t.exposeInt('attempts'),
    maxAttempts: t.exposeInt('maxAttempts'),
    lastErrorCode: t.field({
      type: FailureCodeEnum,
      nullable: true,
      resolve: (s) => failureCode(s.lastErrorCode),
    }),
    openid: t.exposeString('openid'),
    clientReferenceId: t.exposeString('clientReferenceId', { nullable: true }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (s) => s.createdAt }),
    endedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (s) => s.endedAt }),
    verifiedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (s) => s.verifiedAt }),
    timeline: t.field({
      type: [TimelineEntryRef],
      description: 'oldest first',
      resolve: (s, _args, ctx) => timelineOf(ctx, s),
    }),
    consentReceipts: t.field({
      type: [ConsentReceiptRef],
      description: 'The consent receipts recorded for this session, oldest first (kept after redaction)',
      resolve: async (s, _args, ctx) => [...(await ctx.services.privacy.receipts.listBySession(s.id))],
    }),
  }),
});

const ConsoleSessionEdgeRef = builder.objectRef<ConsoleSessionRow>('ConsoleSessionEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (s) => encodeCursor(s) }),
    node: t.field({ type: ConsoleSessionRef, resolve: (s) => s }),
  }),
});

export const ConsoleSessionConnectionRef = builder
  .objectRef<{ items: ConsoleSessionRow[]; hasNextPage: boolean }>('ConsoleSessionConnection')
  .implement({
    description: 'Newest first.',
    fields: (t) => ({
      edges: t.field({ type: [ConsoleSessionEdgeRef], resolve: (c) => c.items }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.string({
        nullable: true,
        resolve: (c) => {
          const last = c.items.at(-1);
          return last ? encodeCursor(last) : null;
        },
      }),
    }),
  });
