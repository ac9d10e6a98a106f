import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, SqlBatchedCounterStore, SqlRateLimitCounterStore } from '../src/index';
import { allHarnesses, openMigrated } from './support/drivers';
import { uniqueId } from './support/session-mother';

const harnesses = await allHarnesses({ disk: false });

const MINUTE = 60_000;
const windowOf = (startMs: number) => ({
  windowStart: new Date(startMs),
  windowEnd: new Date(startMs + MINUTE),
});

for (const harness of harnesses) {
  describe(`SqlRateLimitCounterStore on ${harness.name}`, () => {
    let db: Database;
    let store: SqlRateLimitCounterStore;

    beforeAll(async () => {
      db = await openMigrated(harness);
      store = new SqlRateLimitCounterStore(db);
    });

    afterAll(async () => {
      await db?.close();
      await harness.destroy();
    });

    it('counts hits per (scope, key, window) and starts again in a new window', async () => {
      const key = uniqueId('k');
      const first = windowOf(Date.UTC(2025, 0, 1, 8, 0));
      expect(await store.increment({ scope: 's', key, ...first })).toBe(1);
      expect(await store.increment({ scope: 's', key, ...first })).toBe(2);
      expect(await store.increment({ scope: 'other', key, ...first })).toBe(1);
      expect(await store.increment({ scope: 's', key: `${key}-b`, ...first })).toBe(1);
      const next = windowOf(Date.UTC(2025, 0, 1, 8, 1));
      expect(await store.increment({ scope: 's', key, ...next })).toBe(1);
      expect(await store.count('s', key, first.windowStart)).toBe(2);
      expect(await store.count('s', 'never-seen', first.windowStart)).toBe(0);
    });

    it('loses no count under 50 concurrent hits (one atomic upsert each)', async () => {
      const key = uniqueId('k');
      const window = windowOf(Date.UTC(2025, 0, 2));
      const second = harness.openSecond ? await harness.openSecond() : null;
      try {
        const stores = [store, ...(second ? [new SqlRateLimitCounterStore(second)] : [])];
        const counts = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            stores[i % stores.length]!.increment({ scope: 'c', key, ...window }),
          ),
        );
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(await store.count('c', key, window.windowStart)).toBe(50);
      } finally {
        await second?.close();
      }
    });

    it('prunes only the windows that ended', async () => {
      const key = uniqueId('k');
      const old = windowOf(Date.UTC(2020, 0, 1));
      const current = windowOf(Date.UTC(2030, 0, 1));
      await store.increment({ scope: 'p', key, ...old });
      await store.increment({ scope: 'p', key, ...current });
      expect(await store.prune(new Date(Date.UTC(2025, 0, 1)))).toBeGreaterThanOrEqual(1);
      expect(await store.count('p', key, old.windowStart)).toBe(0);
      expect(await store.count('p', key, current.windowStart)).toBe(1);
    });

    it('SqlBatchedCounterStore adds several windows in one statement and reads them back, in the order asked', async () => {
      const batches = new SqlBatchedCounterStore(db);
      const [k1, k2] = [uniqueId('k'), uniqueId('k')];
      const w1 = { scope: 's', key: k1, ...windowOf(Date.UTC(2025, 2, 1, 8, 0)) };
      const w2 = { scope: 's', key: k2, ...windowOf(Date.UTC(2025, 2, 1, 8, 0)) };
      const w3 = { scope: 's', key: k1, ...windowOf(Date.UTC(2025, 2, 1, 8, 1)) };
      expect(
        await batches.add([
          { hit: w2, by: 3 },
          { hit: w1, by: 1 },
        ]),
      ).toEqual([3, 1]);
      expect(
        await batches.add([
          { hit: w1, by: 4 },
          { hit: w2, by: 2 },
          { hit: w3, by: 7 },
        ]),
      ).toEqual([5, 5, 7]);
      const never = { scope: 's', key: uniqueId('never'), ...windowOf(Date.UTC(2025, 2, 1, 8, 0)) };
      expect(await batches.read([w3, never, w1])).toEqual([7, 0, 5]);
      expect(await batches.add([])).toEqual([]);
      expect(await batches.read([])).toEqual([]);
      // the exact store counts the same rows
      expect(await store.increment(w1)).toBe(6);
    });
  });
}
