/**
 * What went wrong with a request to the gateway, as an operator can act on it. The raw text (`TypeError:
 * Failed to fetch`, a GraphQL message in English) is never shown: each kind has a translated line.
 */
export type ErrorKind =
  | 'network'
  | 'unauthorized'
  | 'forbidden'
  | 'rateLimited'
  | 'server'
  | 'badInput'
  | 'notFound'
  | 'conflict'
  | 'unknown';

/** The parts of an ApiError the classification reads (kept structural so it can be tested without a DOM). */
export interface ErrorFacts {
  /** extensions.code of the GraphQL error, or NETWORK / BAD_RESPONSE from the client itself. */
  readonly code: string;
  /** The HTTP status, when an answer came back. */
  readonly status?: number | undefined;
}

export function errorKind(error: ErrorFacts): ErrorKind {
  switch (error.code) {
    case 'NETWORK':
      return 'network';
    case 'UNAUTHENTICATED':
      return 'unauthorized';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'RATE_LIMITED':
      return 'rateLimited';
    case 'BAD_USER_INPUT':
      return 'badInput';
    case 'NOT_FOUND':
      return 'notFound';
    case 'CONFLICT':
      return 'conflict';
    case 'UPSTREAM_UNAVAILABLE':
    case 'INTERNAL_SERVER_ERROR':
      return 'server';
  }
  // an answer without a GraphQL error code: judge by the HTTP status (a proxy's 502, a 429 from a limiter)
  if (error.status === 401) return 'unauthorized';
  if (error.status === 403) return 'forbidden';
  if (error.status === 429) return 'rateLimited';
  if (error.status !== undefined && error.status >= 500) return 'server';
  // masked errors (the gateway's "Unexpected error.") and answers that are not GraphQL at all
  if (error.code === 'BAD_RESPONSE' || error.code === 'ERROR') return 'server';
  return 'unknown';
}
