import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmFieldCipher, type Database, SqlWebhookStore } from '../src/index';
import { appendOutboxEvent } from '../src/testing';
import { allHarnesses, openMigrated } from './support/drivers';
import { uniqueId } from './support/session-mother';

const harnesses = await allHarnesses({ disk: false });
const cipher = new AesGcmFieldCipher(Buffer.alloc(32, 7));
const describeRow = (row: { sessionId: string; payload: unknown }) => ({
  type: 'verification.started',
  body: JSON.stringify({ id: row.sessionId, payload: row.payload }),
});

for (const harness of harnesses) {
  describe(`SqlWebhookStore on ${harness.name}`, () => {
    let db: Database;
    let second: Database;

    beforeAll(async () => {
      db = await openMigrated(harness);
      second = harness.openSecond ? await harness.openSecond() : db;
    });
    afterAll(async () => {
      if (second !== db) await second?.close();
      await db?.close();
      await harness.destroy();
    });

    async function endpointWithEvents(events: number, sessions = events) {
      const store = new SqlWebhookStore(db, cipher);
      const now = new Date();
      const endpoint = await store.createEndpoint({
        id: `we_${uniqueId()}`,
        url: 'http://127.0.0.1:9/x',
        description: '',
        events: ['verification.started'],
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        createdBy: 'test',
        now,
      });
      const ids = Array.from({ length: sessions }, () => uniqueId());
      for (let i = 0; i < events; i++) {
        await appendOutboxEvent(db, {
          type: 'verification.updated',
          sessionId: ids[i % sessions]!,
          status: 'PENDING',
          attempts: 0,
          occurredAt: now,
        });
      }
      while ((await store.dispatchOutbox(now, 1000, describeRow)) > 0) {
        // until every event is fanned out
      }
      return { store, endpoint, now };
    }

    it('stores the secret sealed, and hands it back only to a claim', async () => {
      const { endpoint, now } = await endpointWithEvents(1);
      const [row] = await db.query<{ secret_sealed: string }>(
        'SELECT secret_sealed FROM webhook_endpoints WHERE id = $1',
        [endpoint.id],
      );
      expect(row!.secret_sealed).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      const claims = await new SqlWebhookStore(db, cipher).claimDue(now, 100, 60_000, 't1');
      const mine = claims.filter((c) => c.endpointId === endpoint.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.secrets).toEqual(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
      await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    });

    it('two claimers at once never take the same delivery; a lost lease makes it due again', async () => {
      const { endpoint, now } = await endpointWithEvents(40);
      const a = new SqlWebhookStore(db, cipher);
      const b = new SqlWebhookStore(second, cipher);
      const [fromA, fromB] = await Promise.all([
        a.claimDue(now, 25, 60_000, 'a'),
        b.claimDue(now, 25, 60_000, 'b'),
      ]);
      const ids = [...fromA, ...fromB].filter((c) => c.endpointId === endpoint.id).map((c) => c.id);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
      // within the lease nothing is due; after it, everything again
      expect((await a.claimDue(now, 100, 60_000, 'c')).filter((c) => c.endpointId === endpoint.id)).toEqual(
        [],
      );
      const later = new Date(now.getTime() + 61_000);
      const again = await a.claimDue(later, 100, 60_000, 'd');
      expect(again.filter((c) => c.endpointId === endpoint.id)).toHaveLength(40);
      // a finish under a lost lease records the attempt but does not move the delivery
      const stale = fromA.find((c) => c.endpointId === endpoint.id)!;
      await a.finishAttempt(
        stale,
        { attemptedAt: later, statusCode: 200, latencyMs: 5, responseExcerpt: 'ok', error: null },
        { status: 'DELIVERED', retryAt: null },
      );
      expect((await a.findDelivery(stale.id))?.status).toBe('PENDING');
      expect(await a.attemptsOf([stale.id])).toHaveLength(1);
      await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    });

    it('holds back a later event of a session until the earlier one is finished', async () => {
      const { store, endpoint, now } = await endpointWithEvents(2, 1);
      const first = (await store.claimDue(now, 100, 60_000, 'x')).filter((c) => c.endpointId === endpoint.id);
      expect(first).toHaveLength(1);
      const later = new Date(now.getTime() + 61_000);
      // the lease ran out: the same (first) event is due again, the second still waits
      const retry = (await store.claimDue(later, 100, 60_000, 'y')).filter(
        (c) => c.endpointId === endpoint.id,
      );
      expect(retry.map((c) => c.eventId)).toEqual([first[0]!.eventId]);
      await store.finishAttempt(
        retry[0]!,
        { attemptedAt: later, statusCode: 204, latencyMs: 3, responseExcerpt: '', error: null },
        { status: 'DELIVERED', retryAt: null },
      );
      const next = (await store.claimDue(later, 100, 60_000, 'z')).filter(
        (c) => c.endpointId === endpoint.id,
      );
      expect(next).toHaveLength(1);
      expect(next[0]!.eventId).toBeGreaterThan(first[0]!.eventId);
      await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    });
  });
}
