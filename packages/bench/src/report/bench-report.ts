import type { FixedRateResult, SaturationResult } from '../load/load-types';
import type { StallSummary } from '../profile/stall-trace';
import type { DatabaseStats } from '../support/database-stats';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramBytes: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the run began and ended: other work on the machine skews the figures. */
  readonly loadAverage?: { readonly atStart: number; readonly atEnd: number };
}

export interface TargetFigures {
  readonly saturation: { readonly runs: SaturationResult[]; readonly medianThroughput: number };
  readonly fixedRate: {
    readonly runs: FixedRateResult[];
    readonly rate: number;
    readonly medianP50Ms: number;
    readonly medianP99Ms: number;
  };
}

export interface GatewayComparison {
  /** Gateway throughput at saturation / the baseline's. */
  readonly throughputRatio: number;
  /** Gateway minus baseline, at the fixed rate. */
  readonly p50OverheadMs: number;
  readonly p99OverheadMs: number;
  /** Gateway throughput at saturation / the REST peer's (confirmations only). */
  readonly restPeerRatio?: number;
  /** At half the gateway's own saturation throughput: the operating point, not overload. */
  readonly ownRate?: {
    readonly rate: number;
    readonly gatewayP50Ms: number;
    readonly gatewayP99Ms: number;
    readonly passthroughP99Ms: number;
    readonly p99OverheadMs: number;
  };
}

export interface IdleMemory {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export interface OperationFigures {
  /** What the baseline does for this operation. */
  readonly baseline: string;
  readonly targets: Record<string, TargetFigures>;
  readonly comparisons: Record<string, GatewayComparison>;
}

export interface SlowUpstreamFigures {
  readonly latencyMs: number;
  readonly clients: number;
  /** clients / latency: the throughput the latency allows with zero overhead. */
  readonly idealThroughput: number;
  readonly targets: Record<string, { readonly run: SaturationResult; readonly shareOfIdeal: number }>;
}

export interface ColdConfirmationFigures {
  readonly confirmations: number;
  readonly verified: number;
  /** Calls to /cgi-bin/stable_token and /cgi-bin/token the sandbox received. */
  readonly tokenRequests: number;
  readonly tokensIssued: number;
  readonly upstreamCalls: Record<string, number>;
  readonly seconds: number;
}

export interface MemoryCheckpoint {
  readonly sessions: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
}

export interface MemoryFigures {
  readonly database: string;
  readonly sessionsRequested: number;
  readonly sessionsCreated: number;
  readonly failed: number;
  readonly seconds: number;
  readonly reachedTarget: boolean;
  readonly checkpoints: MemoryCheckpoint[];
}

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export interface BenchReport {
  readonly date: string;
  readonly mode: string;
  readonly machine: MachineInfo;
  readonly cpuSplit: string;
  readonly settings: Record<string, unknown>;
  readonly operations: Record<string, OperationFigures>;
  readonly slowUpstream: SlowUpstreamFigures | null;
  readonly coldConfirmations: Record<string, ColdConfirmationFigures>;
  readonly memory: MemoryFigures | null;
  /** RSS of each single-worker gateway just started, before any request. */
  readonly idleMemory?: Record<string, IdleMemory>;
  readonly targets: TargetCheck[];
  readonly notes: string[];
  readonly totalSeconds: number;
  /**
   * Each PostgreSQL gateway's database after the run: index scans (which index a query used) and HOT updates
   * (filled when the gateways stop, so present in the printed and written report, not in the targets).
   */
  readonly databaseStats?: Record<string, DatabaseStats>;
  /** `--heap-profile`: per gateway and operation, the last round's allocations per request and their top frames. */
  readonly allocationProfiles?: Record<
    string,
    {
      file: string;
      requests: number;
      bytesPerRequest: number;
      byFunction: { fn: string; bytes: number; share: number }[];
      byOwner: { fn: string; bytes: number; share: number }[];
    }
  >;
  /** `--stall-trace`: per gateway and operation, each round's run at half the gateway's own rate. */
  readonly stallTraces?: Record<string, StallSummary[]>;
  readonly cpuProfiles?: Record<
    string,
    { file: string; top: { fn: string; selfMs: number; share: number }[] }
  >;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
