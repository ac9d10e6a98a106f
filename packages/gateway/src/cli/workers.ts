import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../config/env';
import type { GatewayConfig } from '../config/load-config';
import { aggregateClusterMetrics } from '../infrastructure/observability/cluster-metrics';
import { out } from './output';

const MAX_WORKERS = 64;

/**
 * FACEGATE_WORKERS (or `serve --workers`): how many gateway processes share the port. Unset: 1; `auto`:
 * one per core. More than one needs PostgreSQL (the embedded database is one process's) and real WeChat
 * credentials (sandbox mode's simulated WeChat lives inside one process); anything else refuses to start.
 */
export function readWorkerCount(env: NodeJS.ProcessEnv, config: GatewayConfig): number {
  const raw = env.FACEGATE_WORKERS?.trim();
  if (raw === undefined || raw === '') return 1;
  const count = raw === 'auto' ? availableParallelism() : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new ConfigError('FACEGATE_WORKERS', `must be auto or a whole number from 1 to ${MAX_WORKERS}`);
  }
  if (count === 1) return 1;
  if (config.databaseUrl === null || config.databaseUrl === 'memory:') {
    throw new ConfigError(
      'FACEGATE_WORKERS',
      `${count} workers need PostgreSQL (DATABASE_URL=postgres://...): the embedded database serves one process`,
    );
  }
  if (config.sandboxMode) {
    throw new ConfigError(
      'FACEGATE_WORKERS',
      `${count} workers need WECHAT_APP_ID and WECHAT_APP_SECRET: sandbox mode runs its simulated WeChat in one process (run facegate-sandbox on its own and point WECHAT_API_BASE_URL at it)`,
    );
  }
  return count;
}

/** Restarts closer together than this count as a crash loop. */
const RESTART_WINDOW_MS = 10_000;
const MAX_RESTARTS_IN_WINDOW = 10;

/**
 * The primary of `serve` with N workers (node:cluster): each worker is a whole gateway listening on the
 * shared port; the primary serves nothing itself. A worker that dies is replaced; SIGTERM or SIGINT stops
 * every worker gracefully and then the primary.
 */
export async function runPrimary(count: number): Promise<number> {
  let stopping = false;
  let ready = 0;
  const restarts: number[] = [];
  let announced = false;
  // the workers that serve: a scrape of any of them answers the sum over these (cluster-metrics.ts)
  const serving = new Set<Worker>();
  aggregateClusterMetrics(() => [...serving]);

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.once('exit', () => serving.delete(worker));
    // A worker listens twice when metrics have their own port, in either order: only its own word says
    // which address is the gateway's.
    worker.on('message', (message: unknown) => {
      if (!isListeningMessage(message)) return;
      serving.add(worker);
      ready += 1;
      if (!announced && ready === count) {
        announced = true;
        const { url, metricsUrl } = message;
        out('');
        out(`FaceGate gateway listening on ${url} (${count} workers, primary pid ${process.pid})`);
        out(`  GraphQL:  ${url}/graphql`);
        out(
          `  health:   ${url}/healthz   ready: ${url}/readyz   metrics: ${metricsUrl ?? url}/metrics (all workers added up)`,
        );
        out('');
      }
    });
    return worker;
  };

  const exited = new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(0);
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS_IN_WINDOW) {
        process.stderr.write('facegate: workers keep exiting; stopping (see the lines above)\n');
        stopping = true;
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve(1);
        return;
      }
      process.stderr.write(
        `facegate: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`,
      );
      fork();
    });
  });

  for (let i = 0; i < count; i++) fork();

  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.once('SIGINT', () => process.exit(130));
    const alive = Object.values(cluster.workers ?? {});
    for (const w of alive) w?.process.kill('SIGTERM');
    if (alive.length === 0) process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return exited;
}

/** What a worker sends the primary once its gateway listens. */
export interface WorkerListeningMessage {
  readonly facegate: 'listening';
  readonly url: string;
  readonly metricsUrl: string | null;
}

function isListeningMessage(message: unknown): message is WorkerListeningMessage {
  const m = message as Partial<WorkerListeningMessage> | null;
  return typeof m === 'object' && m !== null && m.facegate === 'listening' && typeof m.url === 'string';
}
