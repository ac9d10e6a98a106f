/**
 * A Map that forgets: each entry is kept until its own deadline (sweep) and the store never holds more than
 * maxEntries (the oldest insertion goes first), so long load runs cannot grow the sandbox without bound.
 */
export class BoundedStore<V> {
  private readonly entries = new Map<string, { value: V; keepUntil: number }>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V, keepUntil: number): void {
    this.entries.delete(key); // re-inserting moves the key to the young end
    this.entries.set(key, { value, keepUntil });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.keepUntil <= now) this.entries.delete(key);
    }
  }
}
