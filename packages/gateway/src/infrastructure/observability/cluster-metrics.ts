import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { GatewayMetrics } from './metrics';

/*
 * /metrics with `serve --workers N`: whichever worker a scrape reaches asks the primary, the primary collects
 * every ready worker's registry over the cluster's IPC channel and adds them up with prom-client's
 * AggregatorRegistry.aggregate (counters and histograms summed; gauges as each declares: the database's
 * health the lowest, the outbox lag the highest), and the worker answers with the sum. One scrape is the whole
 * gateway, so rates are right whichever worker answered.
 */

/** How long the primary waits for every worker's part; a scrape missing a worker fails rather than undercount. */
const COLLECT_TIMEOUT_MS = 5000;

interface AskMessage {
  readonly facegate: 'metrics-ask';
  readonly id: number;
}
interface AnswerMessage {
  readonly facegate: 'metrics-answer';
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}
interface CollectMessage {
  readonly facegate: 'metrics-collect';
  readonly id: number;
}
interface PartMessage {
  readonly facegate: 'metrics-part';
  readonly id: number;
  readonly metrics: unknown[];
}

function kindOf(message: unknown): string | undefined {
  const m = message as { facegate?: unknown } | null;
  return typeof m === 'object' && m !== null && typeof m.facegate === 'string' ? m.facegate : undefined;
}

/**
 * The primary's side: answers workers' asks with the sum over `ready()` (the workers that announced they
 * listen; a worker still starting has served nothing and would not answer yet).
 */
export function aggregateClusterMetrics(ready: () => readonly Worker[]): void {
  let nextId = 0;
  const collecting = new Map<number, { parts: unknown[][]; pending: Set<number>; done: () => void }>();

  const collect = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const workers = ready().filter((w) => w.isConnected());
      const parts: unknown[][] = [];
      const pending = new Set(workers.map((w) => w.id));
      const timer = setTimeout(() => {
        collecting.delete(id);
        reject(
          new Error(
            `${pending.size} of ${workers.length} workers did not report within ${COLLECT_TIMEOUT_MS} ms`,
          ),
        );
      }, COLLECT_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        collecting.delete(id);
        // biome-ignore lint/suspicious/noExplicitAny: getMetricsAsJSON's shape, passed back as it came
        const registry = AggregatorRegistry.aggregate(parts as any);
        registry.metrics().then(resolve, reject);
      };
      collecting.set(id, { parts, pending, done });
      if (workers.length === 0) return done();
      const message: CollectMessage = { facegate: 'metrics-collect', id };
      for (const worker of workers) worker.send(message);
    });

  cluster.on('message', (worker: Worker, message: unknown) => {
    const kind = kindOf(message);
    if (kind === 'metrics-part') {
      const part = message as PartMessage;
      const request = collecting.get(part.id);
      if (request === undefined || !request.pending.delete(worker.id)) return;
      request.parts.push(part.metrics);
      if (request.pending.size === 0) request.done();
    } else if (kind === 'metrics-ask') {
      const { id } = message as AskMessage;
      const reply = (answer: AnswerMessage) => {
        if (worker.isConnected()) worker.send(answer);
      };
      collect().then(
        (text) => reply({ facegate: 'metrics-answer', id, text }),
        (error: unknown) =>
          reply({
            facegate: 'metrics-answer',
            id,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
    }
  });
}

/**
 * A worker's side: reports `metrics` when the primary collects, and makes its /metrics answer the cluster's
 * sum (asked of the primary) instead of this worker's own counts.
 */
export function joinClusterMetrics(metrics: GatewayMetrics): void {
  let nextId = 0;
  const asked = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    const kind = kindOf(message);
    if (kind === 'metrics-collect') {
      const { id } = message as CollectMessage;
      metrics.registry.getMetricsAsJSON().then(
        (json) => {
          const part: PartMessage = { facegate: 'metrics-part', id, metrics: json };
          process.send?.(part);
        },
        // no part: the primary's wait runs out and that scrape fails (never a silent undercount)
        () => {},
      );
    } else if (kind === 'metrics-answer') {
      const answer = message as AnswerMessage;
      const waiting = asked.get(answer.id);
      if (waiting === undefined) return;
      asked.delete(answer.id);
      if (answer.text !== undefined) waiting.resolve(answer.text);
      else waiting.reject(new Error(answer.error ?? 'no answer'));
    }
  });
  metrics.useExposition(
    () =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          asked.delete(id);
          reject(new Error('the primary did not answer'));
        }, COLLECT_TIMEOUT_MS * 2);
        asked.set(id, {
          resolve: (text) => {
            clearTimeout(timer);
            resolve(text);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        const ask: AskMessage = { facegate: 'metrics-ask', id };
        process.send?.(ask);
      }),
  );
}
