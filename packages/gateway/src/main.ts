import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningAdminEndpoint, startAdminEndpoint } from './admin/admin-endpoint';
import type { GatewayConfig } from './config';
import {
  buildContainer,
  type ContainerOverrides,
  disposeContainer,
  type GatewayContainer,
  TOKENS,
} from './di/container';
import type { VerificationEventBus } from './events/verification-event-bus';
import { ExpirySweeper } from './expiry-sweeper';
import { createGateway, type Gateway } from './gateway';
import type { Logger } from './observability/logger';
import type { WebhookRelay } from './webhooks/webhook-relay';

export interface RunningGateway {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly server: Server;
  readonly container: GatewayContainer;
  readonly gateway: Gateway;
  /** With the embedded database: where `facegate keys` reaches this process (see admin-endpoint.ts). */
  readonly admin: RunningAdminEndpoint | null;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes everything. */
  close(): Promise<void>;
}

/** Builds the container and the gateway and listens on HOST:PORT. */
export async function startGateway(
  config: GatewayConfig,
  overrides: ContainerOverrides = {},
): Promise<RunningGateway> {
  const container = await buildContainer(config, overrides);
  const logger = container.resolve<Logger>(TOKENS.Logger);
  let server: Server;
  let sweeper: ExpirySweeper;
  let admin: RunningAdminEndpoint | null = null;
  try {
    const gateway = createGateway(container);
    // this process holds the embedded database: key administration goes through it
    if (config.databaseUrl === null) {
      admin = await startAdminEndpoint({
        dataDir: config.dataDir,
        apiKeys: container.resolve(TOKENS.ApiKeys),
        logger,
      });
    }
    sweeper = new ExpirySweeper(
      container.resolve(TOKENS.ExpireVerifications),
      config.sweepIntervalMs,
      logger,
      container.resolve(TOKENS.Metrics),
    );
    server = createServer(gateway);
    // keep-alive sockets must not hold shutdown open
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    sweeper.start();
    container.resolve<WebhookRelay>(TOKENS.WebhookRelay).start();
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

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
        container.resolve<VerificationEventBus>(TOKENS.EventBus).close();
        await closed;
        clearTimeout(deadline);
        await admin?.close();
        await sweeper.stop();
        await disposeContainer(container);
        logger.info('stopped');
      })();
      return closing;
    };
    return { url, graphqlUrl: `${url}/graphql`, server, container, gateway, admin, close };
  } catch (error) {
    await admin?.close();
    await disposeContainer(container);
    throw error;
  }
}
