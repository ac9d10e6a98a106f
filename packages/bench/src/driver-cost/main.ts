import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { SqlVerificationSessionRepository, SqlWebhookDeliveryQueue } from '@facegate/adapters-postgres';
import { postgresForTests } from '@facegate/adapters-postgres/testing';
import type { VerificationSessionSnapshot } from '@facegate/domain';
import { summarizeHeapProfile } from '../profile/heap-profile-summary';
import { median } from '../report/bench-report';
import {
  type BenchDatabase,
  benchCipher,
  claimForConfirmation,
  completeConfirmation,
  createBenchDatabase,
  evidenceHash,
  pendingSession,
  startSessions,
} from '../support/confirmations';
import { cpuSpentMs, postgresCpuSnapshot } from '../support/cpu-time';
import { checkTypes } from './check-types';
import { DRIVER_VARIANTS, type DriverVariant, floorVariant } from './drivers';

/*
 * The PostgreSQL driver's cost on the client side, beside PostgreSQL's: a confirmation's two statements
 * (findAndClaim, then the completion) through the real repository on sessions started beforehand, over each
 * driver variant (drivers.ts), each on a fresh database of its own with the real migrations. Per confirmation:
 * this process's CPU (process.cpuUsage: the driver, the repository and the loop; the floor variant, which
 * answers from memory, shows what is not the driver's), the CPU of the database's backends from /proc, the
 * confirmations per second, and the bytes this process allocated (a separate pass under V8's sampling heap
 * profiler, so its overhead is not in the CPU figures). Two modes: `concurrent` (64 confirmations in flight over
 * 10 connections, as the gateway's pool under the bench's load) and `sequential` (one at a time on one
 * connection). Variants are interleaved within each round (order rotated), so a busy machine slows them alike:
 * compare within a round.
 *
 * `pnpm --filter @facegate/bench run driver-cost [-- --confirmations N --rounds N --concurrency N
 *   --connections N --alloc-confirmations N --modes concurrent,sequential]`
 */

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    confirmations: { type: 'string' },
    'alloc-confirmations': { type: 'string' },
    rounds: { type: 'string' },
    concurrency: { type: 'string' },
    connections: { type: 'string' },
    modes: { type: 'string' },
  },
});
const CONFIRMATIONS = Number(values.confirmations ?? 2000);
const ALLOC_CONFIRMATIONS = Number(values['alloc-confirmations'] ?? 1000);
const ROUNDS = Number(values.rounds ?? 5);
/** Before each measured pass (not counted): connections opened, statements prepared, code optimized. */
const WARM_UP = 300;

type Mode = 'concurrent' | 'sequential';
const MODES = (values.modes ?? 'concurrent,sequential').split(',') as Mode[];
const SHAPE: Record<Mode, { inFlight: number; connections: number }> = {
  concurrent: { inFlight: Number(values.concurrency ?? 64), connections: Number(values.connections ?? 10) },
  sequential: { inFlight: 1, connections: 1 },
};

interface Cost {
  readonly clientUs: number;
  /** The kernel's part of clientUs (system time: the socket calls, and loopback TCP done on the sender's time). */
  readonly clientSysUs: number;
  readonly serverUs: number;
  readonly perSecond: number;
}

/** Confirms every session once, `inFlight` confirmations at a time. */
async function confirmAll(
  repo: SqlVerificationSessionRepository,
  sessions: readonly VerificationSessionSnapshot[],
  inFlight: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < sessions.length) {
      const s = sessions[next++]!;
      const hash = evidenceHash();
      await claimForConfirmation(repo, s, hash);
      await completeConfirmation(repo, s, hash);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Sessions for a pass: started through the production repository, or only built for the floor. */
async function sessionsFor(
  bench: BenchDatabase | undefined,
  n: number,
): Promise<VerificationSessionSnapshot[]> {
  if (bench === undefined) return Array.from({ length: n }, (_, i) => pendingSession(i));
  return startSessions(bench.repo, n, 4);
}

/**
 * One pass: the variant opened on its database, warmed up, then `n` confirmations measured; with `heap`, the
 * bytes allocated per confirmation instead of the CPU (the sampler's own work would be in the CPU).
 */
async function pass(
  variant: DriverVariant,
  bench: BenchDatabase | undefined,
  mode: Mode,
  n: number,
  heap: Session | null,
): Promise<Cost & { bytes: number }> {
  const { inFlight, connections } = SHAPE[mode];
  const [warm, sessions] = [await sessionsFor(bench, WARM_UP), await sessionsFor(bench, n)];
  const driver = await variant.open(bench?.url ?? '', connections);
  try {
    const repo = new SqlVerificationSessionRepository(driver.db, benchCipher);
    await confirmAll(repo, warm, inFlight);
    gc();
    if (heap !== null) {
      await heap.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    const server = bench === undefined ? null : postgresCpuSnapshot(bench.name);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await confirmAll(repo, sessions, inFlight);
    const elapsed = performance.now() - started;
    const client = process.cpuUsage(cpu);
    const serverAfter = bench === undefined ? null : postgresCpuSnapshot(bench.name);
    let bytes = Number.NaN;
    if (heap !== null) {
      const { profile } = await heap.post('HeapProfiler.stopSampling');
      bytes = summarizeHeapProfile(profile).totalBytes / n;
    }
    return {
      clientUs: (client.user + client.system) / n,
      clientSysUs: client.system / n,
      serverUs:
        server === null || serverAfter === null ? Number.NaN : (cpuSpentMs(server, serverAfter) * 1000) / n,
      perSecond: n / (elapsed / 1000),
      bytes,
    };
  } finally {
    await driver.close();
    // the relay's work, outside the measurement: the outbox does not grow round after round
    if (bench !== undefined) {
      await new SqlWebhookDeliveryQueue(bench.db, benchCipher).dispatchOutbox(new Date(), 10_000, () => null);
    }
  }
}

interface Figures {
  clientUs: number[];
  clientSysUs: number[];
  serverUs: number[];
  perSecond: number[];
  bytes: number[];
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN;

async function main(): Promise<void> {
  const availability = await postgresForTests();
  if (!availability.run) throw new Error(availability.reason);
  const variants: DriverVariant[] = [floorVariant(pendingSession(0)), ...DRIVER_VARIANTS];
  const benches = new Map<string, BenchDatabase>();
  const heap = new Session();
  heap.connect();
  try {
    for (const v of variants)
      if (v.usesServer) benches.set(v.name, await createBenchDatabase({ poolMax: 4 }));
    await checkTypes(benches.get(DRIVER_VARIANTS[0]!.name)!, DRIVER_VARIANTS);
    const figures = new Map<string, Figures>();
    const key = (mode: Mode, v: DriverVariant) => `${mode}\t${v.name}`;
    for (const mode of MODES)
      for (const v of variants)
        figures.set(key(mode, v), { clientUs: [], clientSysUs: [], serverUs: [], perSecond: [], bytes: [] });
    const baseline = DRIVER_VARIANTS[0]!;
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) {
        const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
        const inRound = new Map<string, Cost & { bytes: number }>();
        for (const v of order) {
          const bench = benches.get(v.name);
          const cost = await pass(v, bench, mode, CONFIRMATIONS, null);
          const { bytes } = await pass(v, bench, mode, ALLOC_CONFIRMATIONS, heap);
          inRound.set(v.name, { ...cost, bytes });
          const f = figures.get(key(mode, v))!;
          f.clientUs.push(cost.clientUs);
          f.clientSysUs.push(cost.clientSysUs);
          f.serverUs.push(cost.serverUs);
          f.perSecond.push(cost.perSecond);
          f.bytes.push(bytes);
        }
        const base = inRound.get(baseline.name)!;
        for (const v of variants) {
          const c = inRound.get(v.name)!;
          console.log(
            `round ${round + 1} ${mode} ${v.name}: client ${fmt(c.clientUs)} µs (×${fmt(ratio(c.clientUs, base.clientUs), 2)}; system ${fmt(c.clientSysUs)}), ` +
              `server ${fmt(c.serverUs)} µs (×${fmt(ratio(c.serverUs, base.serverUs), 2)}), ${fmt(c.perSecond)}/s ` +
              `(×${fmt(ratio(c.perSecond, base.perSecond), 2)}), ${fmt(c.bytes / 1024, 1)} KB allocated per confirmation`,
          );
        }
      }
    }
    for (const mode of MODES) {
      const { inFlight, connections } = SHAPE[mode];
      console.log(
        `\n${mode}: ${inFlight} in flight over ${connections} connection(s), ${CONFIRMATIONS} confirmations a pass, medians of ${ROUNDS} rounds (× = median of the per-round ratios to ${baseline.name})\n`,
      );
      console.log(
        '| variant | client CPU µs/conf | × | of which system | server CPU µs/conf | × | confirmations/s | × | KB allocated/conf |',
      );
      console.log('| --- | --: | --: | --: | --: | --: | --: | --: | --: |');
      const base = figures.get(key(mode, baseline))!;
      for (const v of variants) {
        const f = figures.get(key(mode, v))!;
        const r = (a: number[], b: number[]) => median(a.map((x, i) => ratio(x, b[i]!)));
        console.log(
          `| ${v.name} | ${fmt(median(f.clientUs))} | ${fmt(r(f.clientUs, base.clientUs), 2)} | ${fmt(median(f.clientSysUs))} | ${fmt(median(f.serverUs))} | ${fmt(r(f.serverUs, base.serverUs), 2)} | ${fmt(median(f.perSecond))} | ${fmt(r(f.perSecond, base.perSecond), 2)} | ${fmt(median(f.bytes) / 1024, 1)} |`,
        );
      }
    }
  } finally {
    heap.disconnect();
    for (const bench of benches.values()) await bench.drop().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`driver-cost failed: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
