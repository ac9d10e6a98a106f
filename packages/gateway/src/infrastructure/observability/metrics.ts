import { DEFAULT_APP } from '@facegate/domain';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How long a scrape waits for the database before reporting it down. */
const PROBE_TIMEOUT_MS = 3000;

export interface WatchSources {
  readonly ping: () => Promise<void>;
  readonly oldestUndispatchedAt: () => Promise<Date | null>;
  readonly now: () => Date;
}

/** `run`, or a rejection once it takes longer than PROBE_TIMEOUT_MS. */
function bounded<T>(run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    run(),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** One app's WeChat side as this instance saw it last. */
export interface AppUpstreamState {
  tokenFetchedAt: Date | null;
  lastCallAt: Date | null;
  lastCallOutcome: 'ok' | 'errcode' | 'transient' | 'malformed' | null;
}

/** Prometheus metrics of one gateway; a registry per instance keeps tests and instances apart. */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly verificationOutcomes = new Counter({
    name: 'facegate_verification_outcomes_total',
    help: 'Verification session changes by app, resulting status and failure code (none when no failure)',
    labelNames: ['app', 'status', 'failure_code'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'facegate_upstream_request_duration_seconds',
    help: 'WeChat API call latency by app, endpoint and outcome',
    labelNames: ['app', 'endpoint', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: 'facegate_upstream_errors_total',
    help: 'WeChat API calls that did not succeed, by app, endpoint and outcome (errcode, transient, malformed)',
    labelNames: ['app', 'endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly tokenRefreshes = new Counter({
    name: 'facegate_upstream_token_refreshes_total',
    help: 'WeChat access tokens fetched, by app and endpoint',
    labelNames: ['app', 'source'] as const,
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

  readonly upstreamErrcodes = new Counter({
    name: 'facegate_upstream_errcodes_total',
    help: 'WeChat answers carrying a non-zero errcode, by app, endpoint and errcode (-1 is system busy, retried)',
    labelNames: ['app', 'endpoint', 'errcode'] as const,
    registers: [this.registry],
  });

  readonly tokenRefreshFailures = new Counter({
    name: 'facegate_upstream_token_refresh_failures_total',
    help: 'WeChat access token fetches that failed (refused or unreachable), by app and endpoint',
    labelNames: ['app', 'source'] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'facegate_webhook_attempts_total',
    help: 'Webhook delivery attempts by endpoint and result (delivered, retrying, failed: no retry left)',
    labelNames: ['endpoint_id', 'result'] as const,
    registers: [this.registry],
  });

  readonly webhookEndpointsDisabled = new Counter({
    name: 'facegate_webhook_endpoints_disabled_total',
    help: 'Webhook endpoints disabled for failing every attempt for too long',
    labelNames: ['endpoint_id'] as const,
    registers: [this.registry],
  });

  readonly abuseRefusals = new Counter({
    name: 'facegate_abuse_refusals_total',
    help: 'Requests refused by an abuse limit, by rule',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  /** What watch() gave: read at each scrape. */
  private sources: WatchSources | null = null;

  /** Set at each scrape once watch() was called: 1 when the database answered a ping within 3 s. */
  readonly databaseUp = new Gauge({
    name: 'facegate_database_up',
    help: 'Whether the database answered a ping during this scrape (1) or not (0); the lowest of all workers',
    // with several workers the primary reports the worst answer, not a sum
    aggregator: 'min',
    registers: [this.registry],
    collect: async () => {
      if (this.sources === null) return;
      this.databaseUp.set(
        await bounded(this.sources.ping).then(
          () => 1,
          () => 0,
        ),
      );
    },
  });

  /** Set at each scrape once watch() was called: the age of the oldest outbox event not yet fanned out. */
  readonly outboxLag = new Gauge({
    name: 'facegate_outbox_lag_seconds',
    help: 'Age of the oldest outbox event not yet fanned out to webhooks (0: none waiting)',
    // every worker reads the same shared outbox
    aggregator: 'max',
    registers: [this.registry],
    collect: async () => {
      const sources = this.sources;
      if (sources === null) return;
      try {
        const oldest = await bounded(sources.oldestUndispatchedAt);
        this.outboxLag.set(
          oldest === null ? 0 : Math.max(0, (sources.now().getTime() - oldest.getTime()) / 1000),
        );
      } catch {
        // facegate_database_up says why; the last value read stays
      }
    },
  });

  /** When this instance last fetched a WeChat access token (the console shows its age, never the token). */
  lastTokenFetchedAt: Date | null = null;
  /** Per app: when its access token was last fetched, and how its last WeChat call went (the System page). */
  readonly upstreamByApp = new Map<string, AppUpstreamState>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'facegate_' });
  }

  private exposition_: () => Promise<string> = () => this.registry.metrics();

  /** The Prometheus text a scrape answers: this registry's, or with workers the whole cluster's. */
  exposition(): Promise<string> {
    return this.exposition_();
  }

  /** Answers scrapes from `source` instead of this registry alone (cluster-metrics.ts, with workers). */
  useExposition(source: () => Promise<string>): void {
    this.exposition_ = source;
  }

  /**
   * Reads the database's health and the outbox's lag at each scrape (gauges of the moment, not counted as
   * they happen). A failed read reports the database down and leaves the lag as it was last read.
   */
  watch(sources: WatchSources): void {
    this.sources = sources;
  }

  /**
   * The adapter's UpstreamObserver hook for one app's client. `app` comes from the configured apps, never
   * from a request, so the label's values are bounded by the configuration.
   */
  upstreamObserver(app: string = DEFAULT_APP) {
    const state = (): AppUpstreamState => {
      let known = this.upstreamByApp.get(app);
      if (known === undefined) {
        known = { tokenFetchedAt: null, lastCallAt: null, lastCallOutcome: null };
        this.upstreamByApp.set(app, known);
      }
      return known;
    };
    return {
      call: (
        endpoint: string,
        ms: number,
        outcome: 'ok' | 'errcode' | 'transient' | 'malformed',
        errcode?: number,
      ) => {
        this.upstreamDuration.observe({ app, endpoint, outcome }, ms / 1000);
        if (outcome !== 'ok') this.upstreamErrors.inc({ app, endpoint, outcome });
        if (errcode !== undefined && errcode !== 0) this.upstreamErrcodes.inc({ app, endpoint, errcode });
        const s = state();
        s.lastCallAt = new Date();
        s.lastCallOutcome = outcome;
      },
      tokenFetched: (source: 'stable_token' | 'token') => {
        this.tokenRefreshes.inc({ app, source });
        this.lastTokenFetchedAt = new Date();
        state().tokenFetchedAt = this.lastTokenFetchedAt;
      },
      tokenFailed: (source: 'stable_token' | 'token') => {
        this.tokenRefreshFailures.inc({ app, source });
      },
    };
  }

  /** The webhook relay's hook. */
  webhookObserver() {
    return {
      attempt: (endpointId: string, result: 'delivered' | 'retrying' | 'failed') =>
        this.webhookAttempts.inc({ endpoint_id: endpointId, result }),
      endpointDisabled: (endpointId: string) =>
        this.webhookEndpointsDisabled.inc({ endpoint_id: endpointId }),
    };
  }
}
