import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) the summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** `function (where:line)`, paths shortened to the package or dependency. */
  readonly fn: string;
  readonly selfMs: number;
  /** Share of all sampled time, 0..1. */
  readonly share: number;
}

function shorten(url: string): string {
  if (url === '') return 'native';
  const path = url.replace(/^file:\/\//, '');
  const dependency = path.lastIndexOf('/node_modules/');
  if (dependency >= 0) {
    const rest = path
      .slice(dependency + '/node_modules/'.length)
      .replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
    return rest;
  }
  const ours = path.indexOf('/packages/');
  return ours >= 0 ? path.slice(ours + 1) : path;
}

export type CallFrame = CpuProfile['nodes'][number]['callFrame'];

/** `function (where:line)`, or `(name)` for V8's own states and native code. */
export function frameName({ functionName, url, lineNumber }: CallFrame): string {
  return url === ''
    ? `(${functionName || 'anonymous'})`
    : `${functionName || '(anonymous)'} (${shorten(url)}:${lineNumber + 1})`;
}

/** Self time summed per key of each sample's frame, the `top` largest first. */
function selfTimeBy(profile: CpuProfile, keyOf: (frame: CallFrame) => string, top: number): SelfTime[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]!);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || delta < 0) continue;
    const key = keyOf(node.callFrame);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    totalUs += delta;
  }
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
}

/** Self time per function (summed over its call sites), largest first. */
export function summarizeProfile(profile: CpuProfile, top = 20): SelfTime[] {
  return selfTimeBy(profile, frameName, top);
}

/** What a frame belongs to: a dependency, one of our packages, Node itself, WebAssembly, or V8's states. */
export function ownerOf(callFrame: { functionName: string; url: string }): string {
  const { url, functionName } = callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('wasm://')) return 'wasm (PGlite)';
  if (url.startsWith('node:')) return 'node internals';
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  const ours = /packages\/([^/]+)\/src\/(?:([^/]+)\/)?/.exec(url);
  if (ours) return ours[2] && !ours[2].includes('.') ? `${ours[1]}/${ours[2]}` : ours[1]!;
  // the built gateway runs bundles: dist/ names the package, not the folder
  const built = /packages\/([^/]+)\/dist\//.exec(url);
  if (built) return built[1]!;
  return url;
}

/** Self time per owner (dependency, package, node internals...), largest first. */
export function summarizeProfileByOwner(profile: CpuProfile, top = 20): SelfTime[] {
  return selfTimeBy(profile, ownerOf, top);
}

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function summarizeCpuProfile(file: string, top = 20): SelfTime[] {
  return summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top);
}

export function formatSummary(rows: readonly SelfTime[]): string {
  return rows
    .map((r) => `${(100 * r.share).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(7)} ms  ${r.fn}`)
    .join('\n');
}
