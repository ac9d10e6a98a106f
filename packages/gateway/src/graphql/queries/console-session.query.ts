import { auditTarget, isEntityId } from '@facegate/domain';
import { auditRequest } from '../audit';
import { keySeesApp } from '../authorization';
import { builder } from '../builder';
import { requireConsoleRead } from '../console-authorization';
import { ConsoleSessionRef, readTogether } from '../types/console-session.type';

builder.queryField('consoleSession', (t) =>
  t.field({
    type: ConsoleSessionRef,
    nullable: true,
    description: 'console:read. Null also for a session of an app the key is not for.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      requireConsoleRead(ctx.viewer);
      const value = String(id);
      if (!isEntityId(value)) return null;
      const found = await ctx.services.console.queries.session(value);
      // another app's session, for a key limited to some apps, is not there: like a missing one
      const row = found !== null && keySeesApp(ctx.viewer, found.app) ? found : null;
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
