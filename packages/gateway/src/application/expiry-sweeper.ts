import type { ExpireVerifications } from '@facegate/domain';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '../infrastructure/observability/logger';
import type { GatewayMetrics } from '../infrastructure/observability/metrics';

const BATCH = 100;
const tracer = trace.getTracer('@facegate/gateway');

/**
 * Ends PENDING sessions past their expiry every interval, in batches, so subscribers and `verifications`
 * see EXPIRED without anyone reading the session. Runs are never concurrent within one process.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly expire: ExpireVerifications,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    // each sweep is a trace of its own (its statements are its children), whatever started it
    this.running ??= tracer.startActiveSpan('expiry sweep', { root: true }, async (span) => {
      try {
        let total = 0;
        for (let round = 0; round < 50; round++) {
          const expired = await this.expire.execute({ limit: BATCH });
          total += expired;
          if (expired < BATCH) break;
        }
        span.setAttribute('facegate.sweep.expired', total);
        if (total > 0) {
          this.metrics.expiredBySweep.inc(total);
          this.logger.info({ expired: total }, 'expired verifications');
        }
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        this.logger.warn({ err: error }, 'expiry sweep failed; will retry');
      } finally {
        span.end();
        this.running = null;
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
