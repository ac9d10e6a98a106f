import type { VerificationEvent } from '@facegate/domain';
import type { Database } from './database/database';
import { parseVerificationEvent } from './outbox-event-codec';
import { outboxPastPosition } from './outbox-past-position';

export interface OutboxFeedOptions {
  /** How often the outbox is read; default 200 ms (subscriptions see a change within about this). */
  readonly intervalMs?: number;
  /** Called after each read that found new events (e.g. to wake the webhook relay). */
  readonly onNewEvents?: () => void;
  readonly onError?: (error: unknown) => void;
}

const BATCH = 1_000;
/** A missing id is waited for this long: an INSERT still in flight when a later one committed. */
const GAP_TTL_MS = 30_000;
const MAX_GAPS = 10_000;

/** The events past the cursor and the gaps still waited for (all below the cursor), every interval. */
export const FEED_READ_SQL = `SELECT id::text AS id, payload FROM (
    ${outboxPastPosition({ columns: 'id, payload', position: '$1', gaps: '$2::bigint[]', limit: BATCH })}
  ) u ORDER BY u.id LIMIT ${BATCH}`;

/**
 * Reads every event any instance writes to the outbox, in id order, by polling an indexed range
 * (`id > cursor`) every interval. Ids come from a sequence, so a row can commit after a higher id was read:
 * the ids skipped over are kept as gaps and asked for again for a while, so such a row is still seen.
 * (A rolled-back INSERT leaves a gap for good; it is dropped after GAP_TTL_MS.)
 */
export class SqlOutboxFeed {
  private cursor: number | null = null;
  private readonly gaps = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly onEvent: (event: VerificationEvent) => void,
    private readonly options: OutboxFeedOptions = {},
  ) {}

  /** Starts at the outbox's current end: only events written from now on are reported. */
  async start(): Promise<void> {
    const rows = await this.db.query<{ id: string | null }>('SELECT max(id)::text AS id FROM event_outbox');
    this.cursor = Number(rows[0]?.id ?? 0);
    const interval = this.options.intervalMs ?? 200;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.poll().finally(tick);
      }, interval);
      this.timer.unref();
    };
    tick();
  }

  /** One read; resolves once the events found were reported. */
  poll(): Promise<void> {
    this.running ??= this.read().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  private async read(): Promise<void> {
    if (this.cursor === null || this.stopped) return;
    try {
      const now = Date.now();
      for (const [id, since] of this.gaps) if (now - since > GAP_TTL_MS) this.gaps.delete(id);
      const rows = await this.db.query<{ id: string; payload: unknown }>(FEED_READ_SQL, [
        this.cursor,
        [...this.gaps.keys()],
      ]);
      for (const row of rows) {
        const id = Number(row.id);
        if (id > this.cursor) {
          for (let missing = this.cursor + 1; missing < id && this.gaps.size < MAX_GAPS; missing++) {
            this.gaps.set(missing, now);
          }
          this.cursor = id;
        } else {
          this.gaps.delete(id);
        }
        const event = parseVerificationEvent(
          typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload),
        );
        if (event !== null) this.onEvent(event);
      }
      if (rows.length > 0) this.options.onNewEvents?.();
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}

/**
 * Calls `onEvent` for every verification event written by any instance sharing the database, within about
 * one poll interval; resolves to a function that stops it.
 */
export async function subscribeToVerificationEvents(
  db: Database,
  onEvent: (event: VerificationEvent) => void,
  options: OutboxFeedOptions = {},
): Promise<() => Promise<void>> {
  const feed = new SqlOutboxFeed(db, onEvent, options);
  await feed.start();
  return () => feed.stop();
}
