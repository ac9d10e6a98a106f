import { randomUUID } from 'node:crypto';
import {
  type ClaimedWebhookDelivery,
  type Clock,
  type OutboxPruner,
  type WebhookDeliveryLog,
  type WebhookDeliveryQueue,
  type WebhookEndpointRepository,
  webhookOf,
} from '@facegate/domain';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '../../infrastructure/observability/logger';
import type { WebhookSender } from '../../infrastructure/webhooks/webhook-sender';
import { webhookHeaders } from '../../infrastructure/webhooks/webhook-signing';
import { nextRetryAt, type RetrySchedule, STANDARD_RETRY_SCHEDULE } from './webhook-retry-schedule';

export interface WebhookRelayOptions {
  /** How often due deliveries are looked for when nothing wakes the relay; default 1 s. */
  readonly intervalMs?: number;
  /** Deliveries claimed per query; default 50 (a round claims again while slots are free and work is found). */
  readonly batch?: number;
  /** At most this many deliveries in flight per endpoint on this instance (1 while it is failing); default 4. */
  readonly perEndpoint?: number;
  /**
   * Slots shared by every endpoint's second and later deliveries in flight; default 64. An endpoint's first
   * delivery never waits for a slot held by another endpoint (up to maxInFlight in all).
   */
  readonly sharedSlots?: number;
  /** At most this many deliveries in flight on this instance, whatever the endpoints; default 1,000. */
  readonly maxInFlight?: number;
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
  /** Hears each recorded attempt and each endpoint disabled (metrics); must not throw. */
  readonly observer?: WebhookRelayObserver;
}

export interface WebhookRelayObserver {
  attempt(endpointId: string, result: 'delivered' | 'retrying' | 'failed'): void;
  endpointDisabled(endpointId: string): void;
}

const DAY_MS = 24 * 3600_000;
/** Rows deleted per prune statement; a prune goes on while a statement fills its batch. */
const PRUNE_BATCH = 5_000;
const tracer = trace.getTracer('@facegate/gateway');

/** What the relay works on: the queue it sends from, and the stores it keeps healthy and small. */
export interface WebhookRelayPorts {
  readonly queue: WebhookDeliveryQueue;
  /** Disables an endpoint failing for too long. */
  readonly endpoints: WebhookEndpointRepository;
  /** Finished deliveries past the retention are pruned. */
  readonly log: WebhookDeliveryLog;
  /** Fanned-out outbox events past the retention are pruned. */
  readonly outbox: OutboxPruner;
}

/**
 * The webhook relay, one per gateway instance: fans new outbox events out to the endpoints subscribed to
 * them, claims due deliveries (FOR UPDATE SKIP LOCKED, with a lease), signs and POSTs them, records every
 * attempt and schedules retries. Instances share the work through the database; nothing is held in memory
 * that a SIGKILL could lose (a claimed delivery is due again when its lease ends).
 *
 * Endpoints do not wait for each other: a round claims what free slots allow and returns without waiting for
 * the answers; each finished delivery frees its slot and wakes the relay to claim more. An endpoint has at
 * most `perEndpoint` deliveries in flight (one while failing), and its first never waits for another
 * endpoint's slots, so receivers that never answer hold only their own slots, never a healthy endpoint's
 * events. Order per (endpoint, session) is the claim's: a session's next event is not due while an earlier one
 * of it is pending for that endpoint.
 */
export class WebhookRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** New outbox events were seen: the next round is traced (idle rounds, once a second, are not). */
  private eventsSeen = false;
  private stopped = true;
  private lastPruneAt = 0;
  /** Deliveries this instance is sending, per endpoint id. */
  private readonly inFlight = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  /** Ends the attempts in flight when the relay stops (then replaced, for a later start or runOnce). */
  private stopping = new AbortController();
  private readonly intervalMs: number;
  private readonly batch: number;
  private readonly perEndpoint: number;
  private readonly sharedSlots: number;
  private readonly maxInFlight: number;
  private readonly leaseMs: number;
  private readonly schedule: RetrySchedule;
  private readonly disableAfterMs: number;
  private readonly retentionMs: number;
  private readonly pruneIntervalMs: number;
  private readonly observer: WebhookRelayObserver | undefined;

  constructor(
    private readonly ports: WebhookRelayPorts,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: WebhookRelayOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batch = options.batch ?? 50;
    this.perEndpoint = Math.max(1, options.perEndpoint ?? 4);
    this.sharedSlots = Math.max(0, options.sharedSlots ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1_000);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.schedule = options.schedule ?? STANDARD_RETRY_SCHEDULE;
    this.disableAfterMs = options.disableAfterMs ?? 5 * DAY_MS;
    this.retentionMs = options.retentionMs ?? 7 * DAY_MS;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 3600_000;
    this.observer = options.observer;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule_(0);
  }

  /** Runs a round soon (new outbox events were seen, or a delivery finished and freed its slot). */
  wake(cause: 'events' | 'slot' = 'slot'): void {
    if (this.stopped) return;
    if (cause === 'events') this.eventsSeen = true;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.schedule_(0);
  }

  /**
   * One round (fan out, claim and start what is due, prune when it is time), then waits for the deliveries it
   * started: for tools and tests. The running relay does not wait for them.
   */
  async runOnce(): Promise<void> {
    const before = new Set(this.sending);
    await this.runRound();
    await Promise.all([...this.sending].filter((p) => !before.has(p)));
  }

  /** Deliveries this instance is sending now. */
  get deliveriesInFlight(): number {
    return this.sending.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    // attempts still waiting for an answer end now; their deliveries are given back, due again at once
    const stopping = this.stopping;
    this.stopping = new AbortController();
    stopping.abort();
    await Promise.all([...this.sending]);
  }

  private runRound(): Promise<void> {
    this.running ??= (async () => {
      try {
        do {
          this.again = false;
          if (this.eventsSeen) {
            this.eventsSeen = false;
            await this.tracedRound();
          } else {
            await this.round();
          }
        } while (this.again && !this.stopped);
      } catch (error) {
        this.logger.warn({ err: error }, 'webhook relay round failed; will retry');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private schedule_(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runRound().finally(() => {
        if (!this.stopped && this.timer === null) this.schedule_(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** A round as a trace of its own: its statements, and the deliveries it starts, are its children. */
  private tracedRound(): Promise<void> {
    return tracer.startActiveSpan('webhook relay round', { root: true }, async (span) => {
      try {
        const { dispatched, claimed } = await this.round();
        span.setAttribute('facegate.webhook.events_fanned_out', dispatched);
        span.setAttribute('facegate.webhook.deliveries_started', claimed);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async round(): Promise<{ dispatched: number; claimed: number }> {
    let dispatched = 0;
    let started = 0;
    for (let i = 0; i < 20; i++) {
      const n = await this.ports.queue.dispatchOutbox(this.clock.now(), 500, webhookOf);
      dispatched += n;
      if (n < 500) break;
    }
    // claim while slots are free and the claim finds work; deliveries run on without being waited for
    for (let i = 0; i < 50; i++) {
      const total = this.sending.size;
      const free = Math.min(this.batch, this.maxInFlight - total);
      if (free <= 0) break;
      let shared = 0;
      for (const n of this.inFlight.values()) shared += Math.max(0, n - 1);
      const claimed = await this.ports.queue.claimDue(this.clock.now(), free, this.leaseMs, randomUUID(), {
        inFlight: this.inFlight,
        perEndpoint: this.perEndpoint,
        sharedLimit: Math.max(0, this.sharedSlots - shared),
      });
      for (const delivery of claimed) this.begin(delivery);
      started += claimed.length;
      if (claimed.length === 0) break;
    }
    const now = this.clock.now();
    if (now.getTime() - this.lastPruneAt >= this.pruneIntervalMs) {
      this.lastPruneAt = now.getTime();
      await this.prune(now);
    }
    return { dispatched, claimed: started };
  }

  private begin(delivery: ClaimedWebhookDelivery): void {
    this.inFlight.set(delivery.endpointId, (this.inFlight.get(delivery.endpointId) ?? 0) + 1);
    const sending = this.deliver(delivery, this.stopping.signal).finally(() => {
      const left = (this.inFlight.get(delivery.endpointId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(delivery.endpointId, left);
      else this.inFlight.delete(delivery.endpointId);
      this.sending.delete(sending);
      // a slot is free, and the session's next event may be due now
      this.wake();
    });
    this.sending.add(sending);
  }

  /** Deletes dispatched outbox rows and finished deliveries past the retention; returns how many. */
  async prune(now: Date = this.clock.now()): Promise<{ outbox: number; deliveries: number }> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    let outbox = 0;
    let deliveries = 0;
    for (let i = 0; i < 100; i++) {
      const n = await this.ports.outbox.prune(cutoff, PRUNE_BATCH);
      outbox += n;
      if (n < PRUNE_BATCH) break;
    }
    for (let i = 0; i < 100; i++) {
      const n = await this.ports.log.prune(cutoff, PRUNE_BATCH);
      deliveries += n;
      if (n < PRUNE_BATCH) break;
    }
    if (outbox + deliveries > 0) this.logger.info({ outbox, deliveries }, 'pruned webhook history');
    return { outbox, deliveries };
  }

  /**
   * One attempt in a CLIENT span (a child of the round that started it, or a trace of its own for a retry);
   * the request carries the span's `traceparent`, so the receiver's trace continues it. The span names the
   * receiver's host and port only: an endpoint's path or query may hold its own secret.
   */
  private deliver(delivery: ClaimedWebhookDelivery, signal: AbortSignal): Promise<void> {
    const span = tracer.startSpan('webhook delivery', {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        ...hostOf(delivery.url),
        'facegate.webhook.endpoint_id': delivery.endpointId,
        'facegate.webhook.delivery_id': delivery.id,
        'facegate.webhook.event_type': delivery.eventType,
        'facegate.webhook.attempt': delivery.attempts + 1,
        'facegate.verification.id': delivery.sessionId,
      },
    });
    return context.with(trace.setSpan(context.active(), span), () =>
      this.attempt(delivery, signal, span).finally(() => span.end()),
    );
  }

  private async attempt(delivery: ClaimedWebhookDelivery, signal: AbortSignal, span: Span): Promise<void> {
    try {
      const sentAt = this.clock.now();
      const headers = webhookHeaders(
        delivery.secrets,
        delivery.id,
        Math.floor(sentAt.getTime() / 1000),
        delivery.body,
      );
      // traceparent (and tracestate); outside the signed content, so signatures are unchanged
      propagation.inject(context.active(), headers);
      const result = await this.sender.send(delivery.url, headers, delivery.body, signal);
      if (result.statusCode !== null) span.setAttribute('http.response.status_code', result.statusCode);
      if (result.error !== null) {
        span.setAttribute('error.type', result.error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      } else if (result.statusCode !== null && (result.statusCode < 200 || result.statusCode >= 300)) {
        span.setAttribute('error.type', String(result.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      const now = this.clock.now();
      if (result.error === 'ABORTED') {
        // stopping: no attempt to record; another instance (or this one, restarted) sends it
        await this.ports.queue.releaseClaim(delivery, now);
        return;
      }
      const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
      const attemptsMade = delivery.attempts + 1;
      const retryAt = ok ? null : nextRetryAt(this.schedule, attemptsMade, now);
      await this.ports.queue.finishAttempt(
        delivery,
        {
          attemptedAt: sentAt,
          statusCode: result.statusCode,
          latencyMs: result.latencyMs,
          responseExcerpt: result.responseExcerpt,
          // a category only (TIMEOUT, TLS_ERROR, HTTP_503, ...): never an error's text
          error: result.error ?? (ok ? null : `HTTP_${result.statusCode}`),
        },
        { status: ok ? 'DELIVERED' : retryAt === null ? 'FAILED' : 'PENDING', retryAt },
      );
      this.observer?.attempt(
        delivery.endpointId,
        ok ? 'delivered' : retryAt === null ? 'failed' : 'retrying',
      );
      if (!ok) {
        const disabled = await this.ports.endpoints.disableIfFailingSince(
          delivery.endpointId,
          new Date(now.getTime() - this.disableAfterMs),
          now,
        );
        if (disabled) {
          this.observer?.endpointDisabled(delivery.endpointId);
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

/** The receiver's host and port, for a span: never its path or query. */
function hostOf(url: string): Record<string, string | number> {
  try {
    const parsed = new URL(url);
    return {
      'server.address': parsed.hostname,
      'server.port': Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
    };
  } catch {
    return {};
  }
}
