import { REQUEST_ERROR_CODES } from '@facegate/gateway';
import { Agent, type Dispatcher, request } from 'undici';

/** The request-problem codes of the GraphQL contract; anything else is a masked server fault. */
const CONTRACT_CODES: ReadonlySet<string> = new Set(REQUEST_ERROR_CODES);

export interface GraphqlErrorInfo {
  readonly message: string;
  readonly code: string;
  readonly reason: string | null;
  readonly retryable: boolean | null;
  readonly retryAfterSeconds: number | null;
}

/** One request's fate: data, a GraphQL error, or no usable answer at all. */
export type Try<T> =
  | { readonly kind: 'data'; readonly data: T }
  | { readonly kind: 'error'; readonly error: GraphqlErrorInfo; readonly httpStatus: number }
  | { readonly kind: 'transport'; readonly reason: string; readonly httpStatus: number | null };

/** Why a request was sent again. */
export type RetryCause = 'network' | 'upstream' | 'in-progress' | 'rate-limited' | 'unexpected';

/**
 * What a mini program does with an answer: retry on network trouble, UPSTREAM_UNAVAILABLE (unless marked not
 * retryable), RATE_LIMITED, a CONFLICT marked retryable (evidence being confirmed elsewhere) and a server fault;
 * anything else is final. `unexpected` (HTTP 5xx, masked errors) is retried too but counted, since it means a bug.
 */
export function retryCauseOf(result: Try<unknown>): RetryCause | null {
  if (result.kind === 'data') return null;
  if (result.kind === 'transport') {
    return result.httpStatus !== null && result.httpStatus >= 500 ? 'unexpected' : 'network';
  }
  const { code, retryable } = result.error;
  if (!CONTRACT_CODES.has(code)) return 'unexpected';
  if (code === 'UPSTREAM_UNAVAILABLE') return retryable === false ? null : 'upstream';
  if (code === 'RATE_LIMITED') return 'rate-limited';
  if (code === 'CONFLICT' && retryable === true) return 'in-progress';
  return null;
}

export interface RetryBudget {
  /** Total time for one logical request, all tries included. */
  readonly deadlineMs: number;
  readonly maxTries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Generous enough to outlast a gateway restart and an evidence lease left by a killed instance (30 s). */
export const MINI_PROGRAM_RETRY: RetryBudget = {
  deadlineMs: 90_000,
  maxTries: 80,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
};

/** Retries, by cause, and samples of unexpected answers, over a whole run. */
export class RetryStats {
  readonly retries: Record<RetryCause, number> = {
    network: 0,
    upstream: 0,
    'in-progress': 0,
    'rate-limited': 0,
    unexpected: 0,
  };
  /** Logical requests that ran out of tries or time. */
  gaveUp = 0;
  readonly unexpectedSamples: string[] = [];

  note(cause: RetryCause, result: Try<unknown>, operation: string): void {
    this.retries[cause] += 1;
    if (cause === 'unexpected' && this.unexpectedSamples.length < 20) {
      const detail =
        result.kind === 'error'
          ? `${result.error.code}: ${result.error.message} (HTTP ${result.httpStatus})`
          : result.kind === 'transport'
            ? `${result.reason} (HTTP ${result.httpStatus})`
            : '';
      this.unexpectedSamples.push(`${operation}: ${detail}`);
    }
  }
}

export type Retried<T> =
  | { readonly ok: true; readonly data: T; readonly tries: number }
  | { readonly ok: false; readonly last: Try<T>; readonly tries: number };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it gives data or a final error, or the budget runs out (full-jitter backoff). */
export async function withRetries<T>(
  operation: string,
  attempt: (tryIndex: number) => Promise<Try<T>>,
  stats: RetryStats,
  budget: RetryBudget = MINI_PROGRAM_RETRY,
  random: () => number = Math.random,
): Promise<Retried<T>> {
  const deadline = Date.now() + budget.deadlineMs;
  for (let tries = 1; ; tries++) {
    const result = await attempt(tries - 1);
    if (result.kind === 'data') return { ok: true, data: result.data, tries };
    const cause = retryCauseOf(result);
    if (cause === null) return { ok: false, last: result, tries };
    stats.note(cause, result, operation);
    let delay = Math.floor(random() * Math.min(budget.maxDelayMs, budget.baseDelayMs * 2 ** (tries - 1)));
    if (cause === 'rate-limited' && result.kind === 'error' && result.error.retryAfterSeconds !== null)
      delay = Math.max(delay, result.error.retryAfterSeconds * 1000);
    if (tries >= budget.maxTries || Date.now() + delay >= deadline) {
      stats.gaveUp += 1;
      return { ok: false, last: result, tries };
    }
    await sleep(delay);
  }
}

/** GraphQL over HTTP with undici: one request per call, no retries (see withRetries). */
export class GraphqlClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: boolean;

  constructor(dispatcher?: Dispatcher) {
    this.ownDispatcher = dispatcher === undefined;
    // Longer than the gateway's own worst case: a busy-evidence wait (10 s) plus an upstream deadline (5 s).
    this.dispatcher =
      dispatcher ??
      new Agent({
        connections: 128,
        keepAliveTimeout: 4_000,
        headersTimeout: 45_000,
        bodyTimeout: 45_000,
        connectTimeout: 5_000,
      });
  }

  async send<T>(url: string, query: string, variables: unknown, credential?: string): Promise<Try<T>> {
    let status: number;
    let text: string;
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(credential ? { authorization: `Bearer ${credential}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      return { kind: 'transport', reason: describeNetworkError(error), httpStatus: null };
    }
    let body: { data?: T | null; errors?: { message?: string; extensions?: Record<string, unknown> }[] };
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: 'transport', reason: 'answer is not JSON', httpStatus: status };
    }
    const first = body.errors?.[0];
    if (first !== undefined) {
      const ext = first.extensions ?? {};
      return {
        kind: 'error',
        httpStatus: status,
        error: {
          message: String(first.message ?? ''),
          code: typeof ext.code === 'string' ? ext.code : 'NO_CODE',
          reason: typeof ext.reason === 'string' ? ext.reason : null,
          retryable: typeof ext.retryable === 'boolean' ? ext.retryable : null,
          retryAfterSeconds: typeof ext.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : null,
        },
      };
    }
    if (body.data === undefined || body.data === null) {
      return { kind: 'transport', reason: 'answer without data or errors', httpStatus: status };
    }
    return { kind: 'data', data: body.data };
  }

  async close(): Promise<void> {
    if (this.ownDispatcher) await this.dispatcher.close();
  }
}

function describeNetworkError(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'network error';
}
