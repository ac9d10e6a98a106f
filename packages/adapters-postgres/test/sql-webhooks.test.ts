import { EVERY_ENDPOINT_OWNER, type WebhookEndpoint } from '@facegate/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AesGcmFieldCipher,
  type Database,
  loadMigrations,
  migrate,
  SqlWebhookDeliveryLog,
  SqlWebhookDeliveryQueue,
  SqlWebhookEndpointRepository,
} from '../src/index';
import { RELAY_LOCK_KEY } from '../src/sql-webhook-delivery-queue';
import { appendOutboxEvent } from '../src/testing';
import { allHarnesses, openMigrated } from './support/drivers';
import { uniqueId } from './support/session-mother';

const harnesses = await allHarnesses({ disk: false });
const cipher = new AesGcmFieldCipher(Buffer.alloc(32, 7));
/** The three webhook adapters over one database, as the gateway composes them. */
const webhookStore = (db: Database) => {
  const endpoints = new SqlWebhookEndpointRepository(db, cipher);
  const queue = new SqlWebhookDeliveryQueue(db, cipher);
  const log = new SqlWebhookDeliveryLog(db);
  return { endpoints, queue, log };
};
const describeRow = (row: { sessionId: string; payload: unknown }) => ({
  type: 'verification.started',
  body: JSON.stringify({ id: row.sessionId, payload: row.payload }),
});

for (const harness of harnesses) {
  describe(`the SQL webhook endpoints, delivery queue and log on ${harness.name}`, () => {
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
      const store = webhookStore(db);
      const now = new Date();
      const endpoint = await store.endpoints.create({
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
          app: 'default',
          sessionId: ids[i % sessions]!,
          status: 'PENDING',
          attempts: 0,
          occurredAt: now,
        });
      }
      while ((await store.queue.dispatchOutbox(now, 1000, describeRow)) > 0) {
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
      const claims = await webhookStore(db).queue.claimDue(now, 100, 60_000, 't1');
      const mine = claims.filter((c) => c.endpointId === endpoint.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.secrets).toEqual(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
      await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    });

    it('two claimers at once never take the same delivery; a lost lease makes it due again', async () => {
      const { endpoint, now } = await endpointWithEvents(40);
      const a = webhookStore(db);
      const b = webhookStore(second);
      const [fromA, fromB] = await Promise.all([
        a.queue.claimDue(now, 25, 60_000, 'a'),
        b.queue.claimDue(now, 25, 60_000, 'b'),
      ]);
      const ids = [...fromA, ...fromB].filter((c) => c.endpointId === endpoint.id).map((c) => c.id);
      expect(ids).toHaveLength(40);
      expect(new Set(ids).size).toBe(40);
      // within the lease nothing is due; after it, everything again
      expect(
        (await a.queue.claimDue(now, 100, 60_000, 'c')).filter((c) => c.endpointId === endpoint.id),
      ).toEqual([]);
      const later = new Date(now.getTime() + 61_000);
      const again = await a.queue.claimDue(later, 100, 60_000, 'd');
      expect(again.filter((c) => c.endpointId === endpoint.id)).toHaveLength(40);
      // a finish under a lost lease records the attempt but does not move the delivery
      const stale = fromA.find((c) => c.endpointId === endpoint.id)!;
      await a.queue.finishAttempt(
        stale,
        { attemptedAt: later, statusCode: 200, latencyMs: 5, responseExcerpt: 'ok', error: null },
        { status: 'DELIVERED', retryAt: null },
      );
      expect((await a.log.find(stale.id))?.status).toBe('PENDING');
      expect(await a.log.attemptsOf([stale.id])).toHaveLength(1);
      await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    });

    it('holds back a later event of a session until the earlier one is finished', async () => {
      const { store, endpoint, now } = await endpointWithEvents(2, 1);
      const first = (await store.queue.claimDue(now, 100, 60_000, 'x')).filter(
        (c) => c.endpointId === endpoint.id,
      );
      expect(first).toHaveLength(1);
      const later = new Date(now.getTime() + 61_000);
      // the lease ran out: the same (first) event is due again, the second still waits
      const retry = (await store.queue.claimDue(later, 100, 60_000, 'y')).filter(
        (c) => c.endpointId === endpoint.id,
      );
      expect(retry.map((c) => c.eventId)).toEqual([first[0]!.eventId]);
      await store.queue.finishAttempt(
        retry[0]!,
        { attemptedAt: later, statusCode: 204, latencyMs: 3, responseExcerpt: '', error: null },
        { status: 'DELIVERED', retryAt: null },
      );
      const next = (await store.queue.claimDue(later, 100, 60_000, 'z')).filter(
        (c) => c.endpointId === endpoint.id,
      );
      expect(next).toHaveLength(1);
      expect(next[0]!.eventId).toBeGreaterThan(first[0]!.eventId);
      await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
    });

    /** The relay's position row (migration 0008). */
    async function relayPosition() {
      const [row] = await db.query<{ position: string; gap_ids: string[] }>(
        "SELECT position::text AS position, gap_ids::text[] AS gap_ids FROM outbox_positions WHERE consumer = 'webhooks'",
      );
      return { position: Number(row!.position), gaps: row!.gap_ids.map(Number) };
    }

    const drain = async (store: ReturnType<typeof webhookStore>, now: Date) => {
      while ((await store.queue.dispatchOutbox(now, 1000, describeRow)) > 0) {
        // until every event read is fanned out
      }
    };

    const deliveriesOf = async (endpointId: string) =>
      (
        await db.query<{ session_id: string }>(
          'SELECT session_id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY event_id',
          [endpointId],
        )
      ).map((r) => r.session_id);

    // two connections at once: PostgreSQL only (PGlite has one)
    if (harness.openSecond !== undefined) {
      it('fans out an event that commits after a later one was fanned out, and drops the id of one rolled back', async () => {
        const { store, endpoint, now } = await endpointWithEvents(0);
        const event = (sessionId: string) => ({
          type: 'verification.updated' as const,
          sessionId,
          app: 'default',
          status: 'PENDING' as const,
          attempts: 0,
          occurredAt: now,
        });
        const late = uniqueId();
        const onTime = uniqueId();
        const rolledBack = uniqueId();
        // a writer takes an outbox id and holds its transaction open while a later id commits and is fanned out
        let commitLate!: () => void;
        const lateMayCommit = new Promise<void>((resolve) => {
          commitLate = resolve;
        });
        let lateWritten!: () => void;
        const lateInserted = new Promise<void>((resolve) => {
          lateWritten = resolve;
        });
        const lateWriter = second.transaction(async (tx) => {
          await appendOutboxEvent(tx, event(late));
          lateWritten();
          await lateMayCommit;
        });
        await lateInserted;
        await appendOutboxEvent(db, event(onTime));
        await drain(store, now);
        expect(await deliveriesOf(endpoint.id)).toEqual([onTime]);
        const passedOver = await relayPosition();
        expect(passedOver.gaps).toHaveLength(1);

        commitLate();
        await lateWriter;
        await drain(store, now);
        expect(await deliveriesOf(endpoint.id)).toEqual([late, onTime]);
        expect((await relayPosition()).gaps).toEqual([]);

        // an id whose INSERT was rolled back is waited for only until its writer has ended, then dropped
        await second
          .transaction(async (tx) => {
            await appendOutboxEvent(tx, event(rolledBack));
            throw new Error('roll back');
          })
          .catch(() => {});
        await appendOutboxEvent(db, event(onTime));
        // the batch that passes over it keeps it as a gap
        expect(await store.queue.dispatchOutbox(now, 1000, describeRow)).toBe(1);
        expect((await relayPosition()).gaps).toHaveLength(1);
        // a later batch drops it (any other long transaction on the server may hold that back a while)
        await expect
          .poll(
            async () => {
              await store.queue.dispatchOutbox(now, 1000, describeRow);
              return (await relayPosition()).gaps;
            },
            { timeout: 20_000, interval: 200 },
          )
          .toEqual([]);
        expect(await deliveriesOf(endpoint.id)).toEqual([late, onTime, onTime]);
        await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
      });

      it('lets one relay at a time read the outbox: a second finds it busy and fans out nothing', async () => {
        const { store, endpoint, now } = await endpointWithEvents(0);
        await appendOutboxEvent(db, {
          type: 'verification.updated',
          app: 'default',
          sessionId: uniqueId(),
          status: 'PENDING',
          attempts: 0,
          occurredAt: now,
        });
        // another relay (on another connection) is inside its batch: it holds the relay's lock
        let release!: () => void;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        let locked!: () => void;
        const holding = new Promise<void>((resolve) => {
          locked = resolve;
        });
        const otherRelay = second.transaction(async (tx) => {
          await tx.query(`SELECT pg_advisory_xact_lock(${RELAY_LOCK_KEY})`);
          locked();
          await released;
        });
        await holding;
        expect(await store.queue.dispatchOutbox(now, 1000, describeRow)).toBe(0);
        expect(await deliveriesOf(endpoint.id)).toEqual([]);
        release();
        await otherRelay;
        expect(await store.queue.dispatchOutbox(now, 1000, describeRow)).toBe(1);
        expect(await deliveriesOf(endpoint.id)).toHaveLength(1);
        await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.id]);
      });
    }

    /** Endpoints created first, then `sessions` events fanned out to all of them (one delivery each). */
    async function endpointsWithEvents(owners: string[], sessions: number) {
      const store = webhookStore(db);
      const now = new Date();
      const endpoints: WebhookEndpoint[] = [];
      for (const owner of owners) {
        endpoints.push(
          await store.endpoints.create({
            id: `we_${uniqueId()}`,
            url: 'http://127.0.0.1:9/x',
            description: '',
            events: ['verification.started'],
            secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
            createdBy: owner,
            now,
          }),
        );
      }
      for (let i = 0; i < sessions; i++) {
        await appendOutboxEvent(db, {
          type: 'verification.updated',
          app: 'default',
          sessionId: uniqueId(),
          status: 'PENDING',
          attempts: 0,
          occurredAt: now,
        });
      }
      while ((await store.queue.dispatchOutbox(now, 1000, describeRow)) > 0) {
        // until every event is fanned out
      }
      const cleanup = () =>
        db.query('DELETE FROM webhook_endpoints WHERE id = ANY($1::text[])', [endpoints.map((e) => e.id)]);
      return { store, endpoints, now, cleanup };
    }

    it("an owner reaches only its own endpoints and their deliveries; another's read as missing", async () => {
      const [a, b] = [`key_${uniqueId()}`, `key_${uniqueId()}`];
      const { store, endpoints, now, cleanup } = await endpointsWithEvents([a, b], 1);
      const [mine, theirs] = endpoints as [(typeof endpoints)[0], (typeof endpoints)[0]];
      const theirDelivery = (await store.log.list(theirs.id, null, 1, null)).items[0]!;
      expect((await store.endpoints.list(a)).map((e) => e.id)).toEqual([mine.id]);
      expect((await store.endpoints.list(EVERY_ENDPOINT_OWNER)).map((e) => e.id)).toEqual(
        expect.arrayContaining([mine.id, theirs.id]),
      );
      expect(await store.endpoints.find(theirs.id, a)).toBeNull();
      expect(await store.endpoints.update(theirs.id, { url: 'http://127.0.0.1:8/evil' }, now, a)).toBeNull();
      expect(await store.endpoints.rotateSecret(theirs.id, 'whsec_evil', now, now, a)).toBeNull();
      expect(await store.log.find(theirDelivery.id, a)).toBeNull();
      expect(await store.queue.redeliver(theirDelivery.id, now, a)).toBeNull();
      expect(await store.endpoints.delete(theirs.id, a)).toBe(false);
      // nothing changed: same URL, never rotated, still there
      expect(await store.endpoints.find(theirs.id, b)).toMatchObject({
        url: 'http://127.0.0.1:9/x',
        previousSecretExpiresAt: null,
      });
      // the owner, and EVERY_ENDPOINT_OWNER, reach it
      expect(await store.log.find(theirDelivery.id, b)).toMatchObject({ id: theirDelivery.id });
      expect(
        await store.endpoints.rotateSecret(theirs.id, 'whsec_new', now, now, EVERY_ENDPOINT_OWNER),
      ).not.toBeNull();
      expect(await store.endpoints.delete(theirs.id, b)).toBe(true);
      await cleanup();
    });

    it('spreads a claim over endpoints: perEndpoint each, one while failing, an idle endpoint first', async () => {
      const owner = `key_${uniqueId()}`;
      const { store, endpoints, now, cleanup } = await endpointsWithEvents([owner, owner, owner], 6);
      const [x, y, failing] = endpoints.map((e) => e.id) as [string, string, string];
      await db.query('UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1', [failing, now]);
      const ours = new Set(endpoints.map((e) => e.id));
      const count = (claims: { endpointId: string }[]) => {
        const per = new Map<string, number>();
        for (const c of claims.filter((c) => ours.has(c.endpointId))) {
          per.set(c.endpointId, (per.get(c.endpointId) ?? 0) + 1);
        }
        return Object.fromEntries([x, y, failing].map((id) => [id, per.get(id) ?? 0]));
      };
      const claim = (
        token: string,
        limits: Parameters<SqlWebhookDeliveryQueue['claimDue']>[4],
        limit = 100,
      ) => store.queue.claimDue(now, limit, 60_000, token, limits);

      expect(count(await claim('c1', { perEndpoint: 2 }))).toEqual({ [x]: 2, [y]: 2, [failing]: 1 });
      // what the claimer holds counts against each endpoint's share
      expect(
        count(
          await claim('c2', {
            perEndpoint: 2,
            inFlight: new Map([
              [x, 2],
              [y, 2],
              [failing, 1],
            ]),
          }),
        ),
      ).toEqual({ [x]: 0, [y]: 0, [failing]: 0 });
      expect(
        count(
          await claim('c3', {
            perEndpoint: 2,
            inFlight: new Map([
              [x, 1],
              [y, 2],
              [failing, 1],
            ]),
          }),
        ),
      ).toEqual({ [x]: 1, [y]: 0, [failing]: 0 });
      // no shared slot left: only endpoints with nothing in flight get one (their first)
      expect(
        count(await claim('c4', { perEndpoint: 4, sharedLimit: 0, inFlight: new Map([[x, 3]]) })),
      ).toEqual({ [x]: 0, [y]: 1, [failing]: 1 });
      // the first slots come before anyone's second: with room for two, two endpoints get one each
      await db.query(
        'UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE endpoint_id = ANY($1::text[])',
        [[x, y, failing], now],
      );
      await db.query('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1', [failing]);
      const two = count(await claim('c5', { perEndpoint: 4 }, 2));
      expect(Object.values(two).sort()).toEqual([0, 1, 1]);
      await cleanup();
    });

    it('gives a released claim back: due again at once, and only under the claim that holds it', async () => {
      const { store, endpoints, now, cleanup } = await endpointsWithEvents([`key_${uniqueId()}`], 1);
      const [held] = (await store.queue.claimDue(now, 100, 60_000, 'holder')).filter(
        (c) => c.endpointId === endpoints[0]!.id,
      );
      expect(
        (await store.queue.claimDue(now, 100, 60_000, 'other')).filter((c) => c.id === held!.id),
      ).toEqual([]);
      await store.queue.releaseClaim({ ...held!, claimToken: 'not-the-holder' }, now);
      expect(
        (await store.queue.claimDue(now, 100, 60_000, 'other')).filter((c) => c.id === held!.id),
      ).toEqual([]);
      await store.queue.releaseClaim(held!, now);
      const again = (await store.queue.claimDue(now, 100, 60_000, 'next')).filter((c) => c.id === held!.id);
      expect(again).toHaveLength(1);
      expect((await store.log.find(held!.id))?.attempts).toBe(0);
      await cleanup();
    });
  });
}

for (const harness of await allHarnesses({ disk: false })) {
  describe(`migration 0006 on ${harness.name}`, () => {
    afterAll(async () => {
      await harness.destroy();
    });

    it('rewrites stored attempt errors to their category, drops stored excerpts, and admits only categories', async () => {
      const db = await harness.open();
      try {
        const all = await loadMigrations();
        const before = all.filter((m) => m.version < '0006');
        await migrate(db, before);
        await db.query(
          `INSERT INTO webhook_endpoints (id, url, events, secret_sealed, created_by, created_at, updated_at)
           VALUES ('we_m', 'https://x.example/h', '["verification.started"]', 's', 'cli', now(), now())`,
        );
        await db.query(
          `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, session_id, body, status,
             next_attempt_at, created_at, updated_at, last_error)
           VALUES ('msg_m', 'we_m', 1, 'verification.started', 's1', '{}', 'FAILED', now(), now(), now(),
             'endpoint disabled after failing continuously')`,
        );
        const stored = [
          [
            "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames: DNS:internal.corp",
            'TLS_ERROR',
          ],
          ['timed out', 'TIMEOUT'],
          ['HTTP 503', 'HTTP_503'],
          ['address not allowed', 'ADDRESS_NOT_ALLOWED'],
          ['ECONNREFUSED: connect ECONNREFUSED 10.0.0.7:8443', 'CONNECTION_REFUSED'],
          ['ENOTFOUND: getaddrinfo ENOTFOUND hooks.internal.corp', 'DNS_ERROR'],
          ['something else entirely at 10.1.2.3', 'REQUEST_FAILED'],
        ];
        for (const [error] of stored) {
          await db.query(
            `INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error)
             VALUES ('msg_m', now(), NULL, 1, 'an internal answer', $1)`,
            [error],
          );
        }
        expect(await migrate(db, all)).toEqual(all.filter((m) => m.version >= '0006').map((m) => m.version));
        const rows = await db.query<{ error: string; response_excerpt: string | null }>(
          "SELECT error, response_excerpt FROM webhook_attempts WHERE delivery_id = 'msg_m' ORDER BY id",
        );
        expect(rows).toEqual(stored.map(([, category]) => ({ error: category, response_excerpt: null })));
        const [delivery] = await db.query<{ last_error: string }>(
          "SELECT last_error FROM webhook_deliveries WHERE id = 'msg_m'",
        );
        expect(delivery!.last_error).toBe('ENDPOINT_FAILING');
        // and from now on only a category fits
        await expect(
          db.query(
            `INSERT INTO webhook_attempts (delivery_id, attempted_at, latency_ms, error)
             VALUES ('msg_m', now(), 1, 'connect ECONNREFUSED 10.0.0.7:8443')`,
          ),
        ).rejects.toThrow(/webhook_attempts_error_is_category/);
        await expect(
          db.query(
            `UPDATE webhook_deliveries SET last_error = 'Host: x. is not in the cert''s altnames' WHERE id = 'msg_m'`,
          ),
        ).rejects.toThrow(/webhook_deliveries_last_error_is_category/);
      } finally {
        await db.close();
      }
    });
  });
}
