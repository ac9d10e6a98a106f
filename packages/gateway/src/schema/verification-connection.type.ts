import type { PageCursor, VerificationSessionSnapshot } from '@facegate/domain';
import { requireScope } from './authorization';
import { builder } from './builder';
import { DateTimeScalar } from './date-time.scalar';
import { VerificationStatusEnum } from './enums';
import { badUserInput } from './errors';
import { VerificationRef } from './verification.type';

/*
 * Relay-style connection written out by hand (no @pothos/plugin-relay): it is one list with forward
 * paging only, and the plugin would add last/before arguments and Node machinery the contract does not have.
 */
interface ConnectionShape {
  readonly items: readonly VerificationSessionSnapshot[];
  readonly hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

export function encodeCursor(session: Pick<VerificationSessionSnapshot, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([session.createdAt.toISOString(), session.id])).toString('base64url');
}

/** Cursors name sessions FaceGate made: their times are in this range (PostgreSQL refuses far wider ones). */
const CURSOR_EARLIEST = Date.UTC(2000, 0, 1);
const CURSOR_LATEST = Date.UTC(9999, 11, 31);
const MAX_CURSOR_LENGTH = 512;

/** Decodes and range-checks a cursor: anything a previous page could not have produced is BAD_USER_INPUT. */
export function decodeCursor(cursor: string): PageCursor {
  try {
    if (cursor.length <= MAX_CURSOR_LENGTH) {
      const [createdAt, id, ...rest] = JSON.parse(
        Buffer.from(cursor, 'base64url').toString('utf8'),
      ) as unknown[];
      const date = new Date(String(createdAt));
      const time = date.getTime();
      if (
        rest.length === 0 &&
        typeof id === 'string' &&
        id.length > 0 &&
        id.length <= 128 &&
        !id.includes('\u0000') &&
        typeof createdAt === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(createdAt) &&
        time >= CURSOR_EARLIEST &&
        time <= CURSOR_LATEST
      ) {
        return { createdAt: date, id };
      }
    }
  } catch {
    // reported below
  }
  throw badUserInput('after', 'CURSOR_INVALID', 'after must be an endCursor from a previous page');
}

const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

const VerificationEdgeRef = builder.objectRef<VerificationSessionSnapshot>('VerificationEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (s) => encodeCursor(s) }),
    node: t.field({ type: VerificationRef, resolve: (s) => s }),
  }),
});

const VerificationConnectionRef = builder.objectRef<ConnectionShape>('VerificationConnection').implement({
  description: 'Newest first.',
  fields: (t) => ({
    edges: t.field({ type: [VerificationEdgeRef], resolve: (c) => [...c.items] }),
    pageInfo: t.field({
      type: PageInfoRef,
      resolve: (c) => {
        const last = c.items.at(-1);
        return { hasNextPage: c.hasNextPage, endCursor: last ? encodeCursor(last) : null };
      },
    }),
  }),
});

const VerificationFilterInput = builder.inputType('VerificationFilter', {
  fields: (t) => ({
    openid: t.string(),
    status: t.field({ type: VerificationStatusEnum }),
    createdAfter: t.field({ type: DateTimeScalar }),
    createdBefore: t.field({ type: DateTimeScalar }),
  }),
});

builder.queryField('verifications', (t) =>
  t.field({
    type: VerificationConnectionRef,
    description: 'Services with verifications:read. Newest first; page with first + after.',
    args: {
      filter: t.arg({ type: VerificationFilterInput, required: false }),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.viewer, 'verifications:read');
      const first = args.first ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
        throw badUserInput('first', 'PAGE_SIZE', `first must be between 1 and ${MAX_PAGE_SIZE}`);
      }
      const openid = args.filter?.openid ?? null;
      if (openid !== null && (openid.length > 128 || openid.includes('\u0000'))) {
        throw badUserInput('openid', 'OPENID_FORMAT', 'filter.openid must be 1-128 characters');
      }
      const after = args.after ? decodeCursor(args.after) : null;
      const page = await ctx.services.repository.list(
        {
          openid,
          status: args.filter?.status ?? null,
          createdAfter: args.filter?.createdAfter ?? null,
          createdBefore: args.filter?.createdBefore ?? null,
        },
        first,
        after,
      );
      return { items: page.items, hasNextPage: page.hasNextPage };
    },
  }),
);
