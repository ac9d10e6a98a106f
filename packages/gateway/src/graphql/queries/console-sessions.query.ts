import { auditTarget, checkPageSize, entityIdMessage, isEntityId } from '@facegate/domain';
import { auditRequest } from '../audit';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { unwrap } from '../domain-error.mapper';
import { VerificationProtocolEnum, VerificationStatusEnum } from '../enums';
import { badUserInput } from '../errors';
import { decodeCursor } from '../page-cursor';
import { CONSOLE_APP_ARG_DESCRIPTION, consoleAppScope } from '../types/console-app-scope';
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
  if (!isEntityId(value)) throw badUserInput(field, 'FILTER_FORMAT', entityIdMessage(field));
}

builder.queryField('consoleSessions', (t) =>
  t.field({
    type: ConsoleSessionConnectionRef,
    description: 'console:read',
    args: {
      filter: t.arg({ type: ConsoleSessionFilterInput }),
      first: t.arg.int(),
      after: t.arg.string(),
      app: t.arg.string({ description: CONSOLE_APP_ARG_DESCRIPTION }),
    },
    resolve: async (_root, { filter, first, after, app }, ctx) => {
      const apps = consoleAppScope(ctx.viewer, app);
      const size = unwrap(checkPageSize(first));
      checkText('openid', filter?.openid);
      checkText('clientReferenceId', filter?.clientReferenceId);
      const rows = await ctx.services.console.queries.sessions(
        { ...filter, apps },
        size,
        after ? decodeCursor(after) : null,
      );
      const items = rows.slice(0, size);
      auditRequest(
        ctx,
        'session.list',
        items.map((s) => auditTarget('session', s.id)),
        'success',
        { count: items.length },
      );
      return { items: readTogether(ctx, items), hasNextPage: rows.length > size };
    },
  }),
);
