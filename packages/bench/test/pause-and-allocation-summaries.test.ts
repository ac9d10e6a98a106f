import { describe, expect, it } from 'vitest';
import { summarizeHeapProfile } from '../src/profile/heap-profile-summary';
import { summarizeStalls } from '../src/profile/stall-trace';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('allocation summary', () => {
  it('sums every node of the tree and groups by function and by owner', () => {
    const parse = frame('parse', 'file:///r/node_modules/.pnpm/graphql@16/node_modules/graphql/parser.js', 9);
    const summary = summarizeHeapProfile({
      head: {
        callFrame: frame('(root)', ''),
        selfSize: 0,
        children: [
          { callFrame: parse, selfSize: 300, children: [] },
          {
            callFrame: frame('confirm', 'file:///r/packages/domain/src/use-cases/confirm.ts', 4),
            selfSize: 100,
            children: [{ callFrame: parse, selfSize: 200, children: [] }],
          },
          // the built gateway: a bundle under dist/ is booked to its package
          {
            callFrame: frame('resolve', 'file:///r/packages/gateway/dist/chunk-A1.js', 7),
            selfSize: 50,
            children: [],
          },
        ],
      },
    });
    expect(summary.totalBytes).toBe(650);
    expect(summary.byFunction[0]).toEqual({
      fn: 'parse (graphql/parser.js:10)',
      bytes: 500,
      share: 500 / 650,
    });
    expect(summary.byOwner.map((o) => [o.fn, o.bytes])).toEqual([
      ['graphql', 500],
      ['domain/use-cases', 100],
      ['gateway', 50],
    ]);
  });
});

describe('stall summary', () => {
  // 100 requests of 2 ms, one every 10 ms; the last one took 50 ms
  const requests = Array.from({ length: 100 }, (_, i) => ({
    due: 1_000 + 10 * i,
    latencyMs: i === 99 ? 50 : 2,
  }));

  it('counts a slow request a GC pause overlapped, and the chance overlap of all requests', () => {
    const s = summarizeStalls(requests, [
      { what: 'mark-compact', start: 1_990 + 20, ms: 12 },
      { what: 'scavenge', start: 1_000.5, ms: 1 },
      { what: 'loop', start: 1_990 + 20, ms: 12 },
      { what: 'scavenge', start: 9_000, ms: 5 }, // after the run: left out
    ]);
    expect(s.slow).toBe(1);
    expect(s.slowThresholdMs).toBe(50);
    expect(s.slowDuringGc).toBe(1);
    expect(s.slowDuringNeither).toBe(0);
    expect(s.allDuringGcShare).toBeCloseTo(2 / 100);
    expect(s.gc).toEqual({
      'mark-compact': { count: 1, maxMs: 12, totalMs: 12 },
      scavenge: { count: 1, maxMs: 1, totalMs: 1 },
    });
  });

  it('tells a stall of the loop without a GC from neither', () => {
    const stalled = summarizeStalls(requests, [{ what: 'loop', start: 2_000, ms: 8 }]);
    expect([stalled.slowDuringGc, stalled.slowDuringLoopStall, stalled.slowDuringNeither]).toEqual([0, 1, 0]);
    const neither = summarizeStalls(requests, [{ what: 'loop', start: 1_500, ms: 8 }]);
    expect(neither.slowDuringNeither).toBe(1);
    expect(neither.loopStalls).toEqual({ count: 1, maxMs: 8, totalMs: 8 });
  });
});
