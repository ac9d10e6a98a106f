import { Pool } from 'undici';
import { JSON_CONTENT, percentile, type RequestSource, type SaturationResult } from './load-types';

export interface SaturationOptions {
  readonly url: string;
  readonly source: RequestSource;
  /** Concurrent connections, each sending its next request as soon as the previous answer arrived. */
  readonly connections: number;
  /** Requests to send; the run ends when all are answered (or the source runs dry). */
  readonly requests: number;
  /** Stop sending after this long (the answers in flight still count). */
  readonly maxSeconds?: number;
  /** Per-request timeout (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * Throughput at saturation, closed loop: `connections` clients on keep-alive connections, each sending its
 * next request the moment the previous answer is in, until `requests` are answered. Throughput counts
 * accepted answers only, over the time from the first request to the last answer.
 *
 * (autocannon's `amount` mode only notices the end of a run on its one-second tick, which adds up to a
 * second to short runs; an undici pool is as lean a client and times to the microsecond.)
 */
export async function runSaturation(options: SaturationOptions): Promise<SaturationResult> {
  const { source } = options;
  const connections = Math.max(1, Math.min(options.connections, options.requests));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pool = new Pool(options.url, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const latencies = new Float64Array(options.requests);
  let issued = 0;
  let answered = 0;
  let ok = 0;
  let failed = 0;

  const stopAt =
    options.maxSeconds === undefined
      ? Number.POSITIVE_INFINITY
      : performance.now() + options.maxSeconds * 1000;
  const client = async () => {
    while (issued < options.requests && performance.now() < stopAt) {
      const request = source.next();
      if (request === null) return;
      issued += 1;
      const sentAt = performance.now();
      let accepted = false;
      try {
        const response = await pool.request({
          method: 'POST',
          path: request.path,
          headers: { 'content-type': JSON_CONTENT, ...request.headers },
          body: request.body,
        });
        const body = await response.body.text();
        accepted = source.accept(response.statusCode, body);
        source.keep?.(body);
      } catch {
        accepted = false;
      }
      latencies[answered++] = performance.now() - sentAt;
      if (accepted) ok += 1;
      else failed += 1;
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, client));
  const seconds = (performance.now() - started) / 1000;
  await pool.destroy();
  const sorted = latencies.subarray(0, answered).slice().sort();
  return {
    kind: 'saturation',
    connections,
    requests: answered,
    ok,
    failed,
    seconds,
    throughput: ok / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}
