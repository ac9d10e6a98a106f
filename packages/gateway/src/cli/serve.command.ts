import cluster from 'node:cluster';
import gatewayPackage from '../../package.json' with { type: 'json' };
import { loadSandboxModule } from '../composition/sandbox-module';
import { resolve, TOKENS } from '../composition/tokens';
import { describeDatabase, loadConfig } from '../config/load-config';
import { checkWeChatHost, startupWarnings } from '../config/startup-checks';
import { type RunningGateway, startGateway } from '../http/server';
import { joinClusterMetrics } from '../infrastructure/observability/cluster-metrics';
import { createLogger, type Logger } from '../infrastructure/observability/logger';
import {
  type RunningTracing,
  readTracingSettings,
  startTracing,
} from '../infrastructure/observability/tracing';
import { out } from './output';
import { readWorkerCount, runPrimary, type WorkerListeningMessage } from './workers';

/** Starts the gateway and stays up until SIGTERM/SIGINT, then shuts down gracefully. */
export async function serveCommand(env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  // production: a WECHAT_API_BASE_URL host name must resolve to public addresses only (one line if not)
  await checkWeChatHost(config);
  // OTEL_*: a bad value stops start-up here, in the primary too; the SDK runs in each process that serves
  const tracingSettings = readTracingSettings(env);
  const workers = readWorkerCount(env, config);
  if (workers > 1 && cluster.isPrimary) return runPrimary(workers);
  const tracing = await startTracing(tracingSettings, {
    logger: createLogger({ level: config.logLevel }),
    serviceVersion: gatewayPackage.version,
  });
  let running: RunningGateway;
  try {
    running = await startGateway(config);
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }
  const logger = resolve(running.container, TOKENS.Logger);
  if (cluster.isWorker) {
    // before saying it listens: from then on the primary counts this worker in every scrape
    joinClusterMetrics(resolve(running.container, TOKENS.Metrics));
    const listening: WorkerListeningMessage = {
      facegate: 'listening',
      url: running.url,
      metricsUrl: running.metricsUrl,
    };
    const signalled = untilSignal(logger);
    process.send?.(listening);
    return stayUp(running, signalled, tracing);
  }

  // before the banner: whoever reads it may signal at once, and must get the graceful shutdown
  const signalled = untilSignal(logger);

  out('');
  out(`FaceGate gateway listening on ${running.url}`);
  out(`  GraphQL:  ${running.graphqlUrl}${config.production ? '' : '  (GraphiQL in a browser)'}`);
  out(
    `  health:   ${running.url}/healthz   ready: ${running.url}/readyz   metrics: ${running.metricsUrl ?? running.url}/metrics`,
  );
  out(`  data:     ${describeDatabase(config)}`);
  for (const warning of startupWarnings(config)) out(`  WARNING:  ${warning}`);
  for (const entry of resolve(running.container, TOKENS.RemovableFallbacks)) {
    out(
      `  secrets:  nothing depends on FACEGATE_SECRET_FALLBACKS entry ${entry} any more: it can be removed`,
    );
  }
  if (running.admin !== null) {
    out('  API keys: `facegate keys create|list|revoke` work while this runs (same DATA_DIR)');
    out('  webhooks: `facegate webhooks add|list|...` work while this runs too');
  }
  if (config.sandboxMode) {
    const sandbox = resolve(running.container, TOKENS.Sandbox);
    // loaded (it is, since the sandbox started): an optional dependency, absent from the production image
    const { SANDBOX_TEST_IDENTITIES } = await loadSandboxModule();
    out('');
    out(`Sandbox mode: WeChat is simulated by the bundled sandbox at ${sandbox.url}`);
    out('  (set WECHAT_APP_ID and WECHAT_APP_SECRET to use the real WeChat API)');
    if (config.secret === null) {
      out(`  FACEGATE_SECRET was generated into ${config.dataDir}/sandbox-secret (sandbox mode only)`);
    }
    out(`  Try it end to end, from the repository root in another terminal:`);
    out(`    npm run demo -- --url ${running.graphqlUrl} --sandbox-url ${sandbox.url}`);
    const apps = resolve(running.container, TOKENS.Apps).list();
    out(
      `  Mini programs served: ${apps.map((a) => `${a.id} (${a.appId})`).join(', ')}; as another one, add --app ID`,
    );
    out('  Test identities (each one triggers its scenario on the sandbox device):');
    for (const identity of SANDBOX_TEST_IDENTITIES) {
      out(`    ${identity.scenario.padEnd(22)} ${identity.name}  ${identity.idCardNumber}  ${identity.note}`);
    }
  }
  out('');
  const code = await stayUp(running, signalled, tracing);
  // the last line a terminal shows after Ctrl-C: FaceGate's own, whatever runs it (npm start runs node directly)
  out('FaceGate gateway stopped.');
  return code;
}

/** Resolves at the first SIGTERM/SIGINT; a second SIGINT while closing forces the exit. */
function untilSignal(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Until `signalled`, then a graceful shutdown. */
async function stayUp(
  running: RunningGateway,
  signalled: Promise<void>,
  tracing: RunningTracing | null,
): Promise<number> {
  await signalled;
  await running.close();
  // the spans of the last requests are sent before the process ends
  await tracing?.shutdown();
  return 0;
}
