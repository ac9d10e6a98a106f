import type { BenchReport } from './bench-report';

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const n0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
const n2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const signed = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(2)}` : 'n/a');

/** The short human summary written to docs/benchmarks.md (the full figures go to benchmarks.json). */
export function renderMarkdown(report: BenchReport, extra: { command: string; preface?: string[] }): string {
  const m = report.machine;
  const s = report.settings as Record<string, unknown>;
  const lines: string[] = [
    '# FaceGate benchmarks',
    '',
    ...(extra.preface ?? []),
    `Last run: ${report.date} (${report.mode} mode, ${report.totalSeconds.toFixed(0)} s), with \`${extra.command}\`.`,
    `Raw figures of every run: [benchmarks.json](benchmarks.json).`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${mib(m.ramBytes)} RAM, Node ${m.node} (${m.platform}).`,
    `CPU split: ${report.cpuSplit}.`,
    ...(m.loadAverage
      ? [
          `Load average (1 min) at start / end: ${m.loadAverage.atStart.toFixed(2)} / ${m.loadAverage.atEnd.toFixed(2)}` +
            ' (the run itself counts: at the end it is the load of its last phase; at the start, other work on the machine).',
        ]
      : []),
    '',
    `Setup: the sandbox answers every WeChat call after ${s.upstreamLatencyMs} ms; saturation runs keep ` +
      `${s.saturationConnections} connections busy; fixed-rate runs send at ${Number(s.fixedRateShare) * 100}% of the ` +
      `passthrough's saturation throughput for ${s.fixedRateSeconds} s (and at ${Number(s.fixedRateShare) * 100}% of each gateway's own); ` +
      `${s.rounds} interleaved round(s), median reported; ${String(s.protocol).toLowerCase()} protocol; gateway ` +
      `NODE_ENV=${s.gatewayNodeEnv ?? 'unset'}, LOG_LEVEL=${s.gatewayLogLevel}. Every gateway and REST peer ` +
      'confirmation is a real one: a session started through the gateway, checked on the sandbox device, confirmed once.',
    '',
    '## Targets',
    '',
    '| target | goal | measured | met |',
    '| --- | --- | --- | --- |',
    ...report.targets.map((t) => `| ${t.name} | ${t.target} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    '## Throughput at saturation, latency at a fixed rate',
    '',
    '| operation | server | req/s | / passthrough | / REST peer | server CPU ms/req | PostgreSQL CPU ms/req | fixed rate | p50 ms | p99 ms | Δp50 ms | Δp99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [operation, figures] of Object.entries(report.operations)) {
    for (const [target, f] of Object.entries(figures.targets)) {
      const c = figures.comparisons[target];
      const base = figures.targets.passthrough?.saturation.medianThroughput ?? Number.NaN;
      lines.push(
        `| ${operation} | ${target} | ${n0(f.saturation.medianThroughput)} | ` +
          `${n2(f.saturation.medianThroughput / base)} | ${c?.restPeerRatio === undefined ? '' : n2(c.restPeerRatio)} | ` +
          `${cpuCell(f.saturation.runs.map((r) => r.serverCpuMsPerRequest))} | ` +
          `${cpuCell(f.saturation.runs.map((r) => r.postgresCpuMsPerRequest))} | ` +
          `${f.fixedRate.rate}/s | ${n2(f.fixedRate.medianP50Ms)} | ${n2(f.fixedRate.medianP99Ms)}${
            f.fixedRate.runs.some((r) => r.overloaded) ? ' (overloaded)' : ''
          } | ` +
          `${c ? signed(c.p50OverheadMs) : ''} | ${c ? signed(c.p99OverheadMs) : ''} |`,
      );
    }
  }
  lines.push(
    '',
    '"(overloaded)": the server\'s saturation throughput is below the fixed rate, so its queue grows for the',
    "whole run and the latency measures the run's length; it is measured once, for one second.",
    '',
    'Baselines:',
  );
  lines.push(
    '- frame-floor: graphql-yoga + Pothos out of the box answering the same verification query from memory (no auth, no database).',
    '- rest-peer: node:http + undici + pg doing the confirmation durably (a unique evidence row, the getinfo call, an update with the outcome); no GraphQL, no auth.',
  );
  for (const [operation, figures] of Object.entries(report.operations)) {
    lines.push(`- ${operation}: ${figures.baseline}.`);
  }
  const own = Object.entries(report.operations).flatMap(([operation, figures]) =>
    Object.entries(figures.comparisons).flatMap(([gateway, c]) =>
      c.ownRate ? [{ operation, gateway, o: c.ownRate }] : [],
    ),
  );
  if (own.length > 0) {
    lines.push(
      '',
      "## Latency at half of each gateway's own saturation throughput (its operating point)",
      '',
      '| operation | gateway | rate | gateway p50 ms | gateway p99 ms | passthrough p99 ms at that rate | Δp99 ms |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...own.map(
        ({ operation, gateway, o }) =>
          `| ${operation} | ${gateway} | ${o.rate}/s | ${n2(o.gatewayP50Ms)} | ${n2(o.gatewayP99Ms)} | ${n2(o.passthroughP99Ms)} | ${signed(o.p99OverheadMs)} |`,
      ),
    );
  }
  if (report.idleMemory && Object.keys(report.idleMemory).length > 0) {
    lines.push(
      '',
      '## Memory at rest (a gateway just started, before any request)',
      '',
      '| gateway | RSS | heap used |',
      '| --- | --- | --- |',
      ...Object.entries(report.idleMemory).map(
        ([g, m]) => `| ${g} | ${mib(m.rssBytes)} | ${mib(m.heapUsedBytes)} |`,
      ),
    );
  }
  if (report.slowUpstream) {
    const u = report.slowUpstream;
    lines.push(
      '',
      `## Slow upstream: ${u.latencyMs} ms per WeChat call, ${u.clients} concurrent clients`,
      '',
      `The latency allows ${u.clients} / ${u.latencyMs / 1000} s = ${u.idealThroughput} confirmations/s.`,
      '',
      '| server | req/s | share of what the latency allows | p50 ms | p99 ms |',
      '| --- | --- | --- | --- | --- |',
      ...Object.entries(u.targets).map(
        ([t, f]) =>
          `| ${t} | ${n0(f.run.throughput)} | ${(100 * f.shareOfIdeal).toFixed(1)}% | ${n2(f.run.p50Ms)} | ${n2(f.run.p99Ms)} |`,
      ),
    );
  }
  if (Object.keys(report.coldConfirmations).length > 0) {
    lines.push(
      '',
      '## Cold confirmations (a restarted gateway, all at once)',
      '',
      '| gateway | confirmations | VERIFIED | token requests | seconds |',
      '| --- | --- | --- | --- | --- |',
      ...Object.entries(report.coldConfirmations).map(
        ([g, c]) =>
          `| ${g} | ${c.confirmations} | ${c.verified} | ${c.tokenRequests} | ${c.seconds.toFixed(2)} |`,
      ),
    );
  }
  if (report.memory) {
    const mem = report.memory;
    lines.push(
      '',
      `## Memory of one gateway while sessions pile up (${mem.database})`,
      '',
      `${mem.sessionsCreated} of ${mem.sessionsRequested} sessions created through startVerification in ` +
        `${mem.seconds.toFixed(0)} s${mem.reachedTarget ? '' : ' (the time limit came first)'}; ${mem.failed} failed.`,
      '',
      '| sessions | RSS | heap used | heap total |',
      '| --- | --- | --- | --- |',
      ...mem.checkpoints.map(
        (c) => `| ${c.sessions} | ${mib(c.rssBytes)} | ${mib(c.heapUsedBytes)} | ${mib(c.heapTotalBytes)} |`,
      ),
    );
  }
  if (report.notes.length > 0) lines.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** The median of the runs that measured it, or blank. */
function cpuCell(values: readonly (number | undefined)[]): string {
  const measured = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  if (measured.length === 0) return '';
  const mid = Math.floor(measured.length / 2);
  const median = measured.length % 2 === 1 ? measured[mid]! : (measured[mid - 1]! + measured[mid]!) / 2;
  return median.toFixed(2);
}
