import { execFileSync } from 'node:child_process';
import { postgresForTests } from '@facegate/adapters-postgres/testing';
import { describe, expect, it } from 'vitest';
import { type ChaosReport, formatReport, runChaos } from '../src/index';

/*
 * The short chaos run: two real gateway processes on a fresh PostgreSQL database, a sandbox faulting 20% of
 * WeChat calls and revoking tokens, every confirmation sent twice, one gateway SIGKILLed and restarted, a
 * final crash-restart and read-back. The long run is `pnpm chaos` (figures in docs/chaos.md).
 */

const availability = await postgresForTests();

function childProcessesOfThisProcess(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('facegate'));
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
}

describe.runIf(availability.run)('chaos, short', () => {
  it('a few hundred doubled confirmations through faults and a SIGKILL: nothing lost, duplicated or contradicted', async () => {
    const lines: string[] = [];
    let report: ChaosReport;
    try {
      report = await runChaos({
        database: 'postgres',
        instances: 2,
        confirmations: 300,
        durationMs: 25_000,
        concurrency: 12,
        kills: 1,
        seed: 7,
        log: (line) => lines.push(line),
      });
    } finally {
      expect(childProcessesOfThisProcess()).toEqual([]);
    }
    const text = formatReport(report);
    expect(
      report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.value}`),
      text,
    ).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.kills).toHaveLength(1);
    expect(Number(report.counts.confirmations)).toBeGreaterThanOrEqual(250);
    expect(Number(report.counts.v2Confirmations)).toBeGreaterThan(0);
    expect(Number(report.counts.pairsAtOnce)).toBeGreaterThan(0);
    expect(Number(report.counts.pairsOneAfterTheOther)).toBeGreaterThan(0);
    // the faults really happened
    expect(report.upstream.faultShare).toBeGreaterThan(0.12);
    expect(report.upstream.faultShare).toBeLessThan(0.3);
    expect(report.upstream.faultsInjected.tokenRevocations).toBeGreaterThan(0);
    expect((report.retries.network ?? 0) + (report.retries.upstream ?? 0)).toBeGreaterThan(0);
    // webhooks: every outbox event reached the receiver through refusals and the SIGKILL
    expect(report.webhooks).toMatchObject({ lost: 0, orderViolations: 0 });
    expect(report.webhooks!.events).toBeGreaterThan(250);
    expect(report.webhooks!.retried).toBeGreaterThan(0);
  }, 150_000);

  it('two mini programs, only the first one losing its tokens: each app intact, and neither reads the other', async () => {
    let report: ChaosReport;
    try {
      report = await runChaos({
        database: 'postgres',
        instances: 2,
        apps: 2,
        confirmations: 200,
        durationMs: 25_000,
        concurrency: 12,
        kills: 1,
        revokeEveryMs: 2_000,
        seed: 11,
      });
    } finally {
      expect(childProcessesOfThisProcess()).toEqual([]);
    }
    const text = formatReport(report);
    expect(
      report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.value}`),
      text,
    ).toEqual([]);
    expect(report.checks.map((c) => c.name)).toContain("another app's user reads no session");
    const [main, other] = report.apps!;
    expect(main).toMatchObject({ id: 'default', tokensRevoked: true });
    expect(other).toMatchObject({ id: 'app2', tokensRevoked: false });
    for (const app of [main!, other!]) {
      expect(app.confirmations).toBeGreaterThan(50);
      expect(app.storedSessions).toBe(app.sessionRows);
    }
    // the revoked app fetches a token again after each revocation it meets; the other keeps its first one
    expect(main!.tokensIssued).toBeGreaterThan(other!.tokensIssued);
    expect(other!.tokensIssued).toBeLessThanOrEqual(2);
    expect(report.isolationProbes.map((p) => [p.otherAppSaw, p.ownAppSaw])).toEqual([
      ['NOT_FOUND', 'VISIBLE'],
      ['NOT_FOUND', 'VISIBLE'],
    ]);
  }, 150_000);
});
