import type { EventPublisher, VerificationEvent, VerificationUpdatedEvent } from '@facegate/domain';
import { VERIFICATION_STATUSES } from '@facegate/domain';
import type { Database } from './database/database';

/** The NOTIFY channel every FaceGate instance listens on. */
export const VERIFICATION_EVENTS_CHANNEL = 'facegate_events';

export interface OutboxLogger {
  warn(obj: object, msg: string): void;
}

/** The wire form of an event: ids, status and counts only (no PII), dates as ISO strings. */
export function serializeVerificationEvent(event: VerificationEvent): string {
  return JSON.stringify({
    type: event.type,
    sessionId: event.sessionId,
    status: event.status,
    attempts: event.attempts,
    occurredAt: event.occurredAt.toISOString(),
  });
}

/** Null for anything that is not a well-formed verification event. */
export function parseVerificationEvent(payload: string): VerificationUpdatedEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.type !== 'verification.updated') return null;
  if (typeof v.sessionId !== 'string' || v.sessionId === '') return null;
  if (typeof v.status !== 'string' || !(VERIFICATION_STATUSES as readonly string[]).includes(v.status))
    return null;
  if (typeof v.attempts !== 'number' || !Number.isInteger(v.attempts)) return null;
  if (typeof v.occurredAt !== 'string') return null;
  const occurredAt = new Date(v.occurredAt);
  if (Number.isNaN(occurredAt.getTime())) return null;
  return {
    type: 'verification.updated',
    sessionId: v.sessionId,
    status: v.status as VerificationUpdatedEvent['status'],
    attempts: v.attempts,
    occurredAt,
  };
}

/**
 * Writes each event to the outbox table and announces it with NOTIFY in the same statement, so listeners
 * hear of it only once it is durable, and every instance sharing the database hears of it.
 */
export class SqlOutboxEventPublisher implements EventPublisher {
  constructor(
    private readonly db: Database,
    private readonly logger: OutboxLogger = { warn: (obj, msg) => console.warn(msg, obj) },
  ) {}

  async publish(event: VerificationEvent): Promise<void> {
    const payload = serializeVerificationEvent(event);
    try {
      // One statement is one implicit transaction: the row and the NOTIFY commit together, in one round
      // trip instead of four (BEGIN, INSERT, NOTIFY, COMMIT).
      await this.db.query(
        `WITH written AS (
           INSERT INTO event_outbox (event_type, session_id, payload) VALUES ($1, $2, $3::text::jsonb) RETURNING 1
         )
         SELECT pg_notify($4, $3::text) FROM written`,
        [event.type, event.sessionId, payload, VERIFICATION_EVENTS_CHANNEL],
      );
    } catch (error) {
      // The port's contract: delivery trouble is logged and dropped, never thrown at the use case.
      this.logger.warn(
        { sessionId: event.sessionId, error: error instanceof Error ? error.message : String(error) },
        'could not publish verification event',
      );
    }
  }

  /** Deletes outbox rows written before `olderThan`; returns how many. */
  async prune(olderThan: Date): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      'WITH pruned AS (DELETE FROM event_outbox WHERE created_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM pruned',
      [olderThan],
    );
    return rows[0]?.n ?? 0;
  }
}

/** Calls `onEvent` for every verification event published by any instance sharing the database. */
export function subscribeToVerificationEvents(
  db: Database,
  onEvent: (event: VerificationUpdatedEvent) => void,
): Promise<() => Promise<void>> {
  return db.listen(VERIFICATION_EVENTS_CHANNEL, (payload) => {
    const event = parseVerificationEvent(payload);
    if (event !== null) onEvent(event);
  });
}
