import {
  type AuditChainHead,
  type AuditEvent,
  type AuditEventFilter,
  type AuditEventPage,
  type AuditLog,
  type AuditRetentionResult,
  type CheckpointPolicy,
  chainAuditEvents,
  checkpointDue,
  checkpointEvent,
  EMPTY_CHAIN,
  type NewAuditEvent,
  retentionEvent,
  type Sha256Hex,
} from '@facegate/domain';
import type { Database, Queryable } from './database/database';

/** Arbitrary constant naming the audit trail's writer lock among other advisory locks on a shared server. */
const AUDIT_WRITER_LOCK_KEY = '7244916022300451009';

interface AuditRow {
  sequence: string | number;
  occurred_at: Date;
  actor: string;
  actor_name: string | null;
  action: string;
  targets: string[];
  request_id: string | null;
  client_address_hmac: string | null;
  outcome: string;
  details: AuditEvent['details'];
  previous_hash: string;
  hash: string;
}

const COLUMNS =
  'sequence, occurred_at, actor, actor_name, action, targets, request_id, client_address_hmac, outcome, details, previous_hash, hash';

/**
 * The audit trail on PostgreSQL and PGlite: an append-only table (a trigger refuses UPDATE, DELETE and
 * TRUNCATE; migration 0009). One writer per batch: an append takes a transaction-scoped advisory lock, reads
 * the head, chains its rows after it and inserts them in one statement, so instances writing at once take
 * turns and the sequence and chain stay whole. The lock is held for three short statements, once per batch.
 */
export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly db: Database,
    private readonly sha256: Sha256Hex,
  ) {}

  append(events: readonly NewAuditEvent[], checkpoint?: CheckpointPolicy): Promise<AuditEvent[]> {
    if (events.length === 0 && checkpoint === undefined) return Promise.resolve([]);
    return this.db.transaction(async (tx) => {
      await lockWriters(tx);
      const written = chainAuditEvents(this.sha256, await headOf(tx), events);
      if (checkpoint !== undefined) {
        const head = written.at(-1) ?? (await headOf(tx));
        const last = await tx.query<{ seq: string; occurred_at: Date }>(
          `SELECT sequence::text AS seq, occurred_at FROM audit_events WHERE action = 'audit.checkpoint'
           ORDER BY sequence DESC LIMIT 1`,
        );
        const previous =
          last[0] === undefined ? null : { sequence: Number(last[0].seq), occurredAt: last[0].occurred_at };
        const headNow = { sequence: head.sequence, hash: head.hash };
        if (checkpointDue(headNow, previous, checkpoint)) {
          written.push(
            ...chainAuditEvents(this.sha256, headNow, [
              checkpointEvent(checkpoint.signer, headNow, checkpoint.now),
            ]),
          );
        }
      }
      await insertRows(tx, written);
      return written;
    });
  }

  head(): Promise<AuditChainHead> {
    return headOf(this.db);
  }

  async read(fromSequence: number, toSequence: number, limit: number): Promise<AuditEvent[]> {
    const rows = await this.db.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_events WHERE sequence >= $1 AND sequence <= $2 ORDER BY sequence LIMIT $3`,
      [fromSequence, toSequence, limit],
    );
    return rows.map(toEvent);
  }

  async sequenceBounds(from: Date | null, to: Date | null): Promise<{ first: number; last: number } | null> {
    const rows = await this.db.query<{ first: string | null; last: string | null }>(
      `SELECT min(sequence)::text AS first, max(sequence)::text AS last FROM audit_events
       WHERE ($1::timestamptz IS NULL OR occurred_at >= $1) AND ($2::timestamptz IS NULL OR occurred_at < $2)`,
      [from, to],
    );
    const row = rows[0];
    return row?.first == null || row.last == null
      ? null
      : { first: Number(row.first), last: Number(row.last) };
  }

  async query(filter: AuditEventFilter, first: number, after: number | null): Promise<AuditEventPage> {
    const rows = await this.db.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_events
       WHERE ($1::bigint IS NULL OR sequence < $1)
         AND ($2::text IS NULL OR actor = $2)
         AND ($3::text IS NULL OR action = $3)
         AND ($4::text IS NULL OR targets @> jsonb_build_array($4::text))
         AND ($5::timestamptz IS NULL OR occurred_at >= $5)
         AND ($6::timestamptz IS NULL OR occurred_at < $6)
       ORDER BY sequence DESC LIMIT $7`,
      [
        after,
        filter.actor ?? null,
        filter.action ?? null,
        filter.target ?? null,
        filter.from ?? null,
        filter.to ?? null,
        first + 1,
      ],
    );
    return { items: rows.slice(0, first).map(toEvent), hasNextPage: rows.length > first };
  }

  removeSegmentsBefore(cutoff: Date, now: Date): Promise<AuditRetentionResult> {
    return this.db.transaction(async (tx) => {
      await lockWriters(tx);
      const anchor = await tx.query<{ seq: string }>(
        `SELECT sequence::text AS seq FROM audit_events WHERE action = 'audit.checkpoint' AND occurred_at < $1
         ORDER BY sequence DESC LIMIT 1`,
        [cutoff],
      );
      if (anchor[0] === undefined) return { removedRows: 0, throughSequence: null };
      const through = Number(anchor[0].seq) - 1;
      // the trigger lets this transaction delete (see migration 0009); the setting ends with it
      await tx.query(`SELECT set_config('facegate.audit_retention', 'on', true)`);
      const deleted = await tx.query<{ n: string }>(
        `WITH gone AS (DELETE FROM audit_events WHERE sequence <= $1 RETURNING 1) SELECT count(*)::text AS n FROM gone`,
        [through],
      );
      await tx.query(`SELECT set_config('facegate.audit_retention', 'off', true)`);
      const removedRows = Number(deleted[0]?.n ?? 0);
      if (removedRows === 0) return { removedRows: 0, throughSequence: null };
      const result = { removedRows, throughSequence: through };
      await insertRows(
        tx,
        chainAuditEvents(this.sha256, await headOf(tx), [retentionEvent(result, cutoff, now)]),
      );
      return result;
    });
  }
}

async function lockWriters(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${AUDIT_WRITER_LOCK_KEY})`);
}

async function headOf(db: Queryable): Promise<AuditChainHead> {
  const rows = await db.query<{ seq: string; hash: string }>(
    'SELECT sequence::text AS seq, hash FROM audit_events ORDER BY sequence DESC LIMIT 1',
  );
  const row = rows[0];
  return row === undefined ? EMPTY_CHAIN : { sequence: Number(row.seq), hash: row.hash };
}

/** Every row in one statement: one round trip however large the batch. */
async function insertRows(tx: Queryable, rows: readonly AuditEvent[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO audit_events (${COLUMNS})
     SELECT sequence, occurred_at, actor, actor_name, action, targets, request_id, client_address_hmac, outcome,
            details, previous_hash, hash
     FROM jsonb_to_recordset($1::jsonb) AS r(sequence bigint, occurred_at timestamptz, actor text,
       actor_name text, action text, targets jsonb, request_id text, client_address_hmac text, outcome text,
       details jsonb, previous_hash text, hash text)`,
    [
      JSON.stringify(
        rows.map((r) => ({
          sequence: r.sequence,
          occurred_at: r.occurredAt.toISOString(),
          actor: r.actor,
          actor_name: r.actorName,
          action: r.action,
          targets: r.targets,
          request_id: r.requestId,
          client_address_hmac: r.clientAddressHmac,
          outcome: r.outcome,
          details: r.details,
          previous_hash: r.previousHash,
          hash: r.hash,
        })),
      ),
    ],
  );
}

function toEvent(row: AuditRow): AuditEvent {
  return {
    sequence: Number(row.sequence),
    occurredAt: row.occurred_at,
    actor: row.actor,
    actorName: row.actor_name,
    action: row.action,
    targets: row.targets,
    requestId: row.request_id,
    clientAddressHmac: row.client_address_hmac,
    outcome: row.outcome,
    details: row.details,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
