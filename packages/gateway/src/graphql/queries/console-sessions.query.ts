import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@facegate/domain';
import { builder } from '../builder';
import { requireConsoleRead } from '../console-authorization';
import { DateTimeScalar } from '../date-time.scalar';
import { VerificationProtocolEnum, VerificationStatusEnum } from '../enums';
import { badUserInput } from '../errors';
import { decodeCursor } from '../page-cursor';
import { ConsoleSessionConnectionRef, readTogether } from '../types/console-session.type';

const ConsoleSessionFilterInput = builder.inputType('ConsoleSessionFilter', {
  fields: (t) => ({
    status: t.field({ type: VerificationStatusEnum }),
    protocol: t.field({ type: VerificationProtocolEnum }),
    openid: t.string(),
    clientReferenceId: t.string(),
    createdAfter: t.field({ type: DateTimeScalar }),
    createdBefore: t.field({ type: DateTimeScalar }),
  }),
});

/** Text filters are compared as given: bounded, and never with NUL (PostgreSQL text cannot hold it). */
function checkText(field: string, value: string | null | undefined): void {
  if (value == null) return;
  if (value.length === 0 || value.length > 128 || value.includes('\u0000')) {
    throw badUserInput(field, 'FILTER_FORMAT', `${field} must be 1-128 characters`);
  }
}

builder.queryField('consoleSessions', (t) =>
  t.field({
    type: ConsoleSessionConnectionRef,
    description: 'console:read',
    args: {
      filter: t.arg({ type: ConsoleSessionFilterInput }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: async (_root, { filter, first, after }, ctx) => {
      requireConsoleRead(ctx.viewer);
      const size = first ?? DEFAULT_PAGE_SIZE;
      if (size < 1 || size > MAX_PAGE_SIZE) {
        throw badUserInput('first', 'PAGE_SIZE', `first must be between 1 and ${MAX_PAGE_SIZE}`);
      }
      checkText('openid', filter?.openid);
      checkText('clientReferenceId', filter?.clientReferenceId);
      const rows = await ctx.services.console.queries.sessions(
        filter ?? {},
        size,
        after ? decodeCursor(after) : null,
      );
      return { items: readTogether(ctx, rows.slice(0, size)), hasNextPage: rows.length > size };
    },
  }),
);
