import type { ChaosReport } from './chaos-run';

/** The report as text: setup, counts, the four checks (then the run's own validity checks), verdict. */
export function formatReport(report: ChaosReport): string {
  const o = report.options;
  const lines: string[] = [];
  lines.push(
    `== FaceGate chaos: ${o.database}, ${o.instances} gateway process(es),${o.apps > 1 ? ` ${o.apps} apps,` : ''} ${o.confirmations} confirmations planned, ${o.kills} SIGKILL restarts, ${Math.round(o.faultRate * 100)}% WeChat faults, seed ${o.seed} ==`,
  );
  lines.push(
    `machine: ${Object.entries(report.machine)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
  );
  lines.push(
    `duration: ${(report.durationMs / 1000).toFixed(1)} s in all, workload ${(report.workloadMs / 1000).toFixed(1)} s`,
  );
  lines.push(
    `counts: ${Object.entries(report.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(
    `client retries: ${Object.entries(report.retries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const u = report.upstream;
  lines.push(
    `sandbox: ${u.totalCalls} WeChat calls, ${(u.faultShare * 100).toFixed(1)}% faulted (${Object.entries(
      u.faultsInjected,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), tokens issued ${u.tokensIssued}`,
  );
  lines.push(
    `  calls: ${Object.entries(u.calls)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  for (const app of report.apps ?? []) {
    lines.push(
      `app ${app.id} (${app.appId}${app.tokensRevoked ? ', tokens revoked' : ''}): users ${app.users}, verificationsStarted ${app.verificationsStarted}, confirmations ${app.confirmations}, storedSessions ${app.storedSessions}, sessionRows ${app.sessionRows}, WeChat calls ${app.wechatCalls}, tokens issued ${app.tokensIssued}`,
    );
  }
  lines.push(
    `kills: ${report.kills.map((k) => `${k.instance} at ${(k.atMs / 1000).toFixed(1)} s (down ${k.downMs} ms)`).join('; ') || 'none'}`,
  );
  for (const headline of [true, false]) {
    lines.push(headline ? 'checks:' : 'run validity:');
    for (const check of report.checks.filter((c) => c.headline === headline)) {
      lines.push(`  [${check.ok ? 'ok' : 'FAIL'}] ${check.name}: ${check.value}`);
      for (const example of check.examples) lines.push(`         - ${example}`);
    }
  }
  lines.push(report.ok ? 'RESULT: all checks passed' : 'RESULT: FAILED');
  return lines.join('\n');
}
