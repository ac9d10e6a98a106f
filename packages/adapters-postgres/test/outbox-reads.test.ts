import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrate, openDatabase } from '../src/index';
import { FEED_READ_SQL } from '../src/sql-outbox-feed';
import { OLDEST_UNDISPATCHED_SQL, RELAY_READ_SQL } from '../src/sql-webhook-delivery-queue';
import { createTestPostgresDatabase, postgresForTests } from '../src/testing';

/*
 * The outbox's readers (the feed every 200 ms, the webhook relay every batch, the outbox-lag gauge every
 * scrape) read the events past a position plus a few gaps below it. Their cost must not grow with the outbox:
 * on the generic plan PostgreSQL settles on after a few executions, a statement that filters the whole primary
 * key instead of reading a range costs a buffer per hundred rows of outbox. Checked on PostgreSQL's own
 * generic plans, with an outbox of 30,000 events and the position near its end.
 */

const postgres = await postgresForTests();
const OUTBOX_EVENTS = 30_000;

describe.runIf(postgres.run)('outbox reads on PostgreSQL', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let last: number;

  beforeAll(async () => {
    const created = await createTestPostgresDatabase(postgres.run ? postgres.adminUrl : '');
    drop = created.drop;
    db = await openDatabase({ url: created.url });
    await migrate(db);
    await db.query(
      `INSERT INTO event_outbox (event_type, session_id, payload)
       SELECT 'verification.updated', 'vs_' || g, '{}'::jsonb FROM generate_series(1, $1::int) g`,
      [OUTBOX_EVENTS],
    );
    await db.exec('ANALYZE event_outbox');
    const [max] = await db.query<{ id: string }>('SELECT max(id)::text AS id FROM event_outbox');
    last = Number(max!.id);
    // the relay is 20 events behind, and still waits for two ids it passed over long ago
    await db.query(
      "UPDATE outbox_positions SET position = $1, gap_ids = $2, gap_horizons = '{0,0}' WHERE consumer = 'webhooks'",
      [last - 20, [100, 5_000]],
    );
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  /** Buffers the statement touched when run on a forced generic plan, and the rows it returned. */
  async function onGenericPlan(sql: string, args: string): Promise<{ buffers: number; rows: number }> {
    return db.transaction(async (tx) => {
      await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan');
      await tx.exec(`PREPARE outbox_read AS ${sql}`);
      try {
        const [row] = await tx.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE outbox_read(${args})`,
        );
        const plan = row!['QUERY PLAN'][0].Plan;
        return {
          buffers: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0),
          rows: plan['Actual Rows'] ?? 0,
        };
      } finally {
        await tx.exec('DEALLOCATE outbox_read');
      }
    });
  }

  it("the relay's batch reads the events past its position and its gaps, not the whole outbox", async () => {
    const read = await onGenericPlan(RELAY_READ_SQL, `${last - 20}, '{100,5000}', 1000`);
    expect(read.buffers).toBeLessThan(60);
    const [events] = await db.query<{ events: { id: number }[] }>(
      `SELECT events FROM (${RELAY_READ_SQL}) r`,
      [last - 20, [100, 5_000], 1000],
    );
    expect(events!.events.map((e) => Number(e.id))).toEqual([
      100,
      5_000,
      ...Array.from({ length: 20 }, (_, i) => last - 19 + i),
    ]);
  });

  it('the outbox-lag gauge finds the oldest event not fanned out in a few buffers', async () => {
    const read = await onGenericPlan(OLDEST_UNDISPATCHED_SQL, "'webhooks'");
    expect(read.buffers).toBeLessThan(40);
    const [oldest] = await db.query<{ created_at: Date }>(OLDEST_UNDISPATCHED_SQL, ['webhooks']);
    const [gap] = await db.query<{ created_at: Date }>('SELECT created_at FROM event_outbox WHERE id = 100');
    expect(oldest!.created_at).toEqual(gap!.created_at);
  });

  it('the feed reads the events past its cursor and its gaps, not the whole outbox', async () => {
    const read = await onGenericPlan(FEED_READ_SQL, `${last - 5}, '{7}'`);
    expect(read.buffers).toBeLessThan(40);
    const rows = await db.query<{ id: string }>(FEED_READ_SQL, [last - 5, [7]]);
    expect(rows.map((r) => Number(r.id))).toEqual([7, last - 4, last - 3, last - 2, last - 1, last]);
  });
});
