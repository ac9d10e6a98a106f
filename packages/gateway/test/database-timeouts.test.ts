import { type Database, openDatabase } from '@facegate/adapters-postgres';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from './support/flows';
import { CANCEL, errorCode, startTestGateway, type TestGateway } from './support/test-gateway';

/**
 * A stuck database (here: a row lock another connection never releases) must turn into a quick
 * UPSTREAM_UNAVAILABLE and a failing /readyz, not requests that hang for as long as the lock is held.
 */
describe('PostgreSQL statement and connection timeouts', () => {
  let pg: TestPostgresDatabase;
  let t: TestGateway;
  let other: Database;
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    t = await startTestGateway({
      database: 'postgres',
      postgresUrl: pg.url,
      env: {
        DATABASE_STATEMENT_TIMEOUT_MS: '1500',
        DATABASE_CONNECT_TIMEOUT_MS: '300',
        DATABASE_POOL_SIZE: '1',
      },
    });
    other = await openDatabase({ url: pg.url });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await pg?.drop();
  });

  it('a request blocked on a row lock fails with UPSTREAM_UNAVAILABLE within the statement timeout; /readyz fails meanwhile', async () => {
    const token = await t.signIn('o_lock_victim');
    const { session } = await start(t, token, { protocol: 'V2' });
    const id = String(session!.id);

    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = other.transaction(async (tx) => {
      await tx.query('SELECT id FROM verification_sessions WHERE id = $1 FOR UPDATE', [id]);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await isLocked;
    try {
      const began = Date.now();
      const cancel = t.gql(CANCEL, { id }, token);
      // wait (with a deadline) until the gateway's statement is really queued behind the lock
      const deadline = Date.now() + 1000;
      while (Date.now() < deadline) {
        const [row] = await other.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (row!.waiting > 0) break;
      }
      // with the pool's only connection waiting on the lock, readiness cannot get one: 503, not a hang
      const readyBegan = Date.now();
      const ready = await t.gateway.fetch('http://gateway/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ checks: { database: 'failed' } });
      expect(Date.now() - readyBegan).toBeLessThan(3000);

      const canceled = await cancel;
      const elapsed = Date.now() - began;
      expect(errorCode(canceled)).toBe('UPSTREAM_UNAVAILABLE');
      expect(canceled.body.errors?.[0]?.message).toMatch(/database/);
      expect(canceled.body.errors?.[0]?.extensions).toMatchObject({ retryable: true });
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      // the lock is held for as long as the test wants; the request is not
      expect(elapsed).toBeLessThan(8000);
      expect(t.logs.join('\n')).not.toMatch(/\n\s+at /);
    } finally {
      release();
      await holder;
    }
    // the lock gone, the same request goes through and readiness recovers
    expect((await t.gateway.fetch('http://gateway/readyz')).status).toBe(200);
    const retried = await t.gql(CANCEL, { id }, token);
    expect(retried.body.data?.cancelVerification?.status).toBe('CANCELED');
  });
});
