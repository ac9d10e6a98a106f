import { readFileSync } from 'node:fs';
import { type CallFrame, frameName, ownerOf } from './cpu-profile-summary';

/** The parts of a V8 sampling heap profile (HeapProfiler.stopSampling) the summary reads. */
interface HeapProfileNode {
  callFrame: CallFrame;
  /** Estimated bytes allocated by this frame itself (V8 scales the samples up to the allocation rate). */
  selfSize: number;
  children: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
}

export interface Allocator {
  /** `function (where:line)` or an owner (dependency, package, node internals). */
  readonly fn: string;
  readonly bytes: number;
  readonly share: number;
}

export interface AllocationSummary {
  readonly totalBytes: number;
  readonly byFunction: readonly Allocator[];
  readonly byOwner: readonly Allocator[];
}

function top(bytesBy: Map<string, number>, total: number, n: number): Allocator[] {
  return [...bytesBy.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, bytes]) => ({ fn, bytes, share: total > 0 ? bytes / total : 0 }));
}

/** Bytes allocated in the profile's window, and the frames that allocated them, largest first. */
export function summarizeHeapProfile(profile: HeapProfile, n = 15): AllocationSummary {
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let totalBytes = 0;
  const stack = [profile.head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      const fn = frameName(node.callFrame);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
      const owner = ownerOf(node.callFrame);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + node.selfSize);
    }
    stack.push(...node.children);
  }
  return { totalBytes, byFunction: top(byFunction, totalBytes, n), byOwner: top(byOwner, totalBytes, n) };
}

export function readHeapProfile(file: string): HeapProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as HeapProfile;
}

/** `bytes per request` lines of the largest allocators. */
export function formatAllocators(rows: readonly Allocator[], requests: number): string {
  return rows
    .map(
      (r) =>
        `${(100 * r.share).toFixed(1).padStart(5)}%  ${(r.bytes / Math.max(1, requests)).toFixed(0).padStart(7)} B/req  ${r.fn}`,
    )
    .join('\n');
}
