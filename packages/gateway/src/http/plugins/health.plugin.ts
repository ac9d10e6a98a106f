import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../../infrastructure/observability/metrics';

export interface ReadinessChecks {
  database(): Promise<void>;
  /** An access token can be obtained (cached or fetched). */
  wechat(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 3000;

/** 'failed' when the check throws or takes longer than 3 s. */
export function withTimeout(run: () => Promise<unknown>): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    run().then(() => 'ok' as const),
    new Promise<'failed'>((resolve) => {
      timer = setTimeout(() => resolve('failed'), CHECK_TIMEOUT_MS);
    }),
  ])
    .catch(() => 'failed' as const)
    .finally(() => clearTimeout(timer));
}

/** The Prometheus text of the registry, as an answer (on the API port or the separate metrics port). */
export async function metricsResponse(metrics: GatewayMetrics): Promise<Response> {
  let text: string;
  try {
    text = await metrics.exposition();
  } catch (error) {
    // with workers: a worker did not report; a failed scrape, never a sum that silently lost a worker
    return new Response(`metrics unavailable: ${error instanceof Error ? error.message : 'unknown'}\n`, {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  }
  return new Response(text, {
    status: 200,
    headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
  });
}

/**
 * /healthz (the process is up), /readyz (database and WeChat token reachable) and, when `metricsOnApi`
 * (development without METRICS_PORT), /metrics. In production /metrics is on its own port instead.
 */
export function healthPlugin(
  checks: ReadinessChecks,
  metrics: GatewayMetrics,
  options: { metricsOnApi: boolean },
): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const json = (status: number, body: unknown) =>
        new fetchAPI.Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        });
      switch (url.pathname) {
        case '/healthz':
          endResponse(json(200, { status: 'ok' }));
          return;
        case '/readyz': {
          const [database, wechat] = await Promise.all([
            withTimeout(checks.database),
            withTimeout(checks.wechat),
          ]);
          const ready = database === 'ok' && wechat === 'ok';
          endResponse(
            json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: { database, wechat } }),
          );
          return;
        }
        case '/metrics':
          if (!options.metricsOnApi) return;
          endResponse(await metricsResponse(metrics));
          return;
        default:
          return;
      }
    },
  };
}
