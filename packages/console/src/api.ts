import { print } from '@0no-co/graphql.web';
import type { TadaDocumentNode } from './graphql';

/** The gateway's GraphQL endpoint, same origin (the CSP allows connect-src 'self' only). */
const ENDPOINT = '/graphql';
const KEY_STORAGE = 'facegate.console.key';

/** A GraphQL error with its extensions.code (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, ...). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

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
  const response = await fetch(ENDPOINT, {
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
  let body: { data?: Result; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`, 'BAD_RESPONSE');
  }
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code ?? 'ERROR');
  if (body.data === undefined) throw new ApiError(`HTTP ${response.status}`, 'BAD_RESPONSE');
  return body.data;
}
