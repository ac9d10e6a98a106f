import { existsSync, readFileSync } from 'node:fs';

/** One pause the gateway recorded (stall-recorder.mjs): a GC of some kind, or the event loop held up. */
export interface Pause {
  readonly what: string;
  /** Wall-clock start, ms since the epoch. */
  readonly start: number;
  readonly ms: number;
}

/** A request of a fixed-rate run: when it was due (wall clock, ms) and how long it took from then. */
export interface TimedRequest {
  readonly due: number;
  readonly latencyMs: number;
}

export interface StallSummary {
  readonly requests: number;
  /** Requests at or above the run's p99. */
  readonly slow: number;
  readonly slowThresholdMs: number;
  /** Of the slow ones: how many a GC pause overlapped, how many only an event-loop stall, how many neither. */
  readonly slowDuringGc: number;
  readonly slowDuringLoopStall: number;
  readonly slowDuringNeither: number;
  /** The same share for every request of the run: what overlap by chance looks like. */
  readonly allDuringGcShare: number;
  /** GC pauses in the run's window, per kind: count, longest and summed milliseconds. */
  readonly gc: Record<string, { count: number; maxMs: number; totalMs: number }>;
  /** Event-loop stalls over 3 ms in the window (GC included). */
  readonly loopStalls: { count: number; maxMs: number; totalMs: number };
}

export function readPauses(file: string): Pause[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Pause);
}

const overlaps = (r: TimedRequest, p: Pause) => p.start < r.due + r.latencyMs && p.start + p.ms > r.due;

/** What the slowest requests of a run overlapped, against what every request overlapped. */
export function summarizeStalls(requests: readonly TimedRequest[], pauses: readonly Pause[]): StallSummary {
  const from = Math.min(...requests.map((r) => r.due));
  const to = Math.max(...requests.map((r) => r.due + r.latencyMs));
  const inWindow = pauses.filter((p) => p.start < to && p.start + p.ms > from);
  const gcPauses = inWindow.filter((p) => p.what !== 'loop');
  const loopStalls = inWindow.filter((p) => p.what === 'loop');
  const sorted = requests.map((r) => r.latencyMs).sort((a, b) => a - b);
  const threshold = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0;
  const slow = requests.filter((r) => r.latencyMs >= threshold);
  let slowDuringGc = 0;
  let slowDuringLoopStall = 0;
  for (const r of slow) {
    if (gcPauses.some((p) => overlaps(r, p))) slowDuringGc += 1;
    else if (loopStalls.some((p) => overlaps(r, p))) slowDuringLoopStall += 1;
  }
  const gc: StallSummary['gc'] = {};
  for (const p of gcPauses) {
    const g = gc[p.what] ?? { count: 0, maxMs: 0, totalMs: 0 };
    gc[p.what] = g;
    g.count += 1;
    g.maxMs = Math.max(g.maxMs, p.ms);
    g.totalMs += p.ms;
  }
  return {
    requests: requests.length,
    slow: slow.length,
    slowThresholdMs: threshold,
    slowDuringGc,
    slowDuringLoopStall,
    slowDuringNeither: slow.length - slowDuringGc - slowDuringLoopStall,
    allDuringGcShare:
      requests.filter((r) => gcPauses.some((p) => overlaps(r, p))).length / Math.max(1, requests.length),
    gc,
    loopStalls: {
      count: loopStalls.length,
      maxMs: Math.max(0, ...loopStalls.map((p) => p.ms)),
      totalMs: loopStalls.reduce((sum, p) => sum + p.ms, 0),
    },
  };
}

export function formatStalls(s: StallSummary): string {
  const gc = Object.entries(s.gc)
    .map(
      ([kind, g]) =>
        `${kind} ${g.count}x (${((1000 * g.count) / Math.max(1, s.requests)).toFixed(1)} per 1000 requests, ` +
        `max ${g.maxMs.toFixed(1)} ms, ${g.totalMs.toFixed(0)} ms in all)`,
    )
    .join(', ');
  return (
    `${s.slow} requests >= p99 ${s.slowThresholdMs.toFixed(1)} ms: ${s.slowDuringGc} overlapped a GC pause, ` +
    `${s.slowDuringLoopStall} only an event-loop stall, ${s.slowDuringNeither} neither ` +
    `(all requests: ${(100 * s.allDuringGcShare).toFixed(0)}% overlapped a GC pause); GC: ${gc || 'none'}; ` +
    `loop stalls > 3 ms: ${s.loopStalls.count} (max ${s.loopStalls.maxMs.toFixed(1)} ms)`
  );
}
