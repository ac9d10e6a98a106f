/** One HTTP request of a load run (always a POST of a JSON body). */
export interface LoadRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Where a run gets its requests. `next()` returns null when the supply is used up (a confirmation
 * can only be made once).
 */
export interface RequestSource {
  next(): LoadRequest | null;
  /** Whether an answer is the expected one (e.g. the session is VERIFIED). */
  accept(status: number, body: string): boolean;
  /** Keeps answers that later steps need (e.g. the sessions a start created). Optional. */
  keep?(body: string): void;
}

export interface SaturationResult {
  readonly kind: 'saturation';
  readonly connections: number;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  /** Accepted answers per second. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU the server under test spent per accepted answer (from /proc; absent where there is none). */
  readonly serverCpuMsPerRequest?: number;
  /** CPU all PostgreSQL processes spent per accepted answer, whoever caused it. */
  readonly postgresCpuMsPerRequest?: number;
  /** Bytes the server's JavaScript heap allocated per accepted answer (`--heap-profile` runs only). */
  readonly allocatedBytesPerRequest?: number;
}

export interface FixedRateResult {
  readonly kind: 'fixed-rate';
  readonly rate: number;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  /** Latency from the moment a request was due (so a stalled server cannot hide its queue). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How late the generator itself sent the worst request (should stay around a millisecond). */
  readonly maxSendLagMs: number;
  /**
   * The server's throughput at saturation is below the rate: its queue grows for as long as the run lasts,
   * so the latencies say how long it ran rather than how fast the server is. Measured once, briefly.
   */
  readonly overloaded?: boolean;
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export const JSON_CONTENT = 'application/json';
