import type { AbuseRefusalCount, DatabaseProbe } from '@facegate/domain';
import type { GatewayConfig } from '../../config/load-config';
import { startupWarnings } from '../../config/startup-checks';
import { withTimeout } from '../../http/plugins/health.plugin';
import type { GatewayMetrics } from '../../infrastructure/observability/metrics';

export interface SystemStatusShape {
  readonly checks: { readonly name: string; readonly ok: boolean }[];
  readonly databaseKind: string;
  readonly sandboxMode: boolean;
  readonly production: boolean;
  readonly version: string;
  readonly nodeVersion: string;
  readonly startedAt: Date;
  readonly tokenFetchedAt: Date | null;
  readonly tokenRefreshes: number;
  readonly refusals: readonly AbuseRefusalCount[];
  /** The start-up warnings (config/startup-checks.ts startupWarnings), e.g. FACEGATE_UNSAFE_LOOPBACK_WECHAT in production. */
  readonly warnings: readonly string[];
}

/** What /readyz checks, plus what an operator wants beside it. Never the token itself. */
export class ConsoleSystem {
  private readonly startedAt = new Date();

  constructor(
    private readonly deps: {
      readonly config: GatewayConfig;
      readonly db: DatabaseProbe;
      readonly metrics: GatewayMetrics;
      /** AbuseLimits.refusals: every abuse rule, its limit and its refusals in the current window. */
      readonly abuseRefusals: () => Promise<readonly AbuseRefusalCount[]>;
      readonly wechatReady: () => Promise<unknown>;
      readonly version: string;
    },
  ) {}

  upstreamErrors() {
    return upstreamErrorCounts(this.deps.metrics);
  }

  async status(): Promise<SystemStatusShape> {
    const { config, db, metrics } = this.deps;
    const [database, wechat, refusals, refreshes] = await Promise.all([
      withTimeout(() => db.ping()),
      withTimeout(this.deps.wechatReady),
      this.deps.abuseRefusals(),
      metrics.tokenRefreshes.get(),
    ]);
    return {
      checks: [
        { name: 'database', ok: database === 'ok' },
        { name: 'wechat', ok: wechat === 'ok' },
      ],
      databaseKind: db.kind,
      sandboxMode: config.sandboxMode,
      production: config.production,
      version: this.deps.version,
      nodeVersion: process.version,
      startedAt: this.startedAt,
      tokenFetchedAt: metrics.lastTokenFetchedAt,
      tokenRefreshes: refreshes.values.reduce((sum, v) => sum + v.value, 0),
      refusals,
      warnings: startupWarnings(config),
    };
  }
}

/** WeChat API calls that did not succeed since this instance started, by endpoint and outcome. */
export async function upstreamErrorCounts(
  metrics: GatewayMetrics,
): Promise<{ endpoint: string; outcome: string; count: number }[]> {
  const { values } = await metrics.upstreamErrors.get();
  return values
    .map((v) => ({ endpoint: String(v.labels.endpoint), outcome: String(v.labels.outcome), count: v.value }))
    .sort((a, b) => b.count - a.count);
}
