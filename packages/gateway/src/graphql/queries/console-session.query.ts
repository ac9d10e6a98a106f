import { auditTarget, isEntityId } from '@facegate/domain';
import { auditRequest } from '../audit';
import { builder } from '../builder';
import { requireConsoleRead } from '../console-authorization';
import { ConsoleSessionRef, readTogether } from '../types/console-session.type';

builder.queryField('consoleSession', (t) =>
  t.field({
    type: ConsoleSessionRef,
    nullable: true,
    description: 'console:read',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      requireConsoleRead(ctx.viewer);
      const value = String(id);
      if (!isEntityId(value)) return null;
      const row = await ctx.services.console.queries.session(value);
      auditRequest(
        ctx,
        'session.read',
        [auditTarget('session', value)],
        row === null ? 'not-found' : 'success',
      );
      return row === null ? null : readTogether(ctx, [row])[0];
    },
  }),
);
