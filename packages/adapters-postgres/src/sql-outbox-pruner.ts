import type { OutboxPruner } from '@facegate/domain';
import type { Database } from './database/database';

/**
 * The outbox table's upkeep: drops old fanned-out rows. Events are not written here: the session repository
 * stores each in the statement that writes its session, so a crash between the two cannot lose one (tests
 * seed rows with `appendOutboxEvent` from `@facegate/adapters-postgres/testing`). Readers poll the table (see
 * sql-outbox-feed.ts) instead of being told by NOTIFY, so no notification queue is shared by every writer.
 */
export class SqlOutboxPruner implements OutboxPruner {
  constructor(private readonly db: Database) {}

  /**
   * Deletes outbox rows written before `olderThan` that were already fanned out to webhooks (an undelivered
   * event is never pruned), at most `batch` of them; returns how many. Safe to run from many instances at once.
   */
  async prune(olderThan: Date, batch = 5_000): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `WITH pruned AS (
         DELETE FROM event_outbox WHERE id IN (
           SELECT o.id FROM event_outbox o JOIN outbox_positions c ON c.consumer = 'webhooks'
           WHERE o.created_at < $1 AND o.id <= c.position AND NOT o.id = ANY(c.gap_ids) ORDER BY o.id LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM pruned`,
      [olderThan, batch],
    );
    return rows[0]?.n ?? 0;
  }
}
