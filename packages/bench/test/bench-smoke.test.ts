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
  databases: ['pglite'],
  slowUpstream: { latencyMs: 100, clients: 20, seconds: 0.5 },
  coldConfirmations: 150,
  // the memory phase starts one more gateway; `pnpm bench -- --quick` covers it
  memory: null,
  // the test runs beside others: no pinning, and the gateway's logs stay quiet
  pin: false,
  logLevel: 'warn',
};

describe('pnpm bench machinery (tiny)', () => {
  it('measures every operation on the passthrough and a real gateway, and counts one token for a cold burst', async () => {
    const lines: string[] = [];
    const report = await runBench(TINY, (line) => lines.push(line));

    for (const operation of ['startVerification', 'verification', 'confirmVerification']) {
      const figures = report.operations[operation]!;
      for (const target of ['passthrough', 'gateway-pglite']) {
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
      const ratio = figures.comparisons['gateway-pglite']!.throughputRatio;
      expect(ratio).toBeGreaterThan(0);
      expect(Number.isFinite(ratio)).toBe(true);
    }

    const cold = report.coldConfirmations['gateway-pglite']!;
    expect(cold.verified).toBe(150);
    expect(cold.tokenRequests).toBe(1);
    expect(cold.upstreamCalls['/cityservice/face/identify/getinfo']).toBe(150);

    expect(report.slowUpstream!.targets['gateway-pglite']!.run.ok).toBeGreaterThan(0);
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
