import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditedKeys, auditedWebhooks } from '../application/audit/audited-administration';
import { ExpirySweeper } from '../application/expiry-sweeper';
import { ensureConsentTexts } from '../application/privacy/default-consent';
import { RetentionSweeper } from '../application/privacy/retention-sweeper';
import { operatorWebhooks } from '../application/webhooks/webhook-administration';
import {
  buildContainer,
  type ContainerOverrides,
  disposeContainer,
  GATEWAY_VERSION,
} from '../composition/container';
import { type GatewayContainer, resolve, TOKENS } from '../composition/tokens';
import type { GatewayConfig } from '../config/load-config';
import { startupWarnings } from '../config/startup-checks';
import type { Logger } from '../infrastructure/observability/logger';
import type { GatewayMetrics } from '../infrastructure/observability/metrics';
import { type RunningAdminEndpoint, startAdminEndpoint } from './admin-endpoint';
import { createGateway, type Gateway } from './create-gateway';
import { metricsResponse } from './plugins/health.plugin';

export interface RunningGateway {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly server: Server;
  readonly container: GatewayContainer;
  readonly gateway: Gateway;
  /** With the embedded database: where `facegate keys` and `webhooks` reach this process (admin-endpoint.ts). */
  readonly admin: RunningAdminEndpoint | null;
  /** The separate operators' /metrics address (METRICS_PORT), or null when /metrics is on the API port. */
  readonly metricsUrl: string | null;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes everything. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve(`http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${address.port}`);
    });
  });
}

/** Only GET /metrics: what operators scrape, off the public API port. */
function metricsServer(metrics: GatewayMetrics, logger: Logger): Server {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://metrics').pathname;
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metricsResponse(metrics)
      .then(async (answer) => {
        response.writeHead(answer.status, Object.fromEntries(answer.headers));
        response.end(await answer.text());
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'metrics failed');
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  return server;
}

/**
 * The start-up row of the audit trail: version, protocols, database kind, which settings were given (names
 * only, never a value), and this instance's key id for checkpoints.
 */
function recordStartUp(container: GatewayContainer, config: GatewayConfig): void {
  resolve(container, TOKENS.Audit).record(
    { actor: { kind: 'system' }, requestId: null, clientAddress: null },
    'gateway.started',
    [],
    'success',
    {
      version: GATEWAY_VERSION,
      protocols: [...config.faceProtocols],
      database: resolve(container, TOKENS.Database).kind,
      sandboxMode: config.sandboxMode,
      production: config.production,
      settingsGiven: [...config.settingsGiven],
      checkpointKeyId: resolve(container, TOKENS.AuditCheckpointKey).keyId,
    },
  );
}

/** Builds the container and the gateway and listens on HOST:PORT (and METRICS_HOST:METRICS_PORT). */
export async function startGateway(
  config: GatewayConfig,
  overrides: ContainerOverrides = {},
): Promise<RunningGateway> {
  const container = await buildContainer(config, overrides);
  const logger = resolve(container, TOKENS.Logger);
  // allowed but weakening settings, said at every start (and shown on the console's System page)
  for (const warning of startupWarnings(config)) logger.warn({ startupWarning: true }, warning);
  let server: Server;
  let sweeper: ExpirySweeper;
  let retention: RetentionSweeper;
  let admin: RunningAdminEndpoint | null = null;
  let metrics: Server | null = null;
  let metricsUrl: string | null = null;
  try {
    const gateway = createGateway(container);
    // this process holds the embedded database: key and webhook administration go through it
    if (config.databaseUrl === null) {
      // `facegate keys` and `webhooks` through this process: audited as the CLI's (cli:<user>)
      const audit = resolve(container, TOKENS.Audit);
      admin = await startAdminEndpoint({
        dataDir: config.dataDir,
        apiKeys: auditedKeys(resolve(container, TOKENS.ApiKeys), audit),
        webhooks: auditedWebhooks(operatorWebhooks(resolve(container, TOKENS.WebhookEndpoints)), audit),
        logger,
      });
    }
    sweeper = new ExpirySweeper(
      resolve(container, TOKENS.ExpireVerifications),
      config.sweepIntervalMs,
      logger,
      resolve(container, TOKENS.Metrics),
    );
    retention = new RetentionSweeper(
      resolve(container, TOKENS.RedactExpiredSessions),
      resolve(container, TOKENS.ConsentReceipts),
      resolve(container, TOKENS.Clock),
      { intervalMs: config.sweepIntervalMs, consentRetentionDays: config.privacy.consentRetentionDays },
      logger,
      (counts) =>
        resolve(container, TOKENS.Audit).record(
          { actor: { kind: 'system' }, requestId: null, clientAddress: null },
          'retention.swept',
          [],
          'success',
          counts,
        ),
    );
    // published by the container already; asked again for which kinds still have the default text
    const defaultTexts = await ensureConsentTexts(
      resolve(container, TOKENS.ConsentTexts),
      resolve(container, TOKENS.PublishConsentText),
    );
    if (config.production && defaultTexts.length > 0) {
      logger.warn(
        { startupWarning: true, kinds: defaultTexts },
        "consent: FaceGate's default consent text is current; publish your own (facegate consent publish --file ...) naming your organisation and purpose",
      );
    }
    if (config.production && config.privacy.alternative === null) {
      logger.warn(
        { startupWarning: true },
        'FACEGATE_ALTERNATIVE is not set: the face is the only way to verify; set another way (a page path or an https URL) as the 2025 face recognition measures require',
      );
    }
    // Node checks the two timeouts below only every connectionsCheckingInterval (30 s by default)
    server = createServer({ connectionsCheckingInterval: 1000 }, gateway);
    // keep-alive sockets must not hold shutdown open
    server.keepAliveTimeout = 5000;
    // slow-header and slow-body clients are cut off (Node's defaults hold them for 60 s / 300 s)
    server.headersTimeout = config.http.headersTimeoutMs;
    server.requestTimeout = config.http.requestTimeoutMs;
    server.maxConnections = config.http.maxConnections;
    if (config.metrics !== null) {
      metrics = metricsServer(resolve(container, TOKENS.Metrics), logger);
      metricsUrl = await listen(metrics, config.metrics.port, config.metrics.host);
    }
    const url = await listen(server, config.port, config.host);
    sweeper.start();
    retention.start();
    resolve(container, TOKENS.WebhookRelay).start();
    recordStartUp(container, config);

    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= (async () => {
        logger.info('shutting down');
        const deadline = setTimeout(() => {
          logger.warn('shutdown timeout: closing remaining connections');
          server.closeAllConnections();
        }, config.shutdownTimeoutMs);
        deadline.unref();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // open subscriptions end now, so their streams finish like any other in-flight response
        resolve(container, TOKENS.EventBus).close();
        await closed;
        clearTimeout(deadline);
        await admin?.close();
        if (metrics !== null) {
          const stopping = new Promise<void>((resolve) => metrics!.close(() => resolve()));
          metrics.closeAllConnections();
          await stopping;
        }
        await sweeper.stop();
        await retention.stop();
        await disposeContainer(container);
        logger.info('stopped');
      })();
      return closing;
    };
    return { url, graphqlUrl: `${url}/graphql`, server, container, gateway, admin, metricsUrl, close };
  } catch (error) {
    await admin?.close();
    metrics?.close();
    await disposeContainer(container);
    throw error;
  }
}
