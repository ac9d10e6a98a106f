import type { VerificationEvent } from '@facegate/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Database,
  parseVerificationEvent,
  SqlOutboxFeed,
  SqlOutboxPruner,
  serializeVerificationEvent,
  subscribeToVerificationEvents,
} from '../src/index';
import { appendOutboxEvent } from '../src/testing';
import { allHarnesses, openMigrated } from './support/drivers';
import { uniqueId, vectors } from './support/session-mother';

const harnesses = await allHarnesses({ disk: false });

const anEvent = (overrides: Partial<VerificationEvent> = {}): VerificationEvent => ({
  type: 'verification.updated',
  sessionId: uniqueId(),
  app: 'default',
  status: 'VERIFIED',
  attempts: 1,
  occurredAt: new Date('2030-01-01T00:00:05.123Z'),
  ...overrides,
});

/** Resolves with the first `count` items pushed, or rejects after a generous timeout (no timing assertion). */
function collector<T>(count: number) {
  const items: T[] = [];
  let resolve!: (items: T[]) => void;
  const done = new Promise<T[]>((r) => {
    resolve = r;
  });
  return {
    push: (item: T) => {
      items.push(item);
      if (items.length === count) resolve(items);
    },
    items,
    done: () =>
      Promise.race([
        done,
        new Promise<T[]>((_, reject) =>
          setTimeout(() => reject(new Error(`received ${items.length} of ${count}`)), 10_000).unref(),
        ),
      ]),
  };
}

describe('verification event wire format', () => {
  it('carries ids, status, count and an ISO date, and parses back to the same event', () => {
    const event = anEvent();
    const wire = serializeVerificationEvent(event);
    expect(JSON.parse(wire)).toEqual({
      type: 'verification.updated',
      sessionId: event.sessionId,
      app: 'default',
      status: 'VERIFIED',
      attempts: 1,
      occurredAt: '2030-01-01T00:00:05.123Z',
    });
    expect(parseVerificationEvent(wire)).toEqual(event);
    const other = anEvent({ app: 'retail' });
    expect(parseVerificationEvent(serializeVerificationEvent(other))).toEqual(other);
  });

  it("reads an event stored before apps (no app) as the default app's", () => {
    const { app: _app, ...before } = JSON.parse(serializeVerificationEvent(anEvent({ app: 'retail' })));
    expect(parseVerificationEvent(JSON.stringify(before))?.app).toBe('default');
  });

  it('ignores anything that is not a well-formed event', () => {
    const good = JSON.parse(serializeVerificationEvent(anEvent()));
    for (const bad of [
      'not json',
      'null',
      '[]',
      JSON.stringify({ ...good, type: 'other' }),
      JSON.stringify({ ...good, status: 'DONE' }),
      JSON.stringify({ ...good, sessionId: '' }),
      JSON.stringify({ ...good, attempts: 1.5 }),
      JSON.stringify({ ...good, occurredAt: 'yesterday' }),
      JSON.stringify({ ...good, app: '' }),
      JSON.stringify({ ...good, app: 7 }),
    ]) {
      expect(parseVerificationEvent(bad)).toBeNull();
    }
  });
});

for (const harness of harnesses) {
  describe(`the event outbox on ${harness.name}`, () => {
    let db: Database;
    let listenerDb: Database;

    beforeAll(async () => {
      db = await openMigrated(harness);
      // PostgreSQL: the listener is another connection pool, as another gateway instance would be.
      // PGlite is one connection per process, so there the listener shares it.
      listenerDb = harness.openSecond ? await harness.openSecond() : db;
    });

    afterAll(async () => {
      if (listenerDb !== db) await listenerDb?.close();
      await db?.close();
      await harness.destroy();
    });

    it('writes an outbox row that a reader polling another connection reports, in order', async () => {
      const received = collector<VerificationEvent>(2);
      const unsubscribe = await subscribeToVerificationEvents(listenerDb, received.push, { intervalMs: 50 });
      const first = anEvent({ status: 'PENDING', attempts: 0 });
      const second = anEvent({ sessionId: first.sessionId, status: 'FAILED', attempts: 1 });
      await appendOutboxEvent(db, first);
      await appendOutboxEvent(db, second);
      expect(await received.done()).toEqual([first, second]);
      await unsubscribe();

      const rows = await db.query<{ event_type: string; payload: unknown }>(
        'SELECT event_type, payload FROM event_outbox WHERE session_id = $1 ORDER BY id',
        [first.sessionId],
      );
      expect(rows).toEqual([
        {
          event_type: 'verification.updated',
          payload: JSON.parse(serializeVerificationEvent(first)),
        },
        {
          event_type: 'verification.updated',
          payload: JSON.parse(serializeVerificationEvent(second)),
        },
      ]);
    });

    it('reports a row that commits after a higher id was already read (sequence gap), and stops on stop()', async () => {
      const received: VerificationEvent[] = [];
      const feed = new SqlOutboxFeed(listenerDb, (e) => received.push(e), { intervalMs: 60_000 });
      await feed.start();
      // take an id now, commit its row only after a later row was written and read
      const taken = await db.query<{ id: string }>(
        "SELECT nextval(pg_get_serial_sequence('event_outbox', 'id'))::text AS id",
      );
      const early = taken[0]!.id;
      const later = anEvent();
      await appendOutboxEvent(db, later);
      await feed.poll();
      expect(received).toEqual([later]);
      const late = anEvent();
      await db.query(
        "INSERT INTO event_outbox (id, event_type, session_id, payload) VALUES ($1, 'verification.updated', $2, $3::text::jsonb)",
        [early, late.sessionId, serializeVerificationEvent(late)],
      );
      await feed.poll();
      expect(received).toEqual([later, late]);
      await feed.stop();
      await appendOutboxEvent(db, anEvent());
      await feed.poll();
      expect(received).toEqual([later, late]);
    });

    it('puts nothing personal in the outbox (ids, status and counts only)', async () => {
      await appendOutboxEvent(db, anEvent());
      const rows = await db.query<{ t: string }>('SELECT payload::text AS t FROM event_outbox');
      const dump = rows.map((r) => r.t).join('\n');
      for (const v of vectors) {
        expect(dump).not.toContain(v.name);
        expect(dump).not.toContain(v.idCardNumber);
      }
      for (const r of rows) {
        expect(Object.keys(JSON.parse(r.t)).sort()).toEqual([
          'app',
          'attempts',
          'occurredAt',
          'sessionId',
          'status',
          'type',
        ]);
      }
    });

    it('prunes rows older than a cutoff and keeps the newer ones', async () => {
      const outbox = new SqlOutboxPruner(db);
      const oldEvent = anEvent();
      await appendOutboxEvent(db, oldEvent);
      await db.query("UPDATE event_outbox SET created_at = now() - interval '8 days' WHERE session_id = $1", [
        oldEvent.sessionId,
      ]);
      // fanned out to webhooks: the relay's position is past it
      await db.query(
        "UPDATE outbox_positions SET position = (SELECT max(id) FROM event_outbox) WHERE consumer = 'webhooks'",
      );
      // written as long ago but never fanned out to webhooks: kept
      const undelivered = anEvent();
      await appendOutboxEvent(db, undelivered);
      await db.query("UPDATE event_outbox SET created_at = now() - interval '8 days' WHERE session_id = $1", [
        undelivered.sessionId,
      ]);
      const fresh = anEvent();
      await appendOutboxEvent(db, fresh);
      const cutoff = new Date(Date.now() - 7 * 24 * 3600_000);
      expect(await outbox.prune(cutoff)).toBeGreaterThanOrEqual(1);
      const left = await db.query<{ session_id: string }>(
        'SELECT session_id FROM event_outbox WHERE session_id = ANY($1::text[])',
        [`{${oldEvent.sessionId},${fresh.sessionId},${undelivered.sessionId}}`],
      );
      expect(left.map((r) => r.session_id).sort()).toEqual([fresh.sessionId, undelivered.sessionId].sort());
      expect(await outbox.prune(cutoff)).toBe(0);
    });
  });
}
