import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestPostgresDatabase, postgresForTests } from '../src/testing';

const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/postgres';
const availability = await postgresForTests();

describe('postgresForTests when PostgreSQL is unreachable', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('fails loudly, naming the server and the way out', async () => {
    vi.stubEnv('FACEGATE_SKIP_POSTGRES', '');
    await expect(postgresForTests(UNREACHABLE)).rejects.toThrow(
      /^PostgreSQL not reachable at 127\.0\.0\.1:1\/postgres .*; start it or set FACEGATE_SKIP_POSTGRES=1$/,
    );
  });

  it('with FACEGATE_SKIP_POSTGRES=1 leaves the tests out and warns', async () => {
    vi.stubEnv('FACEGATE_SKIP_POSTGRES', '1');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const result = await postgresForTests(UNREACHABLE);
    expect(result.run).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/NOT registered and NOT run/);
  });
});

if (availability.run) {
  describe('createTestPostgresDatabase', () => {
    it('creates a fresh, empty database and drops it', async () => {
      const test = await createTestPostgresDatabase(availability.adminUrl);
      const name = new URL(test.url).pathname.slice(1);
      expect(name).toMatch(/^facegate_test_[0-9a-f]{16}$/);
      const client = new pg.Client({ connectionString: test.url });
      const terminated = new Promise<Error>((resolve) => client.on('error', resolve));
      await client.connect();
      const tables = await client.query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'",
      );
      expect(tables.rows).toEqual([]);
      // drop() succeeds even with a connection still open on it.
      await test.drop();
      expect((await terminated).message).toMatch(/terminat/i);
      await client.end().catch(() => {});
      const admin = new pg.Client({ connectionString: availability.adminUrl });
      await admin.connect();
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        expect(exists.rows).toEqual([]);
      } finally {
        await admin.end();
      }
    });
  });
}
