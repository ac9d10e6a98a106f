/**
 * Admission of console requests to the database: at most `maxRunning` at once on this instance and
 * `perKey` per API key. Others wait in arrival order for up to `maxWaitMs`, then are refused; with
 * `maxWaiting` already waiting, at once. So an operator's aggregates (a year of sessions each) can hold
 * only a small, fixed share of the database, however many requests a key sends.
 */
export interface ConsoleQueryGateOptions {
  readonly maxRunning: number;
  /** default 1 */
  readonly perKey?: number;
  /** default 2000 */
  readonly maxWaitMs?: number;
  /** default 4 × maxRunning */
  readonly maxWaiting?: number;
}

interface Waiter {
  readonly key: string;
  readonly admit: (release: () => void) => void;
  readonly timer: NodeJS.Timeout;
}

/** A refused request may try again after this many seconds. */
export const CONSOLE_RETRY_AFTER_SECONDS = 1;

export class ConsoleQueryGate {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  private readonly waiting: Waiter[] = [];
  private readonly perKey: number;
  private readonly maxWaitMs: number;
  private readonly maxWaiting: number;

  constructor(private readonly options: ConsoleQueryGateOptions) {
    this.perKey = options.perKey ?? 1;
    this.maxWaitMs = options.maxWaitMs ?? 2_000;
    this.maxWaiting = options.maxWaiting ?? options.maxRunning * 4;
  }

  /** Resolves to a release function once admitted, or to null when refused (wait over, or too many waiting). */
  acquire(key: string): Promise<(() => void) | null> {
    if (this.waiting.length === 0 && this.hasRoom(key)) return Promise.resolve(this.admit(key));
    if (this.waiting.length >= this.maxWaiting) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        key,
        admit: resolve,
        timer: setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve(null);
        }, this.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Requests on the database now (for tests and metrics). */
  get inFlight(): number {
    return this.running;
  }

  private hasRoom(key: string): boolean {
    return this.running < this.options.maxRunning && (this.runningByKey.get(key) ?? 0) < this.perKey;
  }

  private admit(key: string): () => void {
    this.running++;
    this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const left = (this.runningByKey.get(key) ?? 1) - 1;
      if (left === 0) this.runningByKey.delete(key);
      else this.runningByKey.set(key, left);
      this.admitWaiting();
    };
  }

  /** The first waiters (in arrival order) that fit; a key at its limit does not hold up the others. */
  private admitWaiting(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.options.maxRunning; ) {
      const waiter = this.waiting[i]!;
      if (!this.hasRoom(waiter.key)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      clearTimeout(waiter.timer);
      waiter.admit(this.admit(waiter.key));
    }
  }
}
