import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { type GraphQLError, getOperationAST, type OperationDefinitionNode } from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';

/*
 * Traces for the GraphQL endpoint, through the OpenTelemetry API (no-op spans unless an SDK is registered, see
 * infrastructure/observability/tracing.ts). Each POST/GET /graphql is a SERVER span that continues the
 * caller's W3C `traceparent`; its operation is a child span named `mutation confirmVerification`, and what
 * the resolvers call (SQL statements, WeChat) are that span's children. Spans hold the operation's type and
 * name, the root fields, the HTTP status and the error codes: never the query text, variables, headers,
 * the client's address or an error's message.
 *
 * Written here rather than taken from @envelop/opentelemetry: that plugin records the document text by
 * default (an inline argument carries the identity as well as a variable does), exports to the console
 * unless given a provider, pins the 1.x SDK, and does not continue a caller's trace; the Hive Gateway plugin
 * brings the whole gateway runtime and the auto-instrumentations.
 */

const tracer = trace.getTracer('@facegate/gateway');

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** The paths traced: the API. Probes, /metrics, the console's files and GraphiQL are not. */
const TRACED_PATH = '/graphql';

const requestSpans = new WeakMap<Request, Span>();

/**
 * The operation's name as the span shows it: a GraphQL name is [_A-Za-z][_0-9A-Za-z]*, so it cannot hold a
 * Chinese name, but a caller could still name an operation after an ID number or a phone number; a name
 * with a run of six digits or more, or longer than 64, is replaced by the root fields.
 */
function operationNameOf(operation: OperationDefinitionNode): string | null {
  const name = operation.name?.value;
  if (name === undefined || name.length > 64 || /\d{6}/.test(name)) return null;
  return name;
}

function rootFieldsOf(operation: OperationDefinitionNode): string {
  const fields = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind === 'Field') fields.add(selection.name.value);
  }
  return [...fields].slice(0, 8).join(',');
}

function errorCodesOf(errors: readonly GraphQLError[] | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
}

export function tracingPlugin(): Plugin {
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const url = new URL(request.url);
        if (url.pathname !== TRACED_PATH) return wrapped();
        const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
        const span = tracer.startSpan(
          `${request.method} ${TRACED_PATH}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              'http.request.method': request.method,
              'http.route': TRACED_PATH,
              'url.path': TRACED_PATH,
              'url.scheme': url.protocol.replace(':', ''),
            },
          },
          parent,
        );
        // ended at onResponse (it has the status); a request that never gets there ends here
        requestSpans.set(request, span);
        const ended = () => {
          if (requestSpans.delete(request)) span.end();
        };
        const result = context.with(trace.setSpan(parent, span), wrapped);
        if (result instanceof Promise) {
          return result.finally(ended);
        }
        ended();
        return result;
      },
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const parent = trace.getSpan(context.active());
      if (parent === undefined || !parent.isRecording()) return;
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      const type = operation?.operation ?? 'query';
      const name = operation ? operationNameOf(operation) : null;
      const rootFields = operation ? rootFieldsOf(operation) : '';
      const span = tracer.startSpan(`${type} ${name ?? rootFields}`.trim(), {
        attributes: {
          'graphql.operation.type': type,
          ...(name === null ? {} : { 'graphql.operation.name': name }),
          'facegate.graphql.root_fields': rootFields,
        },
      });
      const spanContext = trace.setSpan(context.active(), span);
      setExecuteFn((executeArgs) => context.with(spanContext, () => executeFn(executeArgs)));
      return {
        onExecuteDone({ result }) {
          const errors = (result as { errors?: readonly GraphQLError[] }).errors;
          const codes = errorCodesOf(errors);
          if (codes.length > 0) {
            span.setAttribute('facegate.graphql.error_codes', codes);
            // a refused request is the caller's; a fault of ours is an error of the span
            if (codes.includes('INTERNAL_SERVER_ERROR') || codes.includes('UPSTREAM_UNAVAILABLE')) {
              span.setStatus({ code: SpanStatusCode.ERROR });
            }
          }
          span.end();
        },
      };
    },
    onResponse({ request, response }) {
      const span = requestSpans.get(request);
      if (span === undefined) return;
      requestSpans.delete(request);
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
