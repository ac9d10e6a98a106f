import { describe, expect, it } from 'vitest';
import { percentile } from '../src/load/load-types';
import { summarizeProfile, summarizeProfileByOwner } from '../src/profile/cpu-profile-summary';
import { type BenchReport, median } from '../src/report/bench-report';
import { renderMarkdown } from '../src/report/markdown';
import { checkTargets } from '../src/report/targets';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('cpu profile summary', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '') },
      {
        id: 2,
        callFrame: frame(
          'parse',
          'file:///repo/node_modules/.pnpm/graphql@16/node_modules/graphql/language/parser.js',
          9,
        ),
      },
      {
        id: 3,
        callFrame: frame('verify', 'file:///repo/packages/gateway/src/application/auth/user-token.ts', 40),
      },
      {
        id: 4,
        callFrame: frame(
          'parse',
          'file:///repo/node_modules/.pnpm/graphql@16/node_modules/graphql/language/parser.js',
          9,
        ),
      },
      { id: 5, callFrame: frame('(idle)', '') },
    ],
    samples: [2, 3, 4, 5, 2],
    timeDeltas: [1000, 500, 1000, 7000, 500],
  };

  it('sums self time per function over its call sites, largest first', () => {
    const top = summarizeProfile(profile, 3);
    expect(top.map((t) => t.fn)).toEqual([
      '((idle))',
      'parse (graphql/language/parser.js:10)',
      'verify (packages/gateway/src/application/auth/user-token.ts:41)',
    ]);
    expect(top[1]!.selfMs).toBe(2.5);
    expect(top[1]!.share).toBeCloseTo(0.25);
  });

  it('groups self time by dependency or package', () => {
    const owners = summarizeProfileByOwner(profile);
    expect(owners.find((o) => o.fn === 'graphql')!.selfMs).toBe(2.5);
    expect(owners.find((o) => o.fn === 'gateway/application')!.selfMs).toBe(0.5);
  });
});

describe('statistics', () => {
  it('takes the median of rounds and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(Float64Array.from([7]), 0.99)).toBe(7);
  });
});

function reportWith(overrides: Partial<BenchReport>): Omit<BenchReport, 'targets'> {
  return {
    date: '2026-01-01T00:00:00.000Z',
    mode: 'full',
    machine: { cpuModel: 'Test CPU', cores: 2, ramBytes: 2 ** 30, node: 'v20.0.0', platform: 'linux x64' },
    cpuSplit: 'not pinned',
    settings: {
      upstreamLatencyMs: 5,
      saturationConnections: 64,
      fixedRateShare: 0.5,
      fixedRateSeconds: 3,
      rounds: 3,
      protocol: 'LEGACY',
      gatewayLogLevel: 'info',
    },
    operations: {},
    slowUpstream: null,
    coldConfirmations: {},
    memory: null,
    notes: [],
    totalSeconds: 1,
    ...overrides,
  };
}

describe('targets', () => {
  it('checks the ratios, the p99 overheads, the cold token count and the memory bounds', () => {
    const run = { runs: [], medianThroughput: 0 };
    const fixed = (p50: number, p99: number) => ({ runs: [], rate: 100, medianP50Ms: p50, medianP99Ms: p99 });
    const report = reportWith({
      operations: {
        confirmVerification: {
          baseline: 'b',
          targets: {
            passthrough: { saturation: { ...run, medianThroughput: 1000 }, fixedRate: fixed(6, 9) },
            'gateway-pglite': { saturation: { ...run, medianThroughput: 600 }, fixedRate: fixed(8, 16) },
            'gateway-postgres': { saturation: { ...run, medianThroughput: 1000 }, fixedRate: fixed(7, 12) },
          },
          comparisons: {
            'gateway-pglite': {
              throughputRatio: 0.6,
              p50OverheadMs: 2,
              p99OverheadMs: 7,
              restPeerRatio: 0.55,
              ownRate: {
                rate: 300,
                gatewayP50Ms: 7,
                gatewayP99Ms: 12,
                passthroughP99Ms: 8,
                p99OverheadMs: 4,
              },
            },
          },
        },
      },
      coldConfirmations: {
        'gateway-pglite': {
          confirmations: 1000,
          verified: 1000,
          tokenRequests: 2,
          tokensIssued: 1,
          upstreamCalls: {},
          seconds: 1,
        },
      },
      memory: {
        database: 'postgres',
        sessionsRequested: 100_000,
        sessionsCreated: 100_000,
        failed: 0,
        seconds: 90,
        reachedTarget: true,
        checkpoints: [
          {
            sessions: 1000,
            rssBytes: 200 * 2 ** 20,
            heapUsedBytes: 40 * 2 ** 20,
            heapTotalBytes: 60 * 2 ** 20,
          },
          {
            sessions: 100_000,
            rssBytes: 210 * 2 ** 20,
            heapUsedBytes: 45 * 2 ** 20,
            heapTotalBytes: 60 * 2 ** 20,
          },
        ],
      },
    });
    const checks = checkTargets({
      ...report,
      idleMemory: {
        'gateway-pglite': { rssBytes: 320 * 2 ** 20, heapUsedBytes: 1 },
        'gateway-postgres': { rssBytes: 140 * 2 ** 20, heapUsedBytes: 1 },
      },
    });
    expect(checks.map((c) => [c.name.split(',')[0], c.met])).toEqual([
      ['confirmVerification throughput', true],
      ['confirmVerification throughput', false],
      ['confirmVerification p99 overhead at half its own saturation rate (300/s)', true],
      ["confirmVerification p99 overhead at half the passthrough's rate", false],
      ['confirmVerification throughput', true],
      ['token requests for 1000 cold concurrent confirmations', false],
      ['RSS of an idle gateway', false],
      ['RSS of an idle gateway', true],
      ['heap growth from 1000 to 100000 sessions (postgres)', true],
    ]);

    const markdown = renderMarkdown({ ...report, targets: checks }, { command: 'pnpm bench' });
    expect(markdown).toContain('Test CPU, 2 cores');
    expect(markdown).toContain('| confirmVerification | gateway-pglite | 600 | 0.60 | 0.55 |');
    expect(markdown).toContain(
      '| confirmVerification | gateway-pglite | 300/s | 7.00 | 12.00 | 8.00 | +4.00 |',
    );
    expect(markdown).toContain('**no**');
  });
});
