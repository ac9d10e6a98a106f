import { randomUUID } from 'node:crypto';
import { type GraphQLError, getOperationAST } from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../infrastructure/observability/logger';
import type { GatewayMetrics } from '../../infrastructure/observability/metrics';

interface RequestEntry {
  id: string;
  startedAt: number;
  /** The request's operations, logged with it in one line (one log write per request, not two). */
  operations?: { operationType: string; operationName: string | null; errorCodes: string[] }[];
}

const requestIds = new WeakMap<Request, RequestEntry>();
const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdOf(request: Request): string {
  return requestIds.get(request)?.id ?? 'unknown';
}

function errorCodes(errors: readonly GraphQLError[] | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
}

/**
 * A request id per request (x-request-id in and out) and one log line per request, naming its operation(s).
 * Logs carry the operation's type and name and the error codes; never its variables or the query string.
 */
export function requestLoggingPlugin(logger: Logger, metrics: GatewayMetrics): Plugin {
  return {
    onRequest({ request }) {
      const incoming = request.headers.get('x-request-id');
      requestIds.set(request, {
        id: incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID(),
        startedAt: performance.now(),
      });
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      const context = args.contextValue as { request?: Request };
      const requestId = context.request ? requestIdOf(context.request) : 'unknown';
      const type = operation?.operation ?? 'unknown';
      const name = operation?.name?.value ?? null;
      return {
        onExecuteDone({ result }) {
          if (!('errors' in result) && Symbol.asyncIterator in (result as object)) return;
          const errors = (result as { errors?: readonly GraphQLError[] }).errors;
          const codes = errorCodes(errors);
          metrics.graphqlRequests.inc({ operation_type: type, result: codes[0] ?? 'ok' });
          const entry = context.request ? requestIds.get(context.request) : undefined;
          const operation = { operationType: type, operationName: name, errorCodes: codes };
          if (entry) {
            entry.operations ??= [];
            entry.operations.push(operation);
          } else {
            logger.info({ requestId, ...operation }, 'graphql operation');
          }
        },
      };
    },
    onSubscribe({ args }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      const context = args.contextValue as { request?: Request };
      logger.info(
        {
          requestId: context.request ? requestIdOf(context.request) : 'unknown',
          operationType: 'subscription',
          operationName: operation?.name?.value ?? null,
        },
        'graphql subscription',
      );
    },
    onResponse({ request, response }) {
      const started = requestIds.get(request);
      if (started) response.headers.set('x-request-id', started.id);
      const path = new URL(request.url).pathname;
      if (path === '/healthz' || path === '/metrics' || path === '/readyz') return;
      logger.info(
        {
          requestId: started?.id,
          method: request.method,
          path,
          status: response.status,
          ms: started ? Math.round(performance.now() - started.startedAt) : undefined,
          ...(started?.operations?.length === 1 ? started.operations[0] : {}),
          ...(started?.operations && started.operations.length > 1 ? { operations: started.operations } : {}),
        },
        'request completed',
      );
    },
  };
}
