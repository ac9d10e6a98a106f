import { GraphQLError } from 'graphql/index.js';

/** The contract's request-problem codes (architecture: "extensions.code"), listed once; anything else is masked. */
export const REQUEST_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

function requestError(
  code: RequestErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const badUserInput = (
  field: string,
  rule: string,
  message: string,
  extra: Record<string, unknown> = {},
) => requestError('BAD_USER_INPUT', message, { field, rule, ...extra });

/** Why a request is not authenticated; `reason` lets a client tell "sign in again" from "sign in". */
const UNAUTHENTICATED = {
  missing: {
    reason: 'MISSING_CREDENTIAL',
    message: 'sign in first (Authorization: Bearer <token or API key>)',
  },
  'user-token': { reason: 'INVALID_TOKEN', message: 'this token is not valid or has expired; sign in again' },
  'api-key': { reason: 'INVALID_API_KEY', message: 'unknown or revoked API key' },
} as const;

export const unauthenticated = (rejected?: 'user-token' | 'api-key') => {
  const { reason, message } = UNAUTHENTICATED[rejected ?? 'missing'];
  return requestError('UNAUTHENTICATED', message, { reason });
};

export const forbidden = (message: string, extra: Record<string, unknown> = {}) =>
  requestError('FORBIDDEN', message, extra);

/** Also used for other users' sessions, so their existence does not leak. */
export const notFound = (message = 'verification not found') => requestError('NOT_FOUND', message);

export const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  requestError('CONFLICT', message, extra);

/** Also sets the HTTP Retry-After header (yoga copies extensions.http.headers to the response). */
export const rateLimited = (
  retryAfterSeconds: number,
  message = 'too many requests; try again later',
  extra: Record<string, unknown> = {},
) =>
  requestError('RATE_LIMITED', message, {
    ...extra,
    retryAfterSeconds,
    http: { headers: { 'retry-after': String(retryAfterSeconds) } },
  });

export const upstreamUnavailable = (
  message = 'WeChat is unavailable; try again shortly',
  extra: Record<string, unknown> = {},
) => requestError('UPSTREAM_UNAVAILABLE', message, { retryable: true, ...extra });
