import { builder } from '../builder';
import { requireConsoleRead } from '../console-authorization';
import { ConsoleViewerRef } from '../types/api-key.type';

builder.queryField('consoleViewer', (t) =>
  t.field({
    type: ConsoleViewerRef,
    description:
      'console:read or console:admin. The signed-in key: its name and scopes (the console signs in with it).',
    resolve: (_root, _args, ctx) => {
      requireConsoleRead(ctx.viewer);
      const { viewer } = ctx;
      return viewer.kind === 'service'
        ? { name: viewer.name, scopes: viewer.scopes }
        : { name: '', scopes: [] };
    },
  }),
);
