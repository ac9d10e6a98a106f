import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one gateway; a registry per instance keeps tests and instances apart. */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly verificationOutcomes = new Counter({
    name: 'facegate_verification_outcomes_total',
    help: 'Verification session changes by resulting status and failure code (none when no failure)',
    labelNames: ['status', 'failure_code'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'facegate_upstream_request_duration_seconds',
    help: 'WeChat API call latency by endpoint and outcome',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: 'facegate_upstream_errors_total',
    help: 'WeChat API calls that did not succeed, by endpoint and outcome (errcode, transient, malformed)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly tokenRefreshes = new Counter({
    name: 'facegate_upstream_token_refreshes_total',
    help: 'WeChat access tokens fetched, by endpoint',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly graphqlRequests = new Counter({
    name: 'facegate_graphql_operations_total',
    help: 'GraphQL operations by type and result (ok, or the first error code)',
    labelNames: ['operation_type', 'result'] as const,
    registers: [this.registry],
  });

  readonly expiredBySweep = new Counter({
    name: 'facegate_verifications_expired_by_sweep_total',
    help: 'PENDING verifications ended by the periodic expiry sweep',
    registers: [this.registry],
  });

  /** When this instance last fetched a WeChat access token (the console shows its age, never the token). */
  lastTokenFetchedAt: Date | null = null;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'facegate_' });
  }

  /** The adapter's UpstreamObserver hook. */
  upstreamObserver() {
    return {
      call: (endpoint: string, ms: number, outcome: 'ok' | 'errcode' | 'transient' | 'malformed') => {
        this.upstreamDuration.observe({ endpoint, outcome }, ms / 1000);
        if (outcome !== 'ok') this.upstreamErrors.inc({ endpoint, outcome });
      },
      tokenFetched: (source: 'stable_token' | 'token') => {
        this.tokenRefreshes.inc({ source });
        this.lastTokenFetchedAt = new Date();
      },
    };
  }
}
