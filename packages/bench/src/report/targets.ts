import { type BenchReport, median, type TargetCheck } from './bench-report';

const medianOf = (values: readonly (number | undefined)[]) => median(values.map((v) => v ?? Number.NaN));

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
        target: '>= 0.30 (aim 0.50)',
        value: fmt(c.throughputRatio),
        met: c.throughputRatio >= 0.3,
      });
      if (c.restPeerRatio !== undefined) {
        checks.push({
          name: `confirmVerification throughput, ${gateway} / REST peer`,
          target: '>= 0.60 (aim 1)',
          value: fmt(c.restPeerRatio),
          met: c.restPeerRatio >= 0.6,
        });
      }
      if (c.ownRate) {
        checks.push({
          name: `confirmVerification p99 overhead at half its own saturation rate (${c.ownRate.rate}/s), ${gateway}`,
          target: '<= 5 ms',
          value: `${fmt(c.ownRate.p99OverheadMs)} ms`,
          met: c.ownRate.p99OverheadMs <= 5,
        });
      }
      const runs = confirm.targets[gateway]?.saturation.runs ?? [];
      const cpu = medianOf(runs.map((r) => r.serverCpuMsPerRequest));
      const pgCpu = medianOf(runs.map((r) => r.postgresCpuMsPerRequest));
      if (!gateway.includes('-w') && Number.isFinite(cpu)) {
        checks.push({
          name: `confirmVerification gateway CPU per confirmation, ${gateway}`,
          target: '<= 0.60 ms',
          value: `${fmt(cpu)} ms`,
          met: cpu <= 0.6,
        });
      }
      if (gateway.includes('postgres') && !gateway.includes('-w') && Number.isFinite(pgCpu)) {
        checks.push({
          name: `confirmVerification PostgreSQL CPU per confirmation, ${gateway}`,
          target: '<= 0.35 ms',
          value: `${fmt(pgCpu)} ms`,
          met: pgCpu <= 0.35,
        });
      }
      checks.push({
        name: `confirmVerification p99 overhead at half the passthrough's rate, ${gateway}`,
        target: '<= 5 ms (shows overload only)',
        value: `${fmt(c.p99OverheadMs)} ms`,
        met: c.p99OverheadMs <= 5,
      });
    }
  }
  const pglite = confirm?.targets['gateway-pglite']?.saturation.medianThroughput;
  const postgres = confirm?.targets['gateway-postgres']?.saturation.medianThroughput;
  if (pglite !== undefined && postgres !== undefined && postgres > 0) {
    checks.push({
      name: 'confirmVerification throughput, gateway-pglite / gateway-postgres',
      target: '>= 0.50',
      value: `${fmt(pglite / postgres)} (${fmt(pglite, 0)} vs ${fmt(postgres, 0)}/s)`,
      met: pglite / postgres >= 0.5,
    });
  }
  const query = report.operations.verification;
  if (query) {
    for (const gateway of Object.keys(query.comparisons)) {
      if (gateway.includes('-w')) continue;
      const cpu = medianOf(
        (query.targets[gateway]?.saturation.runs ?? []).map((r) => r.serverCpuMsPerRequest),
      );
      if (!Number.isFinite(cpu)) continue;
      checks.push({
        name: `verification query gateway CPU per request, ${gateway}`,
        target: '<= 0.25 ms',
        value: `${fmt(cpu)} ms`,
        met: cpu <= 0.25,
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
        target: `>= 90% of ${idealThroughput}/s`,
        value: `${fmt(figures.run.throughput, 0)}/s (${fmt(100 * figures.shareOfIdeal, 1)}%)`,
        met: figures.shareOfIdeal >= 0.9,
      });
    }
  }
  for (const [gateway, idle] of Object.entries(report.idleMemory ?? {})) {
    const limitMiB = gateway.includes('pglite') ? 300 : 150;
    checks.push({
      name: `RSS of an idle gateway, ${gateway}`,
      target: `< ${limitMiB} MiB`,
      value: `${fmt(idle.rssBytes / 2 ** 20, 0)} MiB`,
      met: idle.rssBytes < limitMiB * 2 ** 20,
    });
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
