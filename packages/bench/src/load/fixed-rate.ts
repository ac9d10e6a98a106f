import { Pool } from 'undici';
import type { TimedRequest } from '../profile/stall-trace';
import { type FixedRateResult, JSON_CONTENT, percentile, type RequestSource } from './load-types';

export interface FixedRateOptions {
  readonly url: string;
  readonly source: RequestSource;
  /** Requests per second, spread evenly (open loop: a slow answer never delays the next request). */
  readonly rate: number;
  readonly seconds: number;
  /** Connections available to the generator (enough that it never queues on its side). */
  readonly connections?: number;
  /** Give up on stragglers this long after the last request was due. */
  readonly drainTimeoutMs?: number;
  /** Return each request's wall-clock due time and latency (`--stall-trace`). */
  readonly trace?: boolean;
}

/**
 * A constant-rate generator. autocannon's rate limit sends each second's quota in a burst and then waits,
 * which measures bursts rather than a steady rate; here request i is due at start + i / rate, and its
 * latency runs from when it was due (no coordinated omission).
 */
export async function runFixedRate(
  options: FixedRateOptions,
): Promise<FixedRateResult & { timed?: TimedRequest[] }> {
  const { source } = options;
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const intervalMs = 1000 / options.rate;
  const pool = new Pool(options.url, {
    connections: options.connections ?? 512,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const latencies = new Float64Array(total);
  let done = 0;
  let ok = 0;
  let failed = 0;
  let maxSendLagMs = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allDone = resolve;
  });

  const fire = (index: number, dueAt: number) => {
    const request = source.next();
    const record = (accepted: boolean) => {
      latencies[index] = performance.now() - dueAt;
      if (accepted) ok += 1;
      else failed += 1;
      done += 1;
      if (done === total) allDone();
    };
    if (request === null) {
      record(false);
      return;
    }
    const lag = performance.now() - dueAt;
    if (lag > maxSendLagMs) maxSendLagMs = lag;
    pool
      .request({
        method: 'POST',
        path: request.path,
        headers: { 'content-type': JSON_CONTENT, ...request.headers },
        body: request.body,
      })
      .then(async (response) => {
        const body = await response.body.text();
        const accepted = source.accept(response.statusCode, body);
        source.keep?.(body);
        record(accepted);
      })
      .catch(() => record(false));
  };

  // a short head start, so the first requests are not already late
  const start = performance.now() + 20;
  let index = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (index < total && start + index * intervalMs <= now) {
        fire(index, start + index * intervalMs);
        index += 1;
      }
      if (index >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + index * intervalMs - performance.now() - 1));
    };
    tick();
  });
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)))]);
  clearTimeout(timer);
  const seconds = (performance.now() - start) / 1000;
  // stragglers count as failures with the time waited so far
  const missing = total - done;
  if (missing > 0) {
    const waited = performance.now() - start;
    for (let i = 0; i < total; i++) if (latencies[i] === 0) latencies[i] = waited - i * intervalMs;
    failed += missing;
  }
  await pool.destroy();
  const timed = options.trace
    ? Array.from(latencies, (latencyMs, i) => ({
        due: performance.timeOrigin + start + i * intervalMs,
        latencyMs,
      }))
    : undefined;
  const sorted = latencies.slice().sort();
  return {
    kind: 'fixed-rate',
    rate: options.rate,
    requests: total,
    ok,
    failed,
    seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    maxSendLagMs,
    ...(timed ? { timed } : {}),
  };
}
