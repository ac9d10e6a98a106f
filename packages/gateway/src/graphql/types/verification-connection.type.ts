import type { VerificationSessionSnapshot } from '@facegate/domain';
import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { toRequestError } from '../domain-error.mapper';
import { VerificationStatusEnum } from '../enums';
import { decodeCursor, encodeCursor } from '../page-cursor';
import { VerificationRef } from './verification.type';

// every connection pages with the one codec (webhook deliveries import it from here)
export { decodeCursor, encodeCursor };

/*
 * Relay-style connection written out by hand (no @pothos/plugin-relay): it is one list with forward
 * paging only, and the plugin would add last/before arguments and Node machinery the contract does not have.
 */
interface ConnectionShape {
  readonly items: readonly VerificationSessionSnapshot[];
  readonly hasNextPage: boolean;
}

export const PageInfoRef = builder
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
    app: t.string({ description: "One app's sessions (a key limited to some apps sees only theirs anyway)" }),
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
      const viewer = requireScope(ctx.viewer, 'verifications:read');
      const result = await ctx.services.listVerifications.execute({
        // a key limited to some apps lists theirs only, whatever the filter names
        filter: { ...args.filter, apps: viewer.apps },
        first: args.first ?? null,
        after: args.after ? decodeCursor(args.after) : null,
      });
      if (!result.ok) throw toRequestError(result.error);
      const page = result.value;
      auditRequest(
        ctx,
        'session.list',
        page.items.map((s) => auditTarget('session', s.id)),
        'success',
        { count: page.items.length },
      );
      return { items: page.items, hasNextPage: page.hasNextPage };
    },
  }),
);
