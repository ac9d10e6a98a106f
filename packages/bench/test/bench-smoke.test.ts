import { describe, expect, it } from 'vitest';
import { type BenchConfig, QUICK } from '../src/bench-config';
import { runBench } from '../src/run-bench';

/*
 * The quick mode's machinery at a tiny size: the real sandbox, passthrough and `facegate serve` processes,
 * real sessions and confirmations. It checks the harness produces sane figures; it sets no time limits on
 * them (the targets are shown by `pnpm bench`, not asserted here).
 */
const TINY: BenchConfig = {
  ...QUICK,
  mode: 'smoke',
  rounds: 1,
  saturationSeconds: 0.2,
  saturationRequests: { min: 60, max: 150 },
  warmupRequests: 40,
  connections: 16,
  fixedRateSeconds: 0.3,
  users: 20,
  databases: ['postgres'],
  slowUpstream: { latencyMs: 100, clients: 20, seconds: 0.5 },
  coldConfirmations: 150,
  // the memory phase starts one more gateway; `pnpm bench -- --quick` covers it
  memory: null,
  // the test runs beside others: no pinning, and the gateway's logs stay quiet
  pin: false,
  logLevel: 'warn',
  workers: 1,
};

describe('pnpm bench machinery (tiny)', () => {
  it('measures every operation on the passthrough, the baselines and a real gateway, and counts one token for a cold burst', async () => {
    const lines: string[] = [];
    const report = await runBench(TINY, (line) => lines.push(line));

    for (const operation of ['startVerification', 'verification', 'confirmVerification']) {
      const figures = report.operations[operation]!;
      const baseline =
        operation === 'verification'
          ? ['frame-floor']
          : operation === 'confirmVerification'
            ? ['rest-peer']
            : [];
      expect(Object.keys(figures.targets).sort()).toEqual(
        ['gateway-postgres', 'passthrough', ...baseline].sort(),
      );
      for (const target of Object.keys(figures.targets)) {
        const f = figures.targets[target]!;
        expect(f.saturation.runs).toHaveLength(1);
        expect(f.saturation.runs[0]!.failed).toBe(0);
        expect(f.saturation.medianThroughput).toBeGreaterThan(0);
        expect(f.fixedRate.runs[0]!.ok).toBe(f.fixedRate.runs[0]!.requests);
        expect(f.fixedRate.medianP50Ms).toBeGreaterThan(0);
        expect(f.fixedRate.medianP99Ms).toBeGreaterThanOrEqual(f.fixedRate.medianP50Ms);
      }
      // the fixed rate is half the baseline's saturation throughput
      const base = figures.targets.passthrough!;
      expect(base.fixedRate.rate).toBe(Math.max(10, Math.round(base.saturation.medianThroughput / 2)));
      const comparison = figures.comparisons['gateway-postgres']!;
      expect(comparison.throughputRatio).toBeGreaterThan(0);
      expect(Number.isFinite(comparison.throughputRatio)).toBe(true);
      // the operating point: half of the gateway's own saturation throughput
      const own = figures.targets['gateway-postgres']!.saturation.medianThroughput;
      expect(comparison.ownRate!.rate).toBe(Math.max(10, Math.round(own / 2)));
      expect(comparison.ownRate!.gatewayP99Ms).toBeGreaterThan(0);
      // CPU per request for every row (the server's own process, from /proc)
      for (const f of Object.values(figures.targets)) {
        expect(f.saturation.runs[0]!.serverCpuMsPerRequest).toBeGreaterThan(0);
      }
    }
    // the REST peer confirmed each evidence once, durably: its CPU and PostgreSQL's are both counted
    const peer = report.operations.confirmVerification!.targets['rest-peer']!.saturation.runs[0]!;
    // /proc counts in 10 ms ticks: a tiny run may book none to PostgreSQL, but it must be measured (not NaN)
    expect(peer.postgresCpuMsPerRequest).toBeGreaterThanOrEqual(0);
    expect(peer.serverCpuMsPerRequest).toBeGreaterThan(0);
    expect(
      report.operations.confirmVerification!.comparisons['gateway-postgres']!.restPeerRatio,
    ).toBeGreaterThan(0);
    expect(report.idleMemory!['gateway-postgres']!.rssBytes).toBeGreaterThan(20 * 2 ** 20);

    const cold = report.coldConfirmations['gateway-postgres']!;
    expect(cold.verified).toBe(150);
    expect(cold.tokenRequests).toBe(1);
    expect(cold.upstreamCalls['/cityservice/face/identify/getinfo']).toBe(150);

    expect(report.slowUpstream!.targets['gateway-postgres']!.run.ok).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes('cold: 150 concurrent confirmations'))).toBe(true);

    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('confirmVerification throughput'),
        expect.stringContaining('token requests for 150 cold'),
      ]),
    );
  }, 120_000);
});
