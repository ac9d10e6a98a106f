// Preloaded into a gateway by `pnpm bench -- --stall-trace` (node --import): records, with wall-clock times,
// every garbage collection (its kind and pause) and every stall of the event loop longer than 3 ms (GC or
// synchronous work), so the bench can tell what the slowest requests of a fixed-rate run waited for.
// Lines are JSON, buffered and appended to FACEGATE_BENCH_STALL_LOG every 200 ms.
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const file = process.env.FACEGATE_BENCH_STALL_LOG;
if (file) {
  const origin = performance.timeOrigin;
  const KINDS = {
    1: 'scavenge',
    2: 'minor-mark-compact',
    4: 'mark-compact',
    8: 'incremental',
    16: 'weak-callbacks',
  };
  let lines = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      lines.push(
        JSON.stringify({ what: KINDS[e.detail?.kind] ?? 'gc', start: origin + e.startTime, ms: e.duration }),
      );
  }).observe({ entryTypes: ['gc'] });
  const TICK_MS = 2;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    if (late > 3) lines.push(JSON.stringify({ what: 'loop', start: origin + last + TICK_MS, ms: late }));
    last = now;
  }, TICK_MS).unref();
  const flush = () => {
    if (lines.length === 0) return;
    appendFileSync(file, `${lines.join('\n')}\n`);
    lines = [];
  };
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
