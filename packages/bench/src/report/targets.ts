import type { BenchReport, TargetCheck } from './bench-report';

/** Heap growth (after warm-up) tolerated for the memory target: GC timing and bounded caches filling up. */
export const MEMORY_GROWTH_ALLOWANCE_BYTES = 64 * 2 ** 20;

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The targets, checked against a report. */
export function checkTargets(report: Omit<BenchReport, 'targets'>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const confirm = report.operations.confirmVerification;
  if (confirm) {
    for (const [gateway, c] of Object.entries(confirm.comparisons)) {
      checks.push({
        name: `confirmVerification throughput, ${gateway} / passthrough`,
        target: '>= 0.50',
        value: fmt(c.throughputRatio),
        met: c.throughputRatio >= 0.5,
      });
      checks.push({
        name: `confirmVerification p99 overhead at the fixed rate, ${gateway}`,
        target: '<= 5 ms',
        value: `${fmt(c.p99OverheadMs)} ms`,
        met: c.p99OverheadMs <= 5,
      });
    }
  }
  for (const [gateway, cold] of Object.entries(report.coldConfirmations)) {
    checks.push({
      name: `token requests for ${cold.confirmations} cold concurrent confirmations, ${gateway}`,
      target: 'exactly 1 (and every confirmation VERIFIED)',
      value: `${cold.tokenRequests} (${cold.verified}/${cold.confirmations} VERIFIED)`,
      met: cold.tokenRequests === 1 && cold.verified === cold.confirmations,
    });
  }
  if (report.slowUpstream) {
    const { idealThroughput, latencyMs, clients } = report.slowUpstream;
    for (const [target, figures] of Object.entries(report.slowUpstream.targets)) {
      if (target === 'passthrough') continue;
      checks.push({
        name: `throughput with ${latencyMs} ms upstream and ${clients} clients, ${target}`,
        target: `>= 95% of ${idealThroughput}/s`,
        value: `${fmt(figures.run.throughput, 0)}/s (${fmt(100 * figures.shareOfIdeal, 1)}%)`,
        met: figures.shareOfIdeal >= 0.95,
      });
    }
  }
  if (report.memory && report.memory.checkpoints.length >= 2) {
    const first = report.memory.checkpoints[0]!;
    const last = report.memory.checkpoints[report.memory.checkpoints.length - 1]!;
    const growth = last.heapUsedBytes - first.heapUsedBytes;
    const sessions = last.sessions - first.sessions;
    checks.push({
      name: `heap growth from ${first.sessions} to ${last.sessions} sessions (${report.memory.database})`,
      target: `bounded: < ${MEMORY_GROWTH_ALLOWANCE_BYTES / 2 ** 20} MiB, not proportional to sessions`,
      value: `${fmt(growth / 2 ** 20, 1)} MiB (${fmt(sessions > 0 ? growth / sessions : 0, 0)} B/session)`,
      met: growth < MEMORY_GROWTH_ALLOWANCE_BYTES,
    });
  }
  return checks;
}
