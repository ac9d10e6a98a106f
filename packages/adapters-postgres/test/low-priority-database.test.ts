import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, DatabaseConfigError, openDatabase, openLowPriorityDatabase } from '../src/index';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../src/testing';

/** Reads that may wait (the operator console) must not hold what the verification path needs. */
describe('openLowPriorityDatabase on PGlite (one connection)', () => {
  let primary: Database;
  let low: Database;
  beforeAll(async () => {
    primary = await openDatabase({ url: 'memory:' });
    low = await openLowPriorityDatabase(primary, {});
  });
  afterAll(async () => {
    await primary?.close();
  });

  it('runs queued low statements only once no ordinary statement waits', async () => {
    const order: string[] = [];
    const note = (name: string) => () => order.push(name);
    await Promise.all([
      low.query('SELECT count(*) FROM generate_series(1, 200000)').then(note('low 1')),
      low.query('SELECT 2').then(note('low 2')),
      primary.query('SELECT 1').then(note('primary 1')),
      low.query('SELECT 3').then(note('low 3')),
      primary.query('SELECT 2').then(note('primary 2')),
    ]);
    expect(order).toEqual(['primary 1', 'primary 2', 'low 1', 'low 2', 'low 3']);
  });

  it('lets requests arriving on the event loop go before the low statements still queued', async () => {
    const order: string[] = [];
    const lows = Array.from({ length: 5 }, (_, i) =>
      low.query('SELECT count(*) FROM generate_series(1, 50000)').then(() => order.push(`low ${i}`)),
    );
    // arrives like a request read from a socket: a macrotask after the low statements were queued
    const arriving = new Promise<void>((resolve) => {
      setImmediate(() => {
        primary.query('SELECT 1').then(() => {
          order.push('primary');
          resolve();
        });
      });
    });
    await Promise.all([...lows, arriving]);
    // at most the one low statement already running went before it
    expect(order.indexOf('primary')).toBeLessThanOrEqual(1);
  });

  it('is the same data, and closing it leaves the database open', async () => {
    await primary.query('CREATE TABLE shared_rows (x int)');
    await primary.query('INSERT INTO shared_rows VALUES (42)');
    expect(await low.query('SELECT x FROM shared_rows')).toEqual([{ x: 42 }]);
    await low.close();
    expect(await primary.query('SELECT x FROM shared_rows')).toEqual([{ x: 42 }]);
  });
});

describe('openLowPriorityDatabase on PostgreSQL', () => {
  let pg: TestPostgresDatabase;
  let primary: Database;
  let low: Database;
  beforeAll(async () => {
    pg = await createTestPostgresDatabase();
    primary = await openDatabase({ url: pg.url, poolMax: 2 });
    low = await openLowPriorityDatabase(primary, { url: pg.url, poolMax: 1 });
  });
  afterAll(async () => {
    await low?.close();
    await primary?.close();
    await pg?.drop();
  });

  it('has a pool of its own: a low statement holding all of it does not delay the primary pool', async () => {
    const held = low.query('SELECT pg_sleep(1.5)');
    const waiting = low.query('SELECT 1');
    const began = performance.now();
    await Promise.all([primary.query('SELECT 1'), primary.query('SELECT 2'), primary.query('SELECT 3')]);
    expect(performance.now() - began).toBeLessThan(1_000);
    await Promise.all([held, waiting]);
  });

  it('needs the url for its pool', async () => {
    await expect(openLowPriorityDatabase(primary, {})).rejects.toThrow(DatabaseConfigError);
  });
});
