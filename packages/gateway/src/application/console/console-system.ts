import type { AbuseRefusalCount, App, DatabaseProbe } from '@facegate/domain';
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
  /** Each app's WeChat side: its token's age and how its last call went, as this instance saw them. */
  readonly apps: readonly AppWeChatStatus[];
  readonly refusals: readonly AbuseRefusalCount[];
  /** The start-up warnings (config/startup-checks.ts startupWarnings), e.g. FACEGATE_UNSAFE_LOOPBACK_WECHAT in production. */
  readonly warnings: readonly string[];
}

/** One app's WeChat side on the System page. */
export interface AppWeChatStatus {
  readonly id: string;
  readonly displayName: string;
  readonly appId: string;
  readonly serving: boolean;
  /** An access token could be had just now (false for an app that serves nobody). */
  readonly tokenOk: boolean;
  readonly tokenFetchedAt: Date | null;
  readonly lastCallAt: Date | null;
  readonly lastCallOutcome: 'ok' | 'errcode' | 'transient' | 'malformed' | null;
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
      readonly apps: {
        list(): readonly App[];
        clientOf(app: string): { accessToken(): Promise<string> } | undefined;
      };
      readonly version: string;
    },
  ) {}

  upstreamErrors() {
    return upstreamErrorCounts(this.deps.metrics);
  }

  async status(): Promise<SystemStatusShape> {
    const { config, db, metrics } = this.deps;
    const apps = this.deps.apps.list();
    const [database, tokens, refusals, refreshes] = await Promise.all([
      withTimeout(() => db.ping()),
      Promise.all(
        apps.map((app) => {
          const client = this.deps.apps.clientOf(app.id);
          return client && !app.disabled ? withTimeout(() => client.accessToken()) : Promise.resolve('none');
        }),
      ),
      this.deps.abuseRefusals(),
      metrics.tokenRefreshes.get(),
    ]);
    // WeChat is reachable while any app gets a token: one app's trouble is shown on its own line below
    const wechat = tokens.some((t) => t === 'ok') ? 'ok' : 'error';
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
      apps: apps.map((app, i) => {
        const seen = metrics.upstreamByApp.get(app.id);
        return {
          id: app.id,
          displayName: app.displayName,
          appId: app.appId,
          serving: !app.disabled,
          tokenOk: tokens[i] === 'ok',
          tokenFetchedAt: seen?.tokenFetchedAt ?? null,
          lastCallAt: seen?.lastCallAt ?? null,
          lastCallOutcome: seen?.lastCallOutcome ?? null,
        };
      }),
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
