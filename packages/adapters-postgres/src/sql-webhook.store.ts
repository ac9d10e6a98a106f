import type { FieldCipher } from './crypto/aes-gcm-field-cipher';
import type { Database, Queryable } from './database/database';

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookEndpointRecord {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly events: readonly string[];
  readonly enabled: boolean;
  /** 'MANUAL' or 'FAILING' while disabled. */
  readonly disabledReason: string | null;
  readonly disabledAt: Date | null;
  /** The first failure since the last success; null while healthy. */
  readonly failingSince: Date | null;
  /** Until when the previous secret still signs too (after a rotation). */
  readonly previousSecretExpiresAt: Date | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: number;
  readonly eventType: string;
  readonly sessionId: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export interface WebhookAttemptRecord {
  readonly deliveryId: string;
  readonly attemptedAt: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

/** A delivery one relay holds until `leaseUntil`, with what it needs to send it. */
export interface ClaimedWebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: number;
  readonly eventType: string;
  readonly sessionId: string;
  readonly body: string;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly url: string;
  /** Every secret that signs this attempt: the current one, and the previous one during a rotation. */
  readonly secrets: readonly string[];
  readonly claimToken: string;
}

/** How a claim spreads over endpoints (see SqlWebhookStore.claimDue). */
export interface ClaimLimits {
  /** Deliveries the claimer already has in flight, per endpoint id. */
  readonly inFlight?: ReadonlyMap<string, number>;
  /** At most this many in flight per endpoint, counting `inFlight` (1 while the endpoint is failing). */
  readonly perEndpoint?: number;
  /** At most this many of the claimed may be an endpoint's second or later in flight; default: all. */
  readonly sharedLimit?: number;
}

/** An outbox row being fanned out to endpoints. */
export interface OutboxRow {
  readonly id: number;
  readonly eventType: string;
  readonly sessionId: string;
  readonly payload: unknown;
  readonly sessionDetails: unknown;
  readonly createdAt: Date;
}

export interface AttemptOutcome {
  readonly attemptedAt: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

/**
 * Whose endpoints an operation may see: the creator's id (an API key id, or 'cli'), or EVERY_OWNER (null)
 * for the CLI and the console's admins. Another owner's endpoint is answered as if it did not exist.
 */
export type EndpointOwner = string | null;
export const EVERY_OWNER: EndpointOwner = null;

export interface DeliveryPageCursor {
  readonly createdAt: Date;
  readonly id: string;
}

interface EndpointRow {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  session_id: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const ENDPOINT_COLUMNS = `id, url, description, events, enabled, disabled_reason, disabled_at, failing_since,
  previous_secret_expires_at, created_by, created_at, updated_at`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id::text AS event_id, event_type, session_id, status, attempts,
  next_attempt_at, last_status_code, last_error, created_at, finished_at`;
/** Secrets are sealed with this context, so a sealed value cannot be moved into another column's place. */
const SECRET_CONTEXT = 'webhook-endpoint-secret';

/**
 * Webhook endpoints, deliveries and attempts. Every statement is plain PostgreSQL that PGlite runs too; the
 * relay's claim uses FOR UPDATE SKIP LOCKED, so any number of instances share the work without taking the
 * same delivery twice (on PGlite's single connection the lock is simply never contended).
 */
export class SqlWebhookStore {
  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async createEndpoint(input: {
    id: string;
    url: string;
    description: string;
    events: readonly string[];
    secret: string;
    createdBy: string;
    now: Date;
  }): Promise<WebhookEndpointRecord> {
    const rows = await this.db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints (id, url, description, events, secret_sealed, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4::text::jsonb, $5, $6, $7, $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [
        input.id,
        input.url,
        input.description,
        JSON.stringify(input.events),
        this.cipher.encrypt(input.secret, SECRET_CONTEXT),
        input.createdBy,
        input.now,
      ],
    );
    return toEndpoint(rows[0]!);
  }

  /** Oldest first: every endpoint, or only those `owner` created (`EVERY_OWNER` = all). */
  async listEndpoints(owner: EndpointOwner = EVERY_OWNER): Promise<WebhookEndpointRecord[]> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE ($1::text IS NULL OR created_by = $1)
       ORDER BY created_at, id`,
      [owner],
    );
    return rows.map(toEndpoint);
  }

  /** The endpoint, if it exists and `owner` may see it; null otherwise (the two are not told apart). */
  async findEndpoint(id: string, owner: EndpointOwner = EVERY_OWNER): Promise<WebhookEndpointRecord | null> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND ($2::text IS NULL OR created_by = $2)`,
      [id, owner],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  /**
   * Changes the given fields; `enabled: true` also forgets a past failure streak. Null when there is no such
   * endpoint of `owner` (checked in the same statement as the change).
   */
  async updateEndpoint(
    id: string,
    change: { url?: string; description?: string; events?: readonly string[]; enabled?: boolean },
    now: Date,
    owner: EndpointOwner = EVERY_OWNER,
  ): Promise<WebhookEndpointRecord | null> {
    const rows = await this.db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET
         url = coalesce($2, url),
         description = coalesce($3, description),
         events = coalesce($4::text::jsonb, events),
         enabled = coalesce($5, enabled),
         disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason WHEN $5 THEN NULL ELSE 'MANUAL' END,
         disabled_at = CASE WHEN $5 IS NULL THEN disabled_at WHEN $5 THEN NULL ELSE $6 END,
         failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
         updated_at = $6
       WHERE id = $1 AND ($7::text IS NULL OR created_by = $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [
        id,
        change.url ?? null,
        change.description ?? null,
        change.events === undefined ? null : JSON.stringify(change.events),
        change.enabled ?? null,
        now,
        owner,
      ],
    );
    if (rows[0] === undefined) return null;
    if (change.enabled === false) await this.failPendingOf(id, 'ENDPOINT_DISABLED', now);
    return toEndpoint(rows[0]);
  }

  /** The new secret signs from now on; the current one keeps signing too until `previousUntil`. */
  async rotateSecret(
    id: string,
    secret: string,
    previousUntil: Date,
    now: Date,
    owner: EndpointOwner = EVERY_OWNER,
  ): Promise<WebhookEndpointRecord | null> {
    const rows = await this.db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, secret_sealed = $2,
         previous_secret_expires_at = $3, updated_at = $4
       WHERE id = $1 AND ($5::text IS NULL OR created_by = $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [id, this.cipher.encrypt(secret, SECRET_CONTEXT), previousUntil, now, owner],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async deleteEndpoint(id: string, owner: EndpointOwner = EVERY_OWNER): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      'DELETE FROM webhook_endpoints WHERE id = $1 AND ($2::text IS NULL OR created_by = $2) RETURNING id',
      [id, owner],
    );
    return rows.length > 0;
  }

  /**
   * Fans out up to `limit` undispatched outbox events, oldest first, to the enabled endpoints subscribed to
   * their type, and marks them dispatched, in one transaction. SKIP LOCKED lets instances fan out different
   * events at once; the unique (endpoint, event) pair makes a repeat harmless. `describe` turns an event into
   * its webhook type and body (null: not a webhook event). Returns how many events were dispatched.
   */
  async dispatchOutbox(
    now: Date,
    limit: number,
    describe: (row: OutboxRow) => { type: string; body: string } | null,
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{
        id: string;
        event_type: string;
        session_id: string;
        payload: unknown;
        session_details: unknown;
        created_at: Date;
      }>(
        `SELECT id::text AS id, event_type, session_id, payload, session_details, created_at FROM event_outbox
         WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const ids: string[] = [];
      const types: string[] = [];
      const sessions: string[] = [];
      const bodies: string[] = [];
      for (const row of rows) {
        const described = describe({
          id: Number(row.id),
          eventType: row.event_type,
          sessionId: row.session_id,
          payload: row.payload,
          sessionDetails: row.session_details,
          createdAt: new Date(row.created_at),
        });
        if (described === null) continue;
        ids.push(row.id);
        types.push(described.type);
        sessions.push(row.session_id);
        bodies.push(described.body);
      }
      if (ids.length > 0) {
        await tx.query(
          `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, session_id, body, status,
             next_attempt_at, created_at, updated_at)
           SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, b.event_id, b.event_type,
                  b.session_id, b.body, 'PENDING', $5, $5, $5
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS b(event_id, event_type, session_id, body)
           JOIN webhook_endpoints e ON e.enabled AND e.events ? b.event_type
           ORDER BY b.event_id
           ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
          [ids, types, sessions, bodies, now],
        );
      }
      await tx.query('UPDATE event_outbox SET dispatched_at = $2 WHERE id = ANY($1::bigint[])', [
        rows.map((r) => r.id),
        now,
      ]);
      return rows.length;
    });
  }

  /**
   * Takes up to `limit` due deliveries for `leaseMs`: pending, of an enabled endpoint, and the earliest
   * unfinished event of their session for that endpoint (order per session). Another instance skips rows
   * locked here, and after the lease a delivery whose holder died is due again (at least once).
   *
   * `limits` spreads the claim over endpoints, so that one slow endpoint cannot take every slot: an endpoint
   * gets at most `perEndpoint` in flight (counting `inFlight`, what this claimer already holds; only 1 while it
   * is failing), and at most `sharedLimit` of the claimed deliveries may be an endpoint's second or later one in
   * flight. Among the `limit` earliest due deliveries of endpoints with room (those locked by this claim), an
   * endpoint with nothing in flight is served first; a caller claims again while claims find work, and an
   * endpoint at its cap is passed over by the next claim.
   */
  async claimDue(
    now: Date,
    limit: number,
    leaseMs: number,
    claimToken: string,
    limits: ClaimLimits = {},
  ): Promise<ClaimedWebhookDelivery[]> {
    const inFlight = [...(limits.inFlight ?? new Map<string, number>())].filter(([, n]) => n > 0);
    const sharedLimit = Math.max(0, Math.min(limits.sharedLimit ?? limit, limit));
    const rows = await this.db.query<{
      id: string;
      endpoint_id: string;
      event_id: string;
      event_type: string;
      session_id: string;
      body: string;
      attempts: number;
      url: string;
      secret_sealed: string;
      previous_secret_sealed: string | null;
      previous_secret_expires_at: Date | null;
    }>(
      `WITH busy AS (
         SELECT b.endpoint_id, b.n FROM unnest($5::text[], $6::int[]) AS b(endpoint_id, n)
       ), candidates AS (
         SELECT d.id, d.endpoint_id, d.next_attempt_at, d.event_id, coalesce(b.n, 0) AS busy,
                CASE WHEN e.failing_since IS NULL THEN $7::int ELSE 1 END AS cap
         FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
         LEFT JOIN busy b ON b.endpoint_id = d.endpoint_id
         WHERE d.status = 'PENDING' AND d.next_attempt_at <= $1
           AND coalesce(b.n, 0) < CASE WHEN e.failing_since IS NULL THEN $7::int ELSE 1 END
           AND ($8::int > 0 OR coalesce(b.n, 0) = 0)
           AND NOT EXISTS (
             SELECT 1 FROM webhook_deliveries p
             WHERE p.endpoint_id = d.endpoint_id AND p.session_id = d.session_id AND p.status = 'PENDING'
               AND p.event_id < d.event_id)
           AND NOT EXISTS (
             SELECT 1 FROM event_outbox o
             WHERE o.session_id = d.session_id AND o.dispatched_at IS NULL AND o.id < d.event_id)
         ORDER BY d.next_attempt_at, d.event_id
         LIMIT $2
         -- locked while this statement runs, so a concurrent claim looks at other rows instead
         FOR UPDATE OF d SKIP LOCKED
       ), ranked AS (
         SELECT id, next_attempt_at, event_id, cap,
                busy + row_number() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, event_id) - 1 AS slot
         FROM candidates
       ), allowed AS (
         SELECT id, slot, next_attempt_at, event_id,
                row_number() OVER (PARTITION BY slot > 0 ORDER BY slot, next_attempt_at, event_id) AS k
         FROM ranked WHERE slot < cap
       ), chosen AS (
         SELECT id FROM allowed WHERE slot = 0 OR k <= $8::int
         ORDER BY slot, next_attempt_at, event_id LIMIT $2
       )
       UPDATE webhook_deliveries d SET next_attempt_at = $3, claim_token = $4, updated_at = $1
       FROM chosen, webhook_endpoints e
       WHERE d.id = chosen.id AND e.id = d.endpoint_id
       RETURNING d.id, d.endpoint_id, d.event_id::text AS event_id, d.event_type, d.session_id, d.body,
                 d.attempts, e.url, e.secret_sealed, e.previous_secret_sealed, e.previous_secret_expires_at`,
      [
        now,
        limit,
        new Date(now.getTime() + leaseMs),
        claimToken,
        inFlight.map(([id]) => id),
        inFlight.map(([, n]) => n),
        Math.min(limits.perEndpoint ?? 2 ** 30, 2 ** 30),
        sharedLimit,
      ],
    );
    return rows
      .map((r) => {
        const secrets = [this.cipher.decrypt(r.secret_sealed, SECRET_CONTEXT)];
        if (
          r.previous_secret_sealed !== null &&
          r.previous_secret_expires_at !== null &&
          new Date(r.previous_secret_expires_at) > now
        ) {
          secrets.push(this.cipher.decrypt(r.previous_secret_sealed, SECRET_CONTEXT));
        }
        return {
          id: r.id,
          endpointId: r.endpoint_id,
          eventId: Number(r.event_id),
          eventType: r.event_type,
          sessionId: r.session_id,
          body: r.body,
          attempts: r.attempts,
          url: r.url,
          secrets,
          claimToken,
        };
      })
      .sort((a, b) => a.eventId - b.eventId);
  }

  /**
   * Gives a claimed delivery back unsent (the relay is stopping): due again now, for any instance. Only while
   * this claim still holds it.
   */
  async releaseClaim(claim: ClaimedWebhookDelivery, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $3, claim_token = NULL, updated_at = $3
       WHERE id = $1 AND claim_token = $2 AND status = 'PENDING'`,
      [claim.id, claim.claimToken, now],
    );
  }

  /**
   * Records an attempt and moves the delivery on: DELIVERED, FAILED, or PENDING again at `retryAt`. The
   * delivery changes only if this relay still holds it (its claim token); the attempt is recorded either way.
   * A success clears the endpoint's failure streak; a failure starts one if none is running.
   */
  async finishAttempt(
    claim: ClaimedWebhookDelivery,
    outcome: AttemptOutcome,
    next: { status: WebhookDeliveryStatus; retryAt: Date | null },
  ): Promise<void> {
    const error = outcome.error === null ? null : outcome.error.slice(0, 500);
    await this.db.query(
      `WITH attempt AS (
         INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error)
         SELECT id, $3, $4, $5, $6, $7 FROM webhook_deliveries WHERE id = $1 RETURNING delivery_id
       ), delivery AS (
         UPDATE webhook_deliveries SET status = $8, attempts = attempts + 1,
           next_attempt_at = coalesce($9, next_attempt_at), last_status_code = $4, last_error = $7,
           claim_token = NULL, updated_at = $3, finished_at = CASE WHEN $8 = 'PENDING' THEN NULL ELSE $3 END
         WHERE id = $1 AND claim_token = $2 RETURNING endpoint_id
       )
       UPDATE webhook_endpoints SET
         failing_since = CASE WHEN $8 = 'DELIVERED' THEN NULL ELSE coalesce(failing_since, $3) END
       WHERE id = $10 AND EXISTS (SELECT 1 FROM attempt)`,
      [
        claim.id,
        claim.claimToken,
        outcome.attemptedAt,
        outcome.statusCode,
        Math.max(0, Math.round(outcome.latencyMs)),
        outcome.responseExcerpt,
        error,
        next.status,
        next.retryAt,
        claim.endpointId,
      ],
    );
  }

  /**
   * Disables the endpoint if it has failed continuously since before `failingBefore`; its pending deliveries
   * are then marked FAILED (redeliver can send them again). Returns whether it was disabled now.
   */
  async disableIfFailingSince(endpointId: string, failingBefore: Date, now: Date): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'FAILING', disabled_at = $3, updated_at = $3
       WHERE id = $1 AND enabled AND failing_since IS NOT NULL AND failing_since <= $2 RETURNING id`,
      [endpointId, failingBefore, now],
    );
    if (rows.length === 0) return false;
    await this.failPendingOf(endpointId, 'ENDPOINT_FAILING', now);
    return true;
  }

  private async failPendingOf(endpointId: string, reason: string, now: Date, q: Queryable = this.db) {
    await q.query(
      `UPDATE webhook_deliveries SET status = 'FAILED', last_error = $2, finished_at = $3, updated_at = $3,
         claim_token = NULL
       WHERE endpoint_id = $1 AND status = 'PENDING'`,
      [endpointId, reason, now],
    );
  }

  /** Sends a delivery of an endpoint of `owner` again from the start of the schedule (it keeps its webhook-id). */
  async redeliver(
    id: string,
    now: Date,
    owner: EndpointOwner = EVERY_OWNER,
  ): Promise<WebhookDeliveryRecord | null> {
    const rows = await this.db.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = $2, claim_token = NULL,
         finished_at = NULL, updated_at = $2
       WHERE id = $1 AND ($3::text IS NULL OR endpoint_id IN (SELECT id FROM webhook_endpoints WHERE created_by = $3))
       RETURNING ${DELIVERY_COLUMNS}`,
      [id, now, owner],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /** The delivery, if it exists and belongs to an endpoint of `owner`; null otherwise. */
  async findDelivery(id: string, owner: EndpointOwner = EVERY_OWNER): Promise<WebhookDeliveryRecord | null> {
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE id = $1 AND ($2::text IS NULL OR endpoint_id IN (SELECT id FROM webhook_endpoints WHERE created_by = $2))`,
      [id, owner],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /** Newest first; one more than `first` is read to tell whether there is a next page. */
  async listDeliveries(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    first: number,
    after: DeliveryPageCursor | null,
  ): Promise<{ items: WebhookDeliveryRecord[]; hasNextPage: boolean }> {
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [endpointId, status, after?.createdAt ?? null, after?.id ?? '', first + 1],
    );
    return { items: rows.slice(0, first).map(toDelivery), hasNextPage: rows.length > first };
  }

  /** Every recorded attempt of these deliveries, oldest first. */
  async attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttemptRecord[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.db.query<{
      delivery_id: string;
      attempted_at: Date;
      status_code: number | null;
      latency_ms: number;
      response_excerpt: string | null;
      error: string | null;
    }>(
      `SELECT delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error FROM webhook_attempts
       WHERE delivery_id = ANY($1::text[]) ORDER BY id`,
      [deliveryIds],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      attemptedAt: new Date(r.attempted_at),
      statusCode: r.status_code,
      latencyMs: r.latency_ms,
      responseExcerpt: r.response_excerpt,
      error: r.error,
    }));
  }

  /** Deletes finished deliveries (and their attempts) that ended before `olderThan`, at most `batch`. */
  async pruneDeliveries(olderThan: Date, batch = 5_000): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `WITH pruned AS (
         DELETE FROM webhook_deliveries WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE status <> 'PENDING' AND finished_at < $1 LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM pruned`,
      [olderThan, batch],
    );
    return rows[0]?.n ?? 0;
  }
}

function toEndpoint(r: EndpointRow): WebhookEndpointRecord {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: r.events,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    disabledAt: dateOrNull(r.disabled_at),
    failingSince: dateOrNull(r.failing_since),
    previousSecretExpiresAt: dateOrNull(r.previous_secret_expires_at),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

function toDelivery(r: DeliveryRow): WebhookDeliveryRecord {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: Number(r.event_id),
    eventType: r.event_type,
    sessionId: r.session_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    finishedAt: dateOrNull(r.finished_at),
  };
}

function dateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}
