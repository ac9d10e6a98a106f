import { randomBytes } from 'node:crypto';
import type { VerificationEvent } from '@facegate/domain';
import pg from 'pg';
import type { Queryable } from './database/database';
import { serializeVerificationEvent, sessionDetailsOf } from './outbox-event-codec';

/** Where tests find PostgreSQL: FACEGATE_TEST_POSTGRES_URL, else the local server (trust auth). */
export const TEST_POSTGRES_ADMIN_URL =
  process.env.FACEGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type PostgresTestAvailability =
  | { readonly run: true; readonly adminUrl: string }
  | { readonly run: false; readonly reason: string };

/**
 * Decides whether a test file registers its PostgreSQL tests. Unreachable PostgreSQL is a failure (thrown),
 * unless FACEGATE_SKIP_POSTGRES=1, in which case the tests are left out with a loud warning. It never passes
 * silently.
 */
export async function postgresForTests(
  adminUrl = TEST_POSTGRES_ADMIN_URL,
): Promise<PostgresTestAvailability> {
  const where = describeUrl(adminUrl);
  const problem = await reach(adminUrl);
  if (problem === null) return { run: true, adminUrl };
  if (process.env.FACEGATE_SKIP_POSTGRES === '1') {
    const reason = `PostgreSQL not reachable at ${where} (${problem}); FACEGATE_SKIP_POSTGRES=1 is set, so the PostgreSQL tests are NOT registered and NOT run`;
    console.warn(`\n${'!'.repeat(100)}\n!!! ${reason}\n${'!'.repeat(100)}\n`);
    return { run: false, reason };
  }
  throw new Error(
    `PostgreSQL not reachable at ${where} (${problem}); start it or set FACEGATE_SKIP_POSTGRES=1`,
  );
}

export interface TestPostgresDatabase {
  /** postgres:// URL of a new, empty database. */
  readonly url: string;
  /** Drops the database (closing any connections still open on it). */
  drop(): Promise<void>;
}

/** A fresh database `facegate_test_<random>` on the test server, so parallel test files never collide. */
export async function createTestPostgresDatabase(
  adminUrl = TEST_POSTGRES_ADMIN_URL,
): Promise<TestPostgresDatabase> {
  const name = `facegate_test_${randomBytes(8).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Seeds the outbox with one event, as the session repository writes it beside its session (with the
 * session's details when that session exists); for tests of the outbox's readers, which need events without
 * running a verification. Throws on failure.
 */
export async function appendOutboxEvent(db: Queryable, event: VerificationEvent): Promise<void> {
  await db.query(
    `INSERT INTO event_outbox (event_type, session_id, payload, session_details)
     SELECT $1, $2, $3::text::jsonb,
            (SELECT ${sessionDetailsOf('s')} FROM verification_sessions s WHERE s.id = $2)`,
    [event.type, event.sessionId, serializeVerificationEvent(event)],
  );
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function reach(adminUrl: string): Promise<string | null> {
  try {
    await withAdmin(adminUrl, (client) => client.query('SELECT 1'));
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  }
}

/** host:port/db without credentials. */
function describeUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}
