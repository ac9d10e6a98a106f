export interface RetrySettings {
  /** First backoff ceiling; doubles with each retry. */
  readonly baseDelayMs: number;
  /** The ceiling never grows past this. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = { baseDelayMs: 100, maxDelayMs: 1_000 };

/**
 * "Full jitter": a uniform delay in [0, min(max, base * 2^retry)). Spreads the retries of many callers hit by
 * the same WeChat hiccup instead of having them return in lockstep.
 */
export function fullJitterDelayMs(retry: number, settings: RetrySettings, random: () => number): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a failed exchange tells us about whether WeChat acted on the request:
 * - 'not-processed': it surely did not (errcode -1 "system busy", HTTP 429, the connection never opened);
 *   a repeat is safe for every endpoint.
 * - 'unknown': it may have (reset or timeout after the request left, HTTP 5xx); a repeat is safe only for
 *   endpoints whose repeat cannot do harm (see each endpoint's `replay`).
 */
export type FailureCertainty = 'not-processed' | 'unknown';

const NOT_SENT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const MID_FLIGHT_CODES = new Set([
  'UND_ERR_SOCKET',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_CLOSED',
]);

export function errorCodeOf(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** null: not a network failure we know; the caller gives up without retrying. */
export function certaintyOfNetworkError(error: unknown): FailureCertainty | null {
  const code = errorCodeOf(error);
  if (code === null) return null;
  if (NOT_SENT_CODES.has(code)) return 'not-processed';
  if (MID_FLIGHT_CODES.has(code)) return 'unknown';
  return null;
}
