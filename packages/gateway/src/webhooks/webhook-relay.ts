import { randomUUID } from 'node:crypto';
import type {
  ClaimedWebhookDelivery,
  SqlOutboxEventPublisher,
  SqlWebhookStore,
} from '@facegate/adapters-postgres';
import type { Clock } from '@facegate/domain';
import type { Logger } from '../observability/logger';
import { webhookOf } from './webhook-events';
import { nextRetryAt, type RetrySchedule, STANDARD_RETRY_SCHEDULE } from './webhook-retry-schedule';
import type { WebhookSender } from './webhook-sender';
import { webhookHeaders } from './webhook-signing';

export interface WebhookRelayOptions {
  /** How often due deliveries are looked for when nothing wakes the relay; default 1 s. */
  readonly intervalMs?: number;
  /** Deliveries claimed (and sent concurrently) per round; default 50. */
  readonly batch?: number;
  /** How long a claim holds a delivery (more than the 10 s request timeout); after it, a delivery whose instance
   * died is sent again. Default 30 s. */
  readonly leaseMs?: number;
  readonly schedule?: RetrySchedule;
  /** An endpoint failing every attempt for this long is disabled; default 5 days. */
  readonly disableAfterMs?: number;
  /** Dispatched outbox rows and finished deliveries older than this are pruned; default 7 days. */
  readonly retentionMs?: number;
  /** How often this instance prunes; default 1 hour. */
  readonly pruneIntervalMs?: number;
}

const DAY_MS = 24 * 3600_000;

/**
 * The webhook relay, one per gateway instance: fans new outbox events out to the endpoints subscribed to
 * them, claims due deliveries (FOR UPDATE SKIP LOCKED, with a lease), signs and POSTs them, records every
 * attempt and schedules retries. Instances share the work through the database; nothing is held in memory
 * that a SIGKILL could lose (a claimed delivery is due again when its lease ends).
 */
export class WebhookRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private lastPruneAt = 0;
  private readonly intervalMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private readonly schedule: RetrySchedule;
  private readonly disableAfterMs: number;
  private readonly retentionMs: number;
  private readonly pruneIntervalMs: number;

  constructor(
    private readonly store: SqlWebhookStore,
    private readonly outbox: Pick<SqlOutboxEventPublisher, 'prune'>,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: WebhookRelayOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batch = options.batch ?? 50;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.schedule = options.schedule ?? STANDARD_RETRY_SCHEDULE;
    this.disableAfterMs = options.disableAfterMs ?? 5 * DAY_MS;
    this.retentionMs = options.retentionMs ?? 7 * DAY_MS;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 3600_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule_(0);
  }

  /** Runs a round soon (new outbox events were seen). */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.schedule_(0);
  }

  /** One round: fan out, deliver what is due, prune when it is time. */
  runOnce(): Promise<void> {
    this.running ??= (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.logger.warn({ err: error }, 'webhook relay round failed; will retry');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule_(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce().finally(() => {
        if (!this.stopped && this.timer === null) this.schedule_(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      if ((await this.store.dispatchOutbox(this.clock.now(), 500, webhookOf)) < 500) break;
    }
    for (let i = 0; i < 20; i++) {
      const claimed = await this.store.claimDue(this.clock.now(), this.batch, this.leaseMs, randomUUID());
      await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
      if (claimed.length < this.batch) break;
    }
    const now = this.clock.now();
    if (now.getTime() - this.lastPruneAt >= this.pruneIntervalMs) {
      this.lastPruneAt = now.getTime();
      await this.prune(now);
    }
  }

  /** Deletes dispatched outbox rows and finished deliveries past the retention; returns how many. */
  async prune(now: Date = this.clock.now()): Promise<{ outbox: number; deliveries: number }> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    let outbox = 0;
    let deliveries = 0;
    for (let i = 0; i < 100; i++) {
      const n = await this.outbox.prune(cutoff);
      outbox += n;
      if (n < 5_000) break;
    }
    for (let i = 0; i < 100; i++) {
      const n = await this.store.pruneDeliveries(cutoff);
      deliveries += n;
      if (n < 5_000) break;
    }
    if (outbox + deliveries > 0) this.logger.info({ outbox, deliveries }, 'pruned webhook history');
    return { outbox, deliveries };
  }

  private async deliver(delivery: ClaimedWebhookDelivery): Promise<void> {
    try {
      const sentAt = this.clock.now();
      const headers = webhookHeaders(
        delivery.secrets,
        delivery.id,
        Math.floor(sentAt.getTime() / 1000),
        delivery.body,
      );
      const result = await this.sender.send(delivery.url, headers, delivery.body);
      const now = this.clock.now();
      const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      const attemptsMade = delivery.attempts + 1;
      const retryAt = ok ? null : nextRetryAt(this.schedule, attemptsMade, now);
      await this.store.finishAttempt(
        delivery,
        {
          attemptedAt: sentAt,
          statusCode: result.statusCode,
          latencyMs: result.latencyMs,
          responseExcerpt: result.responseExcerpt,
          error: result.error ?? (ok ? null : `HTTP ${result.statusCode}`),
        },
        { status: ok ? 'DELIVERED' : retryAt === null ? 'FAILED' : 'PENDING', retryAt },
      );
      if (!ok) {
        const disabled = await this.store.disableIfFailingSince(
          delivery.endpointId,
          new Date(now.getTime() - this.disableAfterMs),
          now,
        );
        if (disabled) {
          this.logger.warn(
            { endpointId: delivery.endpointId },
            'webhook endpoint disabled: failing for too long',
          );
        }
      }
    } catch (error) {
      // the lease runs out and another round sends it again
      this.logger.warn({ err: error, deliveryId: delivery.id }, 'could not record a webhook attempt');
    }
  }
}
