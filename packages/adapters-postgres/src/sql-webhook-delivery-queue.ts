import type {
  ClaimedWebhookDelivery,
  WebhookAttemptOutcome,
  WebhookClaimLimits,
  WebhookDelivery,
  WebhookDeliveryNext,
  WebhookDeliveryQueue,
  WebhookDescriber,
  WebhookEndpointOwner,
} from '@facegate/domain';
import { DEFAULT_APP, EVERY_ENDPOINT_OWNER } from '@facegate/domain';
import type { FieldCipher } from './crypto/aes-gcm-field-cipher';
import type { Database } from './database/database';
import { outboxPastPosition } from './outbox-past-position';
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  deliveryIdentityOf,
  SECRET_CONTEXT,
  toDelivery,
} from './sql-webhook-rows';

/** The webhook relay's row in outbox_positions. */
export const RELAY_CONSUMER = 'webhooks';

interface PositionRow {
  position: string;
  gap_ids: string[];
  gap_horizons: string[];
}

interface OutboxRow {
  id: number | string;
  event_type: string;
  session_id: string;
  payload: unknown;
  session_details: unknown;
  created_at: string;
}

/** Arbitrary constant naming the relay's lock among other advisory locks on a shared server. */
export const RELAY_LOCK_KEY = '7244916022300451002';

/** The horizon of a gap found by this batch: replaced by the batch's own xid when the position is written. */
export const NEW_GAP = -1n;

/**
 * An id passed over and not seen yet, and its horizon: an xid assigned after the read that passed it over
 * (NEW_GAP until written).
 */
export interface OutboxGap {
  readonly id: number;
  readonly horizon: bigint;
}

export interface OutboxPosition {
  readonly position: number;
  readonly gaps: readonly OutboxGap[];
}

/** At most this many gaps are kept: a batch stops before an event that would leave more (it waits instead). */
export const MAX_OUTBOX_GAPS = 10_000;

/**
 * Where the relay stands after reading `found` (the ids read past the position or among its gaps, ascending)
 * in a snapshot whose xmin is `xmin`: gaps found are fanned out; a gap not found is dropped once xmin is past
 * its horizon (every transaction that could have written it had ended before the read, so it was rolled back
 * and will never appear); ids skipped over become gaps (horizon NEW_GAP). `taken` is how many of `found` the
 * batch fans out.
 */
export function advancePosition(
  from: OutboxPosition,
  found: readonly number[],
  xmin: bigint,
): { position: number; gaps: OutboxGap[]; taken: number; changed: boolean } {
  const seen = new Set<number>();
  let position = from.position;
  let taken = 0;
  const added: OutboxGap[] = [];
  const waiting = from.gaps.length;
  for (const id of found) {
    if (id > position) {
      const skipped = id - position - 1;
      if (waiting + added.length + skipped > MAX_OUTBOX_GAPS) break;
      for (let missing = position + 1; missing < id; missing++) {
        added.push({ id: missing, horizon: NEW_GAP });
      }
      position = id;
    }
    seen.add(id);
    taken += 1;
  }
  const kept = from.gaps.filter((g) => !seen.has(g.id) && (g.horizon === NEW_GAP || xmin <= g.horizon));
  const gaps = [...kept, ...added];
  const changed =
    position !== from.position ||
    gaps.length !== from.gaps.length ||
    gaps.some((g, i) => g.id !== from.gaps[i]?.id);
  return { position, gaps, taken, changed };
}

const RELAY_COLUMNS = 'id, event_type, session_id, payload, session_details, created_at';

/** The next events to fan out, and the snapshot they were read in, in one statement (the horizon rule). */
export const RELAY_READ_SQL = `SELECT pg_snapshot_xmin(s)::text AS xmin,
    (SELECT coalesce(json_agg(e ORDER BY e.id), '[]'::json) FROM (
      SELECT ${RELAY_COLUMNS} FROM (
        ${outboxPastPosition({ columns: RELAY_COLUMNS, position: '$1', gaps: '$2::bigint[]', limit: '$3' })}
      ) u ORDER BY id LIMIT $3) e) AS events
  FROM pg_current_snapshot() s`;

/** When the oldest event the relay has not fanned out was written (null: none). */
export const OLDEST_UNDISPATCHED_SQL = `SELECT e.created_at FROM outbox_positions p, LATERAL (
    ${outboxPastPosition({ columns: 'id, created_at', position: 'p.position', gaps: 'p.gap_ids', limit: 1 })}
  ) e
  WHERE p.consumer = $1 ORDER BY e.id LIMIT 1`;

/**
 * The webhook delivery queue in PostgreSQL. Every statement is plain PostgreSQL that PGlite runs too; the
 * fan-out and the claim use FOR UPDATE SKIP LOCKED, so any number of instances share the work without taking
 * the same event or delivery twice (on PGlite's single connection the lock is simply never contended). A claim
 * writes its token on the rows it takes: finishing or releasing one checks that token in the same statement.
 */
export class SqlWebhookDeliveryQueue implements WebhookDeliveryQueue {
  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async oldestUndispatchedAt(): Promise<Date | null> {
    // past the relay's position, or a gap it still waits for (migration 0008): the primary key answers it
    const [row] = await this.db.query<{ created_at: Date }>(OLDEST_UNDISPATCHED_SQL, [RELAY_CONSUMER]);
    return row === undefined ? null : new Date(row.created_at);
  }

  /**
   * Fans out the next batch of outbox rows past the relay's position (see migration 0008): one instance at a
   * time (the position row is locked; another instance finds it locked and returns 0), one small update of
   * that row per batch instead of one per event.
   */
  async dispatchOutbox(now: Date, limit: number, describe: WebhookDescriber): Promise<number> {
    return this.db.transaction(async (tx) => {
      // One relay at a time. An advisory lock rather than FOR UPDATE on the row: locking a row gives this
      // transaction its xid now, and the gaps' horizon must be an xid taken after the events were read.
      const [locked] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        RELAY_LOCK_KEY,
      ]);
      if (locked?.locked !== true) return 0;
      const positions = await tx.query<PositionRow>(
        `SELECT position::text AS position, gap_ids::text[] AS gap_ids, gap_horizons::text[] AS gap_horizons
         FROM outbox_positions WHERE consumer = $1`,
        [RELAY_CONSUMER],
      );
      const position = positions[0];
      if (position === undefined) return 0;
      const gapIds = position.gap_ids.map(Number);
      // the events and the snapshot they were read in, in one statement (so the horizon test below holds)
      const [read] = await tx.query<{ xmin: string; events: OutboxRow[] }>(RELAY_READ_SQL, [
        position.position,
        gapIds,
        limit,
      ]);
      if (read === undefined) return 0;
      const next = advancePosition(
        {
          position: Number(position.position),
          gaps: gapIds.map((id, i) => ({ id, horizon: BigInt(position.gap_horizons[i] ?? '0') })),
        },
        read.events.map((e) => Number(e.id)),
        BigInt(read.xmin),
      );
      const rows = read.events.slice(0, next.taken);
      const ids: string[] = [];
      const types: string[] = [];
      const sessions: string[] = [];
      const bodies: string[] = [];
      const apps: string[] = [];
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
        ids.push(String(row.id));
        types.push(described.type);
        sessions.push(row.session_id);
        bodies.push(described.body);
        apps.push(described.app ?? DEFAULT_APP);
      }
      if (ids.length > 0) {
        await tx.query(
          `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, session_id, body, status,
             next_attempt_at, created_at, updated_at)
           SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, b.event_id, b.event_type,
                  b.session_id, b.body, 'PENDING', $5, $5, $5
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $6::text[])
             AS b(event_id, event_type, session_id, body, app)
           -- an endpoint limited to some apps is told of their sessions only
           JOIN webhook_endpoints e ON e.enabled AND e.events ? b.event_type
             AND (e.apps IS NULL OR b.app = ANY (e.apps))
           ORDER BY b.event_id
           -- an endpoint being disabled meanwhile: wait for it, then skip it (its pending deliveries are failed
           -- by a later statement of that transaction, which sees the ones inserted here if we went first)
           FOR SHARE OF e
           ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
          [ids, types, sessions, bodies, now, apps],
        );
      }
      if (next.changed) {
        // a new gap's horizon (NEW_GAP) becomes this transaction's xid, taken here, after the read: any
        // transaction that could still write a passed-over id had its xid before the read, so a smaller one
        await tx.query(
          `UPDATE outbox_positions SET position = $2, gap_ids = $3::bigint[],
             gap_horizons = array_replace($4::bigint[], ${NEW_GAP}::bigint, pg_current_xact_id()::text::bigint),
             updated_at = $5
           WHERE consumer = $1`,
          [
            RELAY_CONSUMER,
            next.position,
            next.gaps.map((g) => g.id),
            next.gaps.map((g) => g.horizon.toString()),
            now,
          ],
        );
      }
      return rows.length;
    });
  }

  /**
   * Among the `limit` earliest due deliveries of endpoints with room (those locked by this claim), an endpoint
   * with nothing in flight is served first; a caller claims again while claims find work, and an endpoint at
   * its cap is passed over by the next claim. Another instance skips rows locked here.
   */
  async claimDue(
    now: Date,
    limit: number,
    leaseMs: number,
    claimToken: string,
    limits: WebhookClaimLimits = {},
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
             JOIN outbox_positions c ON c.consumer = 'webhooks'
             WHERE o.session_id = d.session_id AND o.id < d.event_id
               AND (o.id > c.position OR o.id = ANY(c.gap_ids)))
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
          ...deliveryIdentityOf(r),
          body: r.body,
          url: r.url,
          secrets,
          claimToken,
        };
      })
      .sort((a, b) => a.eventId - b.eventId);
  }

  async releaseClaim(claim: ClaimedWebhookDelivery, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $3, claim_token = NULL, updated_at = $3
       WHERE id = $1 AND claim_token = $2 AND status = 'PENDING'`,
      [claim.id, claim.claimToken, now],
    );
  }

  async finishAttempt(
    claim: ClaimedWebhookDelivery,
    outcome: WebhookAttemptOutcome,
    next: WebhookDeliveryNext,
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

  async redeliver(
    id: string,
    now: Date,
    owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER,
  ): Promise<WebhookDelivery | null> {
    const rows = await this.db.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = $2, claim_token = NULL,
         finished_at = NULL, updated_at = $2
       WHERE id = $1 AND ($3::text IS NULL OR endpoint_id IN (SELECT id FROM webhook_endpoints WHERE created_by = $3))
       RETURNING ${DELIVERY_COLUMNS}`,
      [id, now, owner],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }
}
