import type { RateLimitHit } from '../abuse/rate-limit.js';
import type {
  BatchedCounterStore,
  CounterIncrement,
  RateLimitCounterStore,
} from '../abuse/rate-limit-counter-store.port.js';

const windowId = (hit: RateLimitHit) => `${hit.scope}|${hit.key}|${hit.windowStart.toISOString()}`;

/**
 * The shared counters table in memory, both sides of it: hit-by-hit increments and batched adds and reads
 * count the same windows. Several limiters given one instance share its counts, as gateway instances share
 * the table. Records every call; `failures` and `gate` let a test fail or hold the batched adds.
 */
export class InMemoryRateLimitCounters implements RateLimitCounterStore, BatchedCounterStore {
  /** Each window's count, by `scope|key|windowStart` (ISO). */
  readonly counts = new Map<string, number>();
  readonly increments: RateLimitHit[] = [];
  readonly adds: CounterIncrement[][] = [];
  readonly reads: RateLimitHit[][] = [];
  prunes = 0;
  /** The next add calls throw these, one each. */
  failures: Error[] = [];
  /** While set, add calls wait for it. */
  gate: Promise<void> | null = null;
  private readonly ends = new Map<string, number>();

  async increment(hit: RateLimitHit): Promise<number> {
    this.increments.push(hit);
    return this.count(hit, 1);
  }

  async prune(now: Date): Promise<number> {
    this.prunes += 1;
    let pruned = 0;
    for (const [id, end] of this.ends) {
      if (end < now.getTime()) {
        this.ends.delete(id);
        this.counts.delete(id);
        pruned += 1;
      }
    }
    return pruned;
  }

  async add(batch: readonly CounterIncrement[]): Promise<number[]> {
    this.adds.push([...batch]);
    if (this.gate) await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    return batch.map(({ hit, by }) => this.count(hit, by));
  }

  async read(hits: readonly RateLimitHit[]): Promise<number[]> {
    this.reads.push([...hits]);
    return hits.map((hit) => this.counts.get(windowId(hit)) ?? 0);
  }

  private count(hit: RateLimitHit, by: number): number {
    const id = windowId(hit);
    const count = (this.counts.get(id) ?? 0) + by;
    this.counts.set(id, count);
    this.ends.set(id, hit.windowEnd.getTime());
    return count;
  }
}
