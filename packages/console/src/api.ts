import { print } from '@0no-co/graphql.web';
import type { TadaDocumentNode } from './graphql';

/** The gateway's GraphQL endpoint, same origin (the CSP allows connect-src 'self' only). */
const ENDPOINT = '/graphql';
const KEY_STORAGE = 'facegate.console.key';

/**
 * A failed request: a GraphQL error with its extensions.code (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, ...),
 * NETWORK when no answer came back, BAD_RESPONSE when the answer was not GraphQL. `status` is the HTTP status
 * when there was an answer. Pages show it through <ErrorNotice> (errors.ts), never its raw message.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Anything a page caught, as an ApiError: fetch and gql() throw those; anything else is the page's own bug. */
export const toApiError = (error: unknown): ApiError =>
  error instanceof ApiError ? error : new ApiError(String(error), 'ERROR');

/** The operator's API key lives in sessionStorage only: gone with the tab, never in a URL. */
export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

/** Sends a document made by `graphql(...)` (./graphql): its variables and its answer are typed from the schema. */
export async function gql<Result, Variables>(
  document: TadaDocumentNode<Result, Variables>,
  variables: Variables,
  key = keyStore.get(),
): Promise<Result> {
  let response: Response;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        // the gateway's CSRF rule: a header a cross-site form cannot send
        'x-facegate-client': 'console',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ query: print(document), variables }),
      credentials: 'omit',
    });
  } catch (error) {
    // fetch rejects only when no answer came back: offline, refused, reset, blocked
    throw new ApiError(String(error), 'NETWORK');
  }
  let body: { data?: Result; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`, 'BAD_RESPONSE', response.status);
  }
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code ?? 'ERROR', response.status);
  if (body.data === undefined) throw new ApiError(`HTTP ${response.status}`, 'BAD_RESPONSE', response.status);
  return body.data;
}
