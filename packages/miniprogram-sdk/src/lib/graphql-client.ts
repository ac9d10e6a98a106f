import type { Operation } from './graphql-operations';
import { NetworkError, type WxTransport, wxRequest } from './wx-async';

/** A GraphQL error the gateway answered (a problem with the request, not a failed face check). */
export class GatewayRequestError extends Error {
  constructor(
    /** extensions.code: BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED,
     * UPSTREAM_UNAVAILABLE, or INTERNAL for anything masked. */
    readonly code: string,
    message: string,
    /** For BAD_USER_INPUT: the input field at fault, when the gateway names it. */
    readonly field: string | null = null,
    /** Everything else the gateway put in `extensions` (rule, messageZh, currentVersion...). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

/** The gateway answered, but not with a GraphQL response (proxy page, 5xx, truncated body). */
export class GatewayProtocolError extends Error {
  readonly code = 'GATEWAY_PROTOCOL' as const;
  constructor(readonly statusCode: number) {
    super(`unexpected gateway response (HTTP ${statusCode})`);
    this.name = 'GatewayProtocolError';
  }
}

export interface GraphQLClientOptions {
  readonly wx: Pick<WxTransport, 'request'>;
  readonly url: () => string;
  readonly timeoutMs?: number;
}

interface GraphQLErrorShape {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown; argumentName?: unknown } & Record<string, unknown>;
}

function parseBody(data: unknown): { data?: unknown; errors?: GraphQLErrorShape[] } | null {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (body === null || typeof body !== 'object') return null;
  const shaped = body as { data?: unknown; errors?: unknown };
  if (!('data' in shaped) && !Array.isArray(shaped.errors)) return null;
  return shaped as { data?: unknown; errors?: GraphQLErrorShape[] };
}

function toRequestError(error: GraphQLErrorShape): GatewayRequestError {
  const ext = error.extensions ?? {};
  const code = typeof ext.code === 'string' ? ext.code : 'INTERNAL';
  const field =
    typeof ext.field === 'string'
      ? ext.field
      : typeof ext.argumentName === 'string'
        ? ext.argumentName
        : null;
  const message = typeof error.message === 'string' ? error.message : 'request failed';
  return new GatewayRequestError(code, message, field, ext);
}

/** GraphQL over wx.request: one POST per operation, the bearer token when signed in. */
export class GraphQLClient {
  constructor(private readonly options: GraphQLClientOptions) {}

  async execute<TData, TVariables>(
    operation: Operation<TData, TVariables>,
    variables: TVariables,
    token: string | null,
  ): Promise<TData> {
    const header: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      // the gateway's CSRF prevention asks non-browser clients to name themselves
      'x-facegate-client': 'miniprogram',
    };
    if (token) header.authorization = `Bearer ${token}`;
    const response = await wxRequest(this.options.wx, {
      url: this.options.url(),
      method: 'POST',
      header,
      data: JSON.stringify({
        operationName: operation.operationName,
        query: operation.document,
        variables,
      }),
      timeout: this.options.timeoutMs ?? 15_000,
    });
    const body = parseBody(response.data);
    if (!body) {
      // A gateway that is down behind a proxy answers 502/503 HTML: as unreachable as no network.
      if (response.statusCode >= 500) throw new NetworkError(`HTTP ${response.statusCode}`);
      throw new GatewayProtocolError(response.statusCode);
    }
    const first = body.errors?.[0];
    if (first) throw toRequestError(first);
    if (body.data === null || body.data === undefined) throw new GatewayProtocolError(response.statusCode);
    return body.data as TData;
  }
}
