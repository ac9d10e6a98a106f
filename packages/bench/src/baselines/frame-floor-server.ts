import { createServer } from 'node:http';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import { type LocalServer, listenLocally } from '../support/local-server';

/**
 * The frame floor: graphql-yoga + Pothos out of the box, answering the gateway's `verification` query
 * from memory (no auth, no database, no logging). What any yoga server pays per request before it does
 * anything of its own; the gateway's query can only approach it.
 */
export type FrameFloor = LocalServer;

interface Row {
  id: string;
  status: string;
  protocol: string;
  attempts: number;
  maxAttempts: number;
  expiresAt: string;
  clientReferenceId: string | null;
}

export async function startFrameFloor(options: { port?: number; host?: string } = {}): Promise<FrameFloor> {
  const builder = new SchemaBuilder({});
  const failure = builder.objectRef<{ code: string }>('VerificationError').implement({
    fields: (t) => ({
      code: t.exposeString('code'),
      message: t.string({ resolve: () => '' }),
      retryable: t.boolean({ resolve: () => false }),
      upstreamCode: t.int({ nullable: true, resolve: () => null }),
    }),
  });
  const verification = builder.objectRef<Row>('Verification').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      status: t.exposeString('status'),
      protocol: t.exposeString('protocol'),
      attempts: t.exposeInt('attempts'),
      maxAttempts: t.exposeInt('maxAttempts'),
      expiresAt: t.exposeString('expiresAt'),
      clientReferenceId: t.exposeString('clientReferenceId', { nullable: true }),
      lastError: t.field({ type: failure, nullable: true, resolve: () => null }),
    }),
  });
  const rows = new Map<string, Row>();
  builder.queryType({
    fields: (t) => ({
      verification: t.field({
        type: verification,
        nullable: true,
        args: { id: t.arg.id({ required: true }) },
        resolve: (_root, args) => {
          const id = String(args.id);
          let row = rows.get(id);
          if (row === undefined) {
            row = {
              id,
              status: 'PENDING',
              protocol: 'LEGACY',
              attempts: 0,
              maxAttempts: 3,
              expiresAt: '2030-01-01T00:00:00.000Z',
              clientReferenceId: null,
            };
            if (rows.size < 10_000) rows.set(id, row);
          }
          return row;
        },
      }),
    }),
  });
  const yoga = createYoga({ schema: builder.toSchema(), logging: false, graphiql: false });
  const server = createServer(yoga);
  return listenLocally(server, options);
}
