import type { BatchedCounterStore, Clock, RateLimitHit } from '@facegate/domain';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../infrastructure/observability/logger';

export interface BatchingOptions {
  readonly store: BatchedCounterStore;
  /** How long a count may wait here before it is sent (default 250 ms). */
  readonly flushIntervalMs?: number;
  /** A window whose unsent count reaches this share of its limit is sent at once (default 1/4). */
  readonly earlyFlushFraction?: number;
  /** A window counted up to this share of its limit is re-read on every flush, even when idle here (default 1/2). */
  readonly refreshFraction?: number;
  /** Most windows held in memory, and most waiting to be sent (default 50,000 each). */
  readonly maxKeys?: number;
  /** Most windows per statement (default 1,000). */
  readonly maxBatch?: number;
}

/** 'untracked': not counted here (closed, or too many windows waiting to be sent); count it exactly. */
export type TakeResult = 'allowed' | 'refused' | 'untracked';

interface Counter {
  /** scope, key and window start. */
  readonly id: string;
  readonly hit: RateLimitHit;
  readonly limit: number;
  readonly end: number;
  /** The window's total as the shared store last answered it (every instance's hits). */
  shared: number;
  /** Allowed here, not yet sent. */
  pending: number;
  /** Allowed here, sent, answer not back yet. */
  sending: number;
}

/**
 * Counts of coarse, high-rate limits (per client address) kept in memory and sent to the shared store in
 * batches, so a hit never waits for the database and concurrent requests from one address do not queue on
 * one row lock. A window allows a hit while `shared + sending + pending < limit`.
 *
 * One instance alone is exact: all of its own hits are in `sending + pending`. With N instances, each learns
 * the others' hits when it sends its own (every `flushIntervalMs` while it has any, at once when a window's
 * unsent count reaches `earlyFlushFraction` of its limit) and, for a window it holds at `refreshFraction` of
 * its limit or more, by re-reading it on every flush. So a window can go over its limit by at most about
 * N × the hits one instance admits between two of its flushes (at most the early-flush share of the limit
 * plus what arrives during one flush's round trip), and only until every instance's next flush.
 *
 * Counts that could not be sent stay pending and go with the next flush (a failing database delays them,
 * loses none unless their window ends first), and the failure is logged without any key. Windows that
 * have ended are dropped; at most `maxKeys` windows are remembered (least recently used first out, and
 * an evicted window with unsent counts is still sent).
 */
export class BatchedCounters {
  private readonly store: BatchedCounterStore;
  private readonly flushIntervalMs: number;
  private readonly earlyFlushFraction: number;
  private readonly refreshFraction: number;
  private readonly maxKeys: number;
  private readonly maxBatch: number;
  private readonly counters: LRUCache<string, Counter>;
  /** Windows with pending counts. */
  private readonly unsent = new Map<string, Counter>();
  /** Windows near their limit, re-read on every flush. */
  private readonly watched = new Map<string, Counter>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private failing = false;
  private closed = false;

  constructor(
    options: BatchingOptions,
    private readonly clock: Clock,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.store = options.store;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.earlyFlushFraction = options.earlyFlushFraction ?? 1 / 4;
    this.refreshFraction = options.refreshFraction ?? 1 / 2;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.counters = new LRUCache({ max: this.maxKeys });
  }

  /** Counts one hit in the window `id` (scope, key and window start) if the limit allows it. Never waits. */
  take(id: string, hit: RateLimitHit, limit: number): TakeResult {
    if (this.closed) return 'untracked';
    let counter = this.counters.get(id);
    if (counter === undefined) {
      counter = this.unsent.get(id) ?? this.watched.get(id);
      if (counter === undefined) {
        if (this.unsent.size >= this.maxKeys) return 'untracked';
        counter = { id, hit, limit, end: hit.windowEnd.getTime(), shared: 0, pending: 0, sending: 0 };
      }
      this.counters.set(id, counter);
    }
    if (counter.shared + counter.sending + counter.pending >= limit) return 'refused';
    counter.pending += 1;
    this.unsent.set(id, counter);
    if (!this.failing && counter.pending >= Math.max(1, Math.ceil(limit * this.earlyFlushFraction))) {
      void this.flush();
    } else {
      this.schedule();
    }
    return 'allowed';
  }

  /** Sends every pending count (and re-reads the windows near their limit); never throws. */
  flush(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.clearTimer();
    const run = this.drain();
    this.running = run;
    return run;
  }

  /** Stops the timer and sends what is pending; hits after this are left to the exact path. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    while (this.running !== null) await this.running;
    await this.flush();
    let unsent = 0;
    for (const counter of this.unsent.values()) unsent += counter.pending;
    if (unsent > 0) this.logger?.warn({ hits: unsent }, 'rate-limit counts left unsent at close');
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.flushOnce();
      } while (this.again && !this.failing);
    } finally {
      this.running = null;
      this.schedule();
    }
  }

  private async flushOnce(): Promise<void> {
    const now = this.clock.now().getTime();
    const sends: Counter[] = [];
    for (const counter of this.unsent.values()) {
      if (counter.end <= now) {
        this.forget(counter);
      } else if (counter.pending > 0) {
        counter.sending = counter.pending;
        counter.pending = 0;
        sends.push(counter);
      }
    }
    this.unsent.clear();
    const reads: Counter[] = [];
    for (const counter of this.watched.values()) {
      if (counter.end <= now || counter.shared >= counter.limit) this.watched.delete(counter.id);
      else if (counter.sending === 0) reads.push(counter);
    }
    if (sends.length === 0 && reads.length === 0) return;

    // the same order on every instance, so two multi-row upserts lock rows in the same order
    sends.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let failure: unknown = null;
    let unsentWindows = 0;
    for (let i = 0; i < sends.length; i += this.maxBatch) {
      const chunk = sends.slice(i, i + this.maxBatch);
      try {
        const totals = await this.store.add(chunk.map((c) => ({ hit: c.hit, by: c.sending })));
        chunk.forEach((counter, j) => {
          counter.sending = 0;
          this.learn(counter, totals[j] ?? 0);
        });
      } catch (error) {
        failure ??= error;
        unsentWindows += chunk.length;
        for (const counter of chunk) {
          counter.pending += counter.sending;
          counter.sending = 0;
          this.unsent.set(counter.id, counter);
        }
      }
    }
    for (let i = 0; i < reads.length; i += this.maxBatch) {
      const chunk = reads.slice(i, i + this.maxBatch);
      try {
        const totals = await this.store.read(chunk.map((c) => c.hit));
        chunk.forEach((counter, j) => {
          this.learn(counter, totals[j] ?? 0);
        });
      } catch (error) {
        failure ??= error;
      }
    }
    this.failing = failure !== null;
    if (failure !== null) {
      this.logger?.warn(
        { err: describeError(failure), unsentWindows },
        'could not flush rate-limit counts; they are kept for the next flush',
      );
    }
  }

  private learn(counter: Counter, total: number): void {
    counter.shared = Math.max(counter.shared, total);
    if (counter.shared >= counter.limit) {
      this.watched.delete(counter.id);
    } else if (
      counter.shared + counter.pending >= counter.limit * this.refreshFraction &&
      (this.watched.has(counter.id) || this.watched.size < this.maxKeys)
    ) {
      this.watched.set(counter.id, counter);
    }
  }

  private forget(counter: Counter): void {
    this.watched.delete(counter.id);
    if (this.counters.peek(counter.id) === counter) this.counters.delete(counter.id);
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined || this.running !== null) return;
    if (this.unsent.size === 0 && this.watched.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** What a log line may say about a failed flush: no parameters, row details or keys (hashes are masked). */
function describeError(error: unknown): { type: string; code?: string; message: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return {
    type: e.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: e.message.replace(/[0-9a-f]{16,}/gi, '[hash]'),
  };
}
