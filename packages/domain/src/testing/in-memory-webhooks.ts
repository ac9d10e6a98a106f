import { DEFAULT_APP } from '../apps/app.js';
import type { PageCursor } from '../ports/verification-session.repository.port.js';
import type { OutboxPruner } from '../webhooks/outbox-pruner.port.js';
import type {
  ClaimedWebhookDelivery,
  OutboxEventRow,
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookClaimLimits,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookDescriber,
  WebhookEndpoint,
  WebhookEndpointOwner,
} from '../webhooks/webhook.types.js';
import type { WebhookDeliveryLog, WebhookDeliveryPage } from '../webhooks/webhook-delivery-log.port.js';
import type { WebhookDeliveryNext, WebhookDeliveryQueue } from '../webhooks/webhook-delivery-queue.port.js';
import type {
  NewWebhookEndpoint,
  WebhookEndpointChange,
  WebhookEndpointRepository,
} from '../webhooks/webhook-endpoint.repository.port.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface StoredEndpoint extends Mutable<WebhookEndpoint> {
  secret: string;
  previousSecret: string | null;
}

interface StoredDelivery extends Mutable<WebhookDelivery> {
  body: string;
  claimToken: string | null;
}

interface StoredOutboxEvent extends OutboxEventRow {
  dispatchedAt: Date | null;
}

/** What the SQL store's error columns hold at most. */
const MAX_ERROR_LENGTH = 500;

const copyEndpoint = ({ secret: _s, previousSecret: _p, ...e }: StoredEndpoint): WebhookEndpoint => ({
  ...e,
  events: [...e.events],
  apps: e.apps === null ? null : [...e.apps],
});
const copyDelivery = ({ body: _b, claimToken: _c, ...d }: StoredDelivery): WebhookDelivery => ({ ...d });
const owns = (owner: WebhookEndpointOwner | undefined, endpoint: StoredEndpoint | undefined) =>
  endpoint !== undefined && (owner == null || endpoint.createdBy === owner);
const time = (d: Date) => d.getTime();

/**
 * The webhook ports in memory, over one shared state, with the SQL adapters' semantics (the same contract
 * suite runs on both): ownership answered as absence, fan-out once per (endpoint, event), claims that hold a
 * delivery for a lease and keep order per (endpoint, session), the per-endpoint and shared claim limits,
 * finish/release only under the claim's token, cascading deletes and retention. Each method runs to
 * completion without awaiting, so each is atomic however calls interleave.
 *
 *   const webhooks = new InMemoryWebhooks();
 *   new WebhookRelay(webhooks, sender, clock, logger);   // { endpoints, queue, log, outbox }
 *   webhooks.appendOutboxEvent({ sessionId, payload, sessionDetails, createdAt });
 */
export class InMemoryWebhooks {
  private readonly endpointRows = new Map<string, StoredEndpoint>();
  private readonly deliveryRows = new Map<string, StoredDelivery>();
  private readonly attemptRows: WebhookAttempt[] = [];
  private readonly outboxRows: StoredOutboxEvent[] = [];
  private lastOutboxId = 0;
  private lastDeliveryId = 0;

  readonly endpoints: WebhookEndpointRepository;
  readonly queue: WebhookDeliveryQueue;
  readonly log: WebhookDeliveryLog;
  readonly outbox: OutboxPruner;

  constructor() {
    this.endpoints = {
      create: async (input) => this.createEndpoint(input),
      list: async (owner) =>
        [...this.endpointRows.values()]
          .filter((e) => owns(owner, e))
          .sort((a, b) => time(a.createdAt) - time(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map(copyEndpoint),
      find: async (id, owner) => {
        const endpoint = this.endpointRows.get(id);
        return owns(owner, endpoint) ? copyEndpoint(endpoint!) : null;
      },
      update: async (id, change, now, owner) => this.updateEndpoint(id, change, now, owner),
      rotateSecret: async (id, secret, previousUntil, now, owner) => {
        const endpoint = this.endpointRows.get(id);
        if (!owns(owner, endpoint)) return null;
        Object.assign(endpoint!, {
          previousSecret: endpoint!.secret,
          secret,
          previousSecretExpiresAt: new Date(time(previousUntil)),
          updatedAt: new Date(time(now)),
        });
        return copyEndpoint(endpoint!);
      },
      delete: async (id, owner) => {
        if (!owns(owner, this.endpointRows.get(id))) return false;
        this.endpointRows.delete(id);
        for (const delivery of [...this.deliveryRows.values()]) {
          if (delivery.endpointId === id) this.deleteDelivery(delivery.id);
        }
        return true;
      },
      disableIfFailingSince: async (endpointId, failingBefore, now) => {
        const endpoint = this.endpointRows.get(endpointId);
        if (
          endpoint === undefined ||
          !endpoint.enabled ||
          endpoint.failingSince === null ||
          time(endpoint.failingSince) > time(failingBefore)
        ) {
          return false;
        }
        Object.assign(endpoint, {
          enabled: false,
          disabledReason: 'FAILING',
          disabledAt: new Date(time(now)),
          updatedAt: new Date(time(now)),
        });
        this.failPendingOf(endpointId, 'ENDPOINT_FAILING', now);
        return true;
      },
    };
    this.queue = {
      dispatchOutbox: async (now, limit, describe) => this.dispatchOutbox(now, limit, describe),
      oldestUndispatchedAt: async () => {
        const oldest = this.outboxRows.find((e) => e.dispatchedAt === null);
        return oldest === undefined ? null : new Date(time(oldest.createdAt));
      },
      claimDue: async (now, limit, leaseMs, claimToken, limits) =>
        this.claimDue(now, limit, leaseMs, claimToken, limits),
      releaseClaim: async (claim, now) => {
        const delivery = this.deliveryRows.get(claim.id);
        if (delivery?.claimToken !== claim.claimToken || delivery.status !== 'PENDING') return;
        Object.assign(delivery, { nextAttemptAt: new Date(time(now)), claimToken: null });
      },
      finishAttempt: async (claim, outcome, next) => this.finishAttempt(claim, outcome, next),
      redeliver: async (id, now, owner) => {
        const delivery = this.deliveryRows.get(id);
        if (delivery === undefined || !owns(owner, this.endpointRows.get(delivery.endpointId))) return null;
        Object.assign(delivery, {
          status: 'PENDING',
          attempts: 0,
          nextAttemptAt: new Date(time(now)),
          claimToken: null,
          finishedAt: null,
        });
        return copyDelivery(delivery);
      },
    };
    this.log = {
      find: async (id, owner) => {
        const delivery = this.deliveryRows.get(id);
        return delivery && owns(owner, this.endpointRows.get(delivery.endpointId))
          ? copyDelivery(delivery)
          : null;
      },
      list: async (endpointId, status, first, after) => this.listDeliveries(endpointId, status, first, after),
      listForSessions: async (sessionIds) => {
        const wanted = new Set(sessionIds);
        return [...this.deliveryRows.values()]
          .filter((d) => wanted.has(d.sessionId))
          .sort((a, b) => time(b.createdAt) - time(a.createdAt))
          .map(copyDelivery);
      },
      attemptsOf: async (deliveryIds) => {
        const wanted = new Set(deliveryIds);
        return this.attemptRows.filter((a) => wanted.has(a.deliveryId)).map((a) => ({ ...a }));
      },
      prune: async (olderThan, batch = 5_000) => {
        const old = [...this.deliveryRows.values()]
          .filter(
            (d) => d.status !== 'PENDING' && d.finishedAt !== null && time(d.finishedAt) < time(olderThan),
          )
          .slice(0, batch);
        for (const delivery of old) this.deleteDelivery(delivery.id);
        return old.length;
      },
    };
    this.outbox = {
      prune: async (olderThan, batch = 5_000) => {
        const old = this.outboxRows
          .filter((e) => e.dispatchedAt !== null && time(e.createdAt) < time(olderThan))
          .slice(0, batch);
        for (const event of old) this.outboxRows.splice(this.outboxRows.indexOf(event), 1);
        return old.length;
      },
    };
  }

  /** Adds an event to the outbox, as the session repository does beside each session change; its id. */
  appendOutboxEvent(event: Omit<OutboxEventRow, 'id' | 'eventType'> & { eventType?: string }): number {
    this.lastOutboxId += 1;
    this.outboxRows.push({
      eventType: 'verification.updated',
      ...event,
      id: this.lastOutboxId,
      createdAt: new Date(time(event.createdAt)),
      dispatchedAt: null,
    });
    return this.lastOutboxId;
  }

  /** Outbox events not yet fanned out. */
  get undispatchedEvents(): number {
    return this.outboxRows.filter((e) => e.dispatchedAt === null).length;
  }

  private createEndpoint(input: NewWebhookEndpoint): WebhookEndpoint {
    if (this.endpointRows.has(input.id)) throw new Error(`webhook endpoint ${input.id} exists`);
    const now = new Date(time(input.now));
    const endpoint: StoredEndpoint = {
      id: input.id,
      url: input.url,
      description: input.description,
      events: [...input.events],
      apps: input.apps ? [...input.apps] : null,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
      previousSecretExpiresAt: null,
      createdBy: input.createdBy,
      createdAt: now,
      updatedAt: now,
      secret: input.secret,
      previousSecret: null,
    };
    this.endpointRows.set(endpoint.id, endpoint);
    return copyEndpoint(endpoint);
  }

  private updateEndpoint(
    id: string,
    change: WebhookEndpointChange,
    now: Date,
    owner: WebhookEndpointOwner | undefined,
  ): WebhookEndpoint | null {
    const endpoint = this.endpointRows.get(id);
    if (!owns(owner, endpoint)) return null;
    const at = new Date(time(now));
    if (change.url !== undefined) endpoint!.url = change.url;
    if (change.description !== undefined) endpoint!.description = change.description;
    if (change.events !== undefined) endpoint!.events = [...change.events];
    if (change.apps !== undefined) endpoint!.apps = change.apps === null ? null : [...change.apps];
    if (change.enabled === true) {
      Object.assign(endpoint!, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null });
    } else if (change.enabled === false) {
      Object.assign(endpoint!, { enabled: false, disabledReason: 'MANUAL', disabledAt: at });
    }
    endpoint!.updatedAt = at;
    if (change.enabled === false) this.failPendingOf(id, 'ENDPOINT_DISABLED', now);
    return copyEndpoint(endpoint!);
  }

  private failPendingOf(endpointId: string, reason: string, now: Date): void {
    for (const delivery of this.deliveryRows.values()) {
      if (delivery.endpointId !== endpointId || delivery.status !== 'PENDING') continue;
      Object.assign(delivery, {
        status: 'FAILED',
        lastError: reason,
        finishedAt: new Date(time(now)),
        claimToken: null,
      });
    }
  }

  private deleteDelivery(id: string): void {
    this.deliveryRows.delete(id);
    for (let i = this.attemptRows.length - 1; i >= 0; i--) {
      if (this.attemptRows[i]!.deliveryId === id) this.attemptRows.splice(i, 1);
    }
  }

  private dispatchOutbox(now: Date, limit: number, describe: WebhookDescriber): number {
    const events = this.outboxRows.filter((e) => e.dispatchedAt === null).slice(0, limit);
    for (const event of events) {
      const { dispatchedAt: _d, ...row } = event;
      const described = describe({ ...row, createdAt: new Date(time(row.createdAt)) });
      event.dispatchedAt = new Date(time(now));
      if (described === null) continue;
      for (const endpoint of this.endpointRows.values()) {
        if (!endpoint.enabled || !endpoint.events.includes(described.type)) continue;
        if (endpoint.apps !== null && !endpoint.apps.includes(described.app ?? DEFAULT_APP)) continue;
        const exists = [...this.deliveryRows.values()].some(
          (d) => d.endpointId === endpoint.id && d.eventId === event.id,
        );
        if (exists) continue;
        this.lastDeliveryId += 1;
        const id = `msg_${String(this.lastDeliveryId).padStart(12, '0')}`;
        this.deliveryRows.set(id, {
          id,
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: described.type,
          sessionId: event.sessionId,
          body: described.body,
          status: 'PENDING',
          attempts: 0,
          nextAttemptAt: new Date(time(now)),
          lastStatusCode: null,
          lastError: null,
          createdAt: new Date(time(now)),
          finishedAt: null,
          claimToken: null,
        });
      }
    }
    return events.length;
  }

  private claimDue(
    now: Date,
    limit: number,
    leaseMs: number,
    claimToken: string,
    limits: WebhookClaimLimits = {},
  ): ClaimedWebhookDelivery[] {
    const busy = (endpointId: string) => Math.max(0, limits.inFlight?.get(endpointId) ?? 0);
    const perEndpoint = Math.min(limits.perEndpoint ?? 2 ** 30, 2 ** 30);
    const sharedLimit = Math.max(0, Math.min(limits.sharedLimit ?? limit, limit));
    const capOf = (endpoint: StoredEndpoint) => (endpoint.failingSince === null ? perEndpoint : 1);
    const pending = [...this.deliveryRows.values()].filter((d) => d.status === 'PENDING');
    const byDue = (a: StoredDelivery, b: StoredDelivery) =>
      time(a.nextAttemptAt) - time(b.nextAttemptAt) || a.eventId - b.eventId;
    // the earliest `limit` due deliveries of enabled endpoints with room, each the first of its session
    const candidates = pending
      .filter((d) => {
        const endpoint = this.endpointRows.get(d.endpointId);
        if (endpoint === undefined || !endpoint.enabled || time(d.nextAttemptAt) > time(now)) return false;
        if (busy(d.endpointId) >= capOf(endpoint) || (sharedLimit === 0 && busy(d.endpointId) > 0))
          return false;
        const earlierPending = pending.some(
          (p) => p.endpointId === d.endpointId && p.sessionId === d.sessionId && p.eventId < d.eventId,
        );
        const earlierInOutbox = this.outboxRows.some(
          (e) => e.sessionId === d.sessionId && e.dispatchedAt === null && e.id < d.eventId,
        );
        return !earlierPending && !earlierInOutbox;
      })
      .sort(byDue)
      .slice(0, limit);
    // an endpoint's first slot before anyone's second; at most `sharedLimit` second or later ones
    const rank = new Map<string, number>();
    const slotted = candidates
      .map((d) => {
        const slot = busy(d.endpointId) + (rank.get(d.endpointId) ?? 0);
        rank.set(d.endpointId, (rank.get(d.endpointId) ?? 0) + 1);
        return { d, slot };
      })
      .filter(({ d, slot }) => slot < capOf(this.endpointRows.get(d.endpointId)!))
      .sort((a, b) => a.slot - b.slot || byDue(a.d, b.d));
    let shared = 0;
    const chosen = slotted
      .filter(({ slot }) => slot === 0 || ++shared <= sharedLimit)
      .slice(0, limit)
      .map(({ d }) => d);
    return chosen
      .map((delivery) => {
        Object.assign(delivery, { nextAttemptAt: new Date(time(now) + leaseMs), claimToken });
        const endpoint = this.endpointRows.get(delivery.endpointId)!;
        const secrets = [endpoint.secret];
        if (
          endpoint.previousSecret !== null &&
          endpoint.previousSecretExpiresAt !== null &&
          time(endpoint.previousSecretExpiresAt) > time(now)
        ) {
          secrets.push(endpoint.previousSecret);
        }
        return {
          id: delivery.id,
          endpointId: delivery.endpointId,
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          sessionId: delivery.sessionId,
          body: delivery.body,
          attempts: delivery.attempts,
          url: endpoint.url,
          secrets,
          claimToken,
        };
      })
      .sort((a, b) => a.eventId - b.eventId);
  }

  private finishAttempt(
    claim: ClaimedWebhookDelivery,
    outcome: WebhookAttemptOutcome,
    next: WebhookDeliveryNext,
  ): void {
    const delivery = this.deliveryRows.get(claim.id);
    if (delivery === undefined) return;
    const error = outcome.error === null ? null : outcome.error.slice(0, MAX_ERROR_LENGTH);
    const attemptedAt = new Date(time(outcome.attemptedAt));
    this.attemptRows.push({
      deliveryId: delivery.id,
      attemptedAt,
      statusCode: outcome.statusCode,
      latencyMs: Math.max(0, Math.round(outcome.latencyMs)),
      responseExcerpt: outcome.responseExcerpt,
      error,
    });
    if (delivery.claimToken === claim.claimToken) {
      Object.assign(delivery, {
        status: next.status,
        attempts: delivery.attempts + 1,
        nextAttemptAt: next.retryAt === null ? delivery.nextAttemptAt : new Date(time(next.retryAt)),
        lastStatusCode: outcome.statusCode,
        lastError: error,
        claimToken: null,
        finishedAt: next.status === 'PENDING' ? null : attemptedAt,
      });
    }
    const endpoint = this.endpointRows.get(claim.endpointId);
    if (endpoint !== undefined) {
      endpoint.failingSince = next.status === 'DELIVERED' ? null : (endpoint.failingSince ?? attemptedAt);
    }
  }

  private listDeliveries(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    first: number,
    after: PageCursor | null,
  ): WebhookDeliveryPage {
    const before = (d: StoredDelivery) =>
      after === null ||
      time(d.createdAt) < time(after.createdAt) ||
      (time(d.createdAt) === time(after.createdAt) && d.id < after.id);
    const rows = [...this.deliveryRows.values()]
      .filter((d) => d.endpointId === endpointId && (status === null || d.status === status) && before(d))
      .sort((a, b) => time(b.createdAt) - time(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { items: rows.slice(0, first).map(copyDelivery), hasNextPage: rows.length > first };
  }
}
