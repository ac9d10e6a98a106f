import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { BenchConfig, Operation } from './bench-config';
import { runFixedRate } from './load/fixed-rate';
import type { FixedRateResult, LoadRequest, RequestSource, SaturationResult } from './load/load-types';
import { runSaturation } from './load/saturation';
import { summarizeCpuProfile } from './profile/cpu-profile-summary';
import { readHeapProfile, summarizeHeapProfile } from './profile/heap-profile-summary';
import { formatStalls, readPauses, type StallSummary, summarizeStalls } from './profile/stall-trace';
import {
  type BenchReport,
  type ColdConfirmationFigures,
  type IdleMemory,
  type MachineInfo,
  type MemoryCheckpoint,
  type MemoryFigures,
  median,
  type OperationFigures,
  type SlowUpstreamFigures,
  type TargetFigures,
} from './report/bench-report';
import { checkTargets } from './report/targets';
import {
  type CpuPlan,
  type DatabaseKind,
  GatewayTarget,
  startBaselineProcess,
  startPassthroughProcess,
  startSandboxProcess,
} from './scenario/environment';
import {
  accepts,
  BENCH_IDENTITY,
  checkOnDevice,
  confirmRequest,
  cycling,
  GRAPHQL,
  onceEach,
  parseStarted,
  type ReadyConfirmation,
  SandboxDevice,
  signInUsers,
  startRequest,
  startSessions,
  verificationRequest,
} from './scenario/facegate-flow';
import { cpuSpentMs, postgresCpuSnapshot, processCpuMs, processTreeCpuMs } from './support/cpu-time';
import { type DatabaseStats, formatDatabaseStats, readDatabaseStats } from './support/database-stats';
import { JsonClient, mapConcurrent } from './support/json-client';
import { canPin, type ServiceProcess } from './support/service-process';

export type Log = (line: string) => void;

/** A verifyResult is valid 5 minutes at WeChat; confirmations older than this are not sent. */
const READY_MAX_AGE_MS = 4 * 60_000;
/** Sessions kept for the verification query. */
const QUERYABLE_SESSIONS = 2000;

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function cpuPlan(config: BenchConfig): CpuPlan {
  const cores = cpus().length;
  if (!config.pin || cores < 2 || !canPin()) {
    return {
      loadGenerator: null,
      sandbox: null,
      serverUnderTest: null,
      description: `not pinned: the load generator, the sandbox, the passthrough, the gateways${
        config.databases.includes('postgres') ? ' and PostgreSQL' : ''
      } share all ${cores} cores`,
    };
  }
  const half = Math.floor(cores / 2);
  const range = (from: number, to: number) => (from === to ? `${from}` : `${from}-${to}`);
  const generator = range(0, half - 1);
  const server = range(half, cores - 1);
  return {
    loadGenerator: generator,
    sandbox: generator,
    serverUnderTest: server,
    description:
      `pinned with taskset: the load generator (this process) and the sandbox on CPU ${generator}; ` +
      `the server under test (the passthrough or a gateway, one loaded at a time) on CPU ${server}` +
      (config.databases.includes('postgres') ? '; PostgreSQL unpinned' : ''),
  };
}

interface Target {
  readonly name: string;
  readonly url: string;
  readonly gateway: GatewayTarget | null;
  /** The server's process id (a gateway's changes when it restarts). */
  readonly pid: () => number;
  /** Its own PostgreSQL database, whose backends' CPU is booked to it (none: every postgres process). */
  readonly database?: string;
  /** The operations it answers (all when absent). */
  readonly operations?: readonly Operation[];
}

/** A gateway with workers is a process tree; every other server is one process. */
const serverCpuMs = (target: Target) =>
  target.gateway?.spec.workers ? processTreeCpuMs(target.pid()) : processCpuMs(target.pid());

/** The frame floor answers any id from memory. */
const FRAME_FLOOR_REQUEST: LoadRequest = {
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    query: GRAPHQL.verification,
    variables: { id: '00000000-0000-4000-8000-000000000000' },
  }),
};

const answers = (target: Target, operation: Operation) =>
  target.operations === undefined || target.operations.includes(operation);

/** Per-round state of one target and operation. */
interface Series {
  saturation: SaturationResult[];
  fixedRate: FixedRateResult[];
  estimate: number;
}

function cpuNote(result: SaturationResult): string {
  const parts = [
    result.serverCpuMsPerRequest === undefined
      ? null
      : `server CPU ${result.serverCpuMsPerRequest.toFixed(2)} ms/req`,
    result.postgresCpuMsPerRequest === undefined
      ? null
      : `PostgreSQL CPU ${result.postgresCpuMsPerRequest.toFixed(2)} ms/req`,
    result.allocatedBytesPerRequest === undefined
      ? null
      : `allocated ${(result.allocatedBytesPerRequest / 1024).toFixed(1)} KiB/req`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? '' : `; ${parts.join(', ')}`;
}

/** Runs the whole benchmark and returns its figures (writing the docs is the caller's business). */
export async function runBench(config: BenchConfig, log: Log): Promise<BenchReport> {
  const began = performance.now();
  const loadAtStart = loadavg()[0]!;
  const workDir = mkdtempSync(join(tmpdir(), 'facegate-bench-'));
  const plan = cpuPlan(config);
  if (plan.loadGenerator !== null) spawnSync('taskset', ['-pc', plan.loadGenerator, String(process.pid)]);
  const notes: string[] = [];
  const processes: ServiceProcess[] = [];
  const gateways: GatewayTarget[] = [];
  const drops: (() => Promise<void>)[] = [];
  const clients: JsonClient[] = [];
  // filled once the gateways have stopped (their backends then have flushed their counters)
  const databaseStats: Record<string, DatabaseStats> = {};
  const runId = Date.now().toString(36);
  log(`work dir ${workDir}; ${plan.description}`);

  try {
    const sandbox = await startSandboxProcess(workDir, config.upstreamLatencyMs, plan.sandbox);
    processes.push(sandbox);
    const sandboxClient = new JsonClient(sandbox.url, 64);
    clients.push(sandboxClient);
    const device = new SandboxDevice(sandboxClient);
    const passthrough = await startPassthroughProcess(workDir, sandbox.url, plan.serverUnderTest);
    processes.push(passthrough);
    log(`sandbox ${sandbox.url} (latency ${config.upstreamLatencyMs} ms), passthrough ${passthrough.url}`);

    const cpuProfileDir = config.cpuProfile ? join(workDir, 'cpu-profiles') : undefined;
    const heapProfileDir = config.heapProfile ? join(workDir, 'heap-profiles') : undefined;
    const allocationProfiles: NonNullable<BenchReport['allocationProfiles']> = {};
    const stallTraces: Record<string, StallSummary[]> = {};
    const databases = await usableDatabases(config.databases, notes, log);
    const baselines: Target[] = [];
    if (config.operations.includes('verification')) {
      const floor = await startBaselineProcess('frame-floor', workDir, plan.serverUnderTest);
      processes.push(floor);
      baselines.push({
        name: 'frame-floor',
        url: floor.url,
        gateway: null,
        pid: () => floor.pid,
        operations: ['verification'],
      });
    }
    if (config.operations.includes('confirmVerification') && databases.includes('postgres')) {
      const peerDatabaseUrl = await freshPostgres(drops);
      const peer = await startBaselineProcess('rest-peer', workDir, plan.serverUnderTest, {
        sandboxUrl: sandbox.url,
        databaseUrl: peerDatabaseUrl,
      });
      processes.push(peer);
      baselines.push({
        name: 'rest-peer',
        url: peer.url,
        gateway: null,
        pid: () => peer.pid,
        database: databaseNameOf(peerDatabaseUrl),
        operations: ['confirmVerification'],
      });
    }
    const idleMemory: Record<string, IdleMemory> = {};
    type GatewayPlan = {
      database: DatabaseKind;
      workers: number | undefined;
      bin: string | undefined;
      compare: boolean;
    };
    const gatewaySpecs: GatewayPlan[] = databases.map((database) => ({
      database,
      workers: undefined,
      bin: undefined,
      compare: false,
    }));
    const compare =
      config.compareBin !== undefined ||
      config.compareNodeArgs !== undefined ||
      config.compareEnv !== undefined;
    if (compare) {
      // on PostgreSQL when it is measured, else on PGlite (`--databases pglite`: no shared server's noise)
      const database = databases.includes('postgres') ? 'postgres' : databases[0];
      if (database !== undefined)
        gatewaySpecs.push({ database, workers: undefined, bin: config.compareBin, compare: true });
    }
    if (config.workers > 1 && databases.includes('postgres')) {
      gatewaySpecs.push({ database: 'postgres', workers: config.workers, bin: undefined, compare: false });
    }
    for (const { database, workers, bin, compare: other } of gatewaySpecs) {
      const name = `gateway-${database}${workers ? `-w${workers}` : ''}${other ? '-before' : ''}`;
      const nodeArgs = other ? config.compareNodeArgs : config.nodeArgs;
      const env = other ? config.compareEnv : config.env;
      const gateway = new GatewayTarget({
        name,
        database,
        databaseUrl: database === 'postgres' ? await freshPostgres(drops) : undefined,
        sandboxUrl: sandbox.url,
        workDir,
        logLevel: config.logLevel,
        // several workers are there to use every core: not pinned (the load generator then competes)
        cpus: workers ? null : plan.serverUnderTest,
        ...(workers ? { workers } : {}),
        ...(bin ? { bin } : {}),
        ...(nodeArgs ? { nodeArgs } : {}),
        ...(env ? { env } : {}),
        ...(cpuProfileDir ? { cpuProfileDir: join(cpuProfileDir, name) } : {}),
        // one process only: the signal that toggles the sampler reaches the primary of a cluster alone
        ...(heapProfileDir && !workers ? { heapProfileDir: join(heapProfileDir, name) } : {}),
        ...(config.stallTrace && !workers ? { stallLog: join(workDir, `${name}.stalls.jsonl`) } : {}),
      });
      await gateway.start();
      gateways.push(gateway);
      if (!workers) {
        // at rest: started, migrated, nothing asked yet (GC settles within a second)
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const m = await gateway.memory();
        idleMemory[name] = { rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes };
        log(`${name} idle: RSS ${(m.rssBytes / 2 ** 20).toFixed(0)} MiB`);
      }
      gateway.users = await signInUsers(gateway.client, device, `bench_${runId}_${name}`, config.users);
      log(`${gateway.name} ${gateway.url}: ${gateway.users.length} users signed in`);
    }

    const targets: Target[] = [
      { name: 'passthrough', url: passthrough.url, gateway: null, pid: () => passthrough.pid },
      ...baselines,
      ...gateways.map((g) => ({
        name: g.name,
        url: g.url,
        gateway: g,
        pid: () => g.process.pid,
        ...(g.spec.databaseUrl ? { database: databaseNameOf(g.spec.databaseUrl) } : {}),
      })),
    ];
    const supply = new Supply(config, device, log);
    let evidence = await device.legacyEvidence(`bench_${runId}_passthrough`);
    let evidenceAt = Date.now();
    const baselineRequest = async (operation: Operation): Promise<LoadRequest> => {
      if (Date.now() - evidenceAt > READY_MAX_AGE_MS) {
        evidence = await device.legacyEvidence(`bench_${runId}_passthrough`);
        evidenceAt = Date.now();
      }
      const body =
        operation === 'confirmVerification'
          ? { verifyResult: evidence }
          : operation === 'startVerification'
            ? BENCH_IDENTITY
            : {};
      const path =
        operation === 'confirmVerification'
          ? '/confirm'
          : operation === 'startVerification'
            ? '/start'
            : '/local';
      return { path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    };

    /** The requests one run against one target needs (`count` of them at least). */
    const sourceFor = async (target: Target, operation: Operation, count: number): Promise<RequestSource> => {
      const gateway = target.gateway;
      if (target.name === 'frame-floor') {
        return cycling([FRAME_FLOOR_REQUEST], accepts.verification);
      }
      if (target.name === 'rest-peer') {
        // fresh evidence for each request, made outside the measurement: a replay would be refused
        const evidence = await mapConcurrent(
          Array.from({ length: count }, (_, i) => i),
          64,
          () => device.legacyEvidence(`bench_${runId}_rest`),
        );
        return onceEach(
          evidence.map((verifyResult) => ({
            path: '/confirm',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ verifyResult }),
          })),
          accepts.verified,
        );
      }
      if (gateway === null) {
        const accept = operation === 'verification' ? accepts.local : accepts.upstreamOk;
        return cycling([await baselineRequest(operation)], accept);
      }
      switch (operation) {
        case 'startVerification':
          return cycling(
            gateway.users.map((u) => startRequest(u, config.protocol)),
            accepts.started,
            (body) => supply.keepStarted(gateway, body),
          );
        case 'verification':
          if (gateway.queryable.length === 0) await supply.topUpQueryable(gateway);
          return cycling(gateway.queryable.map(verificationRequest), accepts.verification);
        case 'confirmVerification':
          return onceEach((await supply.take(gateway, count)).map(confirmRequest), accepts.verified);
      }
    };

    const series = new Map<string, Series>();
    const seriesOf = (target: Target, operation: Operation) => {
      const key = `${operation}:${target.name}`;
      let s = series.get(key);
      if (s === undefined) {
        s = { saturation: [], fixedRate: [], estimate: 0 };
        series.set(key, s);
      }
      return s;
    };
    const saturationSize = (estimate: number) =>
      Math.round(
        Math.min(
          config.saturationRequests.max,
          Math.max(config.saturationRequests.min, estimate * config.saturationSeconds),
        ),
      );

    const saturate = async (target: Target, operation: Operation, requests: number, connections: number) => {
      const source = await sourceFor(target, operation, requests + connections + 16);
      const serverBefore = serverCpuMs(target);
      const postgresBefore = postgresCpuSnapshot(target.database);
      const load = () => runSaturation({ url: target.url, source, connections, requests });
      const sampled = target.gateway?.spec.heapProfileDir
        ? await target.gateway.sampleAllocations(load)
        : undefined;
      const result = sampled ? sampled.result : await load();
      const serverAfter = serverCpuMs(target);
      const postgresAfter = postgresCpuSnapshot(target.database);
      if (target.gateway) await supply.afterRun(target.gateway);
      const perRequest = (before: number | null, after: number | null) =>
        before === null || after === null || result.ok === 0 ? undefined : (after - before) / result.ok;
      const serverCpu = perRequest(serverBefore, serverAfter);
      const postgresCpu =
        postgresBefore === null || postgresAfter === null
          ? undefined
          : perRequest(0, cpuSpentMs(postgresBefore, postgresAfter));
      let allocated: number | undefined;
      if (sampled && result.ok > 0) {
        const summary = summarizeHeapProfile(readHeapProfile(sampled.profileFile));
        allocated = summary.totalBytes / result.ok;
        // the last run of each gateway and operation (a round's, after the warm-up's) is the one kept
        allocationProfiles[`${target.name}/${operation}`] = {
          file: sampled.profileFile,
          requests: result.ok,
          bytesPerRequest: allocated,
          byFunction: [...summary.byFunction],
          byOwner: [...summary.byOwner],
        };
      }
      return {
        ...result,
        ...(allocated === undefined ? {} : { allocatedBytesPerRequest: allocated }),
        ...(serverCpu === undefined ? {} : { serverCpuMsPerRequest: serverCpu }),
        ...(postgresCpu === undefined ? {} : { postgresCpuMsPerRequest: postgresCpu }),
      };
    };

    // warm-up: JIT, connection pools, caches; not recorded, but it sizes the first round
    for (const operation of config.operations) {
      for (const target of targets.filter((t) => answers(t, operation))) {
        const warm = await saturate(target, operation, config.warmupRequests, config.connections);
        seriesOf(target, operation).estimate = warm.throughput;
        log(`warm-up ${operation} ${target.name}: ${warm.throughput.toFixed(0)}/s (${warm.failed} failed)`);
      }
    }

    for (let round = 0; round < config.rounds; round++) {
      for (const operation of config.operations) {
        for (const target of rotate(targets, round).filter((t) => answers(t, operation))) {
          const s = seriesOf(target, operation);
          const result = await saturate(target, operation, saturationSize(s.estimate), config.connections);
          s.saturation.push(result);
          s.estimate = result.throughput;
          log(
            `round ${round + 1} saturation ${operation} ${target.name}: ${result.throughput.toFixed(0)}/s ` +
              `p50 ${result.p50Ms.toFixed(1)} ms p99 ${result.p99Ms.toFixed(1)} ms (${result.ok} ok, ${result.failed} failed)` +
              cpuNote(result),
          );
        }
      }
    }

    const rates = new Map<Operation, number>();
    for (const operation of config.operations) {
      const baseline = median(seriesOf(targets[0]!, operation).saturation.map((r) => r.throughput));
      rates.set(operation, Math.max(10, Math.round(baseline * config.fixedRateShare)));
    }
    for (let round = 0; round < config.rounds; round++) {
      for (const operation of config.operations) {
        const rate = rates.get(operation)!;
        for (const target of rotate(targets, round).filter((t) => answers(t, operation))) {
          const s = seriesOf(target, operation);
          const capacity = median(s.saturation.map((r) => r.throughput));
          // a server slower than the rate only builds a queue: one short run shows it, more would only wait
          const overloaded = capacity < rate;
          if (overloaded && round > 0) continue;
          const seconds = overloaded ? Math.min(1, config.fixedRateSeconds) : config.fixedRateSeconds;
          const requests = Math.round(rate * seconds);
          const source = await sourceFor(target, operation, requests);
          const result = await runFixedRate({
            url: target.url,
            source,
            rate,
            seconds,
            drainTimeoutMs: 20_000,
          });
          if (target.gateway) await supply.afterRun(target.gateway);
          s.fixedRate.push(overloaded ? { ...result, overloaded } : result);
          log(
            `round ${round + 1} fixed ${rate}/s ${operation} ${target.name}: p50 ${result.p50Ms.toFixed(2)} ms ` +
              `p99 ${result.p99Ms.toFixed(2)} ms (${result.ok} ok, ${result.failed} failed, send lag ${result.maxSendLagMs.toFixed(1)} ms)` +
              (overloaded ? ` OVERLOADED: saturation throughput ${capacity.toFixed(0)}/s < ${rate}/s` : ''),
          );
        }
      }
    }

    // the operating point: half of each gateway's own saturation throughput, the passthrough beside it
    const ownRate = new Map<
      string,
      { rate: number; gateway: FixedRateResult[]; passthrough: FixedRateResult[] }
    >();
    for (let round = 0; round < config.rounds; round++) {
      for (const operation of config.operations) {
        for (const target of targets.filter((t) => t.gateway !== null)) {
          const key = `${operation}:${target.name}`;
          const capacity = median(seriesOf(target, operation).saturation.map((r) => r.throughput));
          const rate = Math.max(10, Math.round(capacity * config.fixedRateShare));
          let own = ownRate.get(key);
          if (own === undefined) {
            own = { rate, gateway: [], passthrough: [] };
            ownRate.set(key, own);
          }
          const pair = round % 2 === 0 ? [target, targets[0]!] : [targets[0]!, target];
          for (const t of pair) {
            const requests = Math.round(own.rate * config.fixedRateSeconds);
            const result = await runFixedRate({
              url: t.url,
              source: await sourceFor(t, operation, requests),
              rate: own.rate,
              seconds: config.fixedRateSeconds,
              drainTimeoutMs: 20_000,
              trace: t.gateway?.spec.stallLog !== undefined,
            });
            const { timed, ...figures } = result;
            if (t.gateway) await supply.afterRun(t.gateway);
            (t.gateway ? own.gateway : own.passthrough).push(figures);
            const stallLog = t.gateway?.spec.stallLog;
            if (timed && stallLog) {
              // the recorder flushes every 200 ms
              await new Promise((resolve) => setTimeout(resolve, 400));
              const stalls = summarizeStalls(timed, readPauses(stallLog));
              stallTraces[key] = [...(stallTraces[key] ?? []), stalls];
              log(`round ${round + 1} stalls ${operation} ${t.name}: ${formatStalls(stalls)}`);
            }
            log(
              `round ${round + 1} fixed ${own.rate}/s (half of ${target.name}'s own) ${operation} ${t.name}: ` +
                `p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms (${result.ok} ok, ${result.failed} failed)`,
            );
          }
        }
      }
    }

    const operations: Record<string, OperationFigures> = {};
    for (const operation of config.operations) {
      const figures: Record<string, TargetFigures> = {};
      for (const target of targets.filter((t) => answers(t, operation))) {
        const s = seriesOf(target, operation);
        figures[target.name] = {
          saturation: { runs: s.saturation, medianThroughput: median(s.saturation.map((r) => r.throughput)) },
          fixedRate: {
            runs: s.fixedRate,
            rate: rates.get(operation)!,
            medianP50Ms: median(s.fixedRate.map((r) => r.p50Ms)),
            medianP99Ms: median(s.fixedRate.map((r) => r.p99Ms)),
          },
        };
      }
      const base = figures.passthrough!;
      const peer = figures['rest-peer'];
      operations[operation] = {
        baseline: BASELINES[operation],
        targets: figures,
        comparisons: Object.fromEntries(
          gateways.map((g) => {
            const f = figures[g.name]!;
            const own = ownRate.get(`${operation}:${g.name}`);
            return [
              g.name,
              {
                throughputRatio: f.saturation.medianThroughput / base.saturation.medianThroughput,
                p50OverheadMs: f.fixedRate.medianP50Ms - base.fixedRate.medianP50Ms,
                p99OverheadMs: f.fixedRate.medianP99Ms - base.fixedRate.medianP99Ms,
                ...(peer
                  ? { restPeerRatio: f.saturation.medianThroughput / peer.saturation.medianThroughput }
                  : {}),
                ...(own
                  ? {
                      ownRate: {
                        rate: own.rate,
                        gatewayP50Ms: median(own.gateway.map((r) => r.p50Ms)),
                        gatewayP99Ms: median(own.gateway.map((r) => r.p99Ms)),
                        passthroughP99Ms: median(own.passthrough.map((r) => r.p99Ms)),
                        p99OverheadMs:
                          median(own.gateway.map((r) => r.p99Ms)) -
                          median(own.passthrough.map((r) => r.p99Ms)),
                      },
                    }
                  : {}),
              },
            ];
          }),
        ),
      };
    }

    let slowUpstream: SlowUpstreamFigures | null = null;
    if (config.slowUpstream) {
      const { latencyMs, clients: clientCount, seconds } = config.slowUpstream;
      const ideal = clientCount / (latencyMs / 1000);
      await device.setLatency(latencyMs);
      const figures: SlowUpstreamFigures['targets'] = {};
      for (const target of targets.filter((t) => answers(t, 'confirmVerification'))) {
        // no server confirms faster with a slow upstream than it did with a fast one: size the run by that
        const capacity = seriesOf(target, 'confirmVerification').estimate || ideal;
        const requests = Math.round(Math.min(ideal, 1.5 * capacity) * seconds);
        const source = await sourceFor(target, 'confirmVerification', requests + clientCount);
        const run = await runSaturation({
          url: target.url,
          source,
          connections: clientCount,
          requests,
          maxSeconds: seconds * 2,
        });
        if (target.gateway) await supply.afterRun(target.gateway);
        figures[target.name] = { run, shareOfIdeal: run.throughput / ideal };
        log(
          `upstream ${latencyMs} ms, ${clientCount} clients, confirmVerification ${target.name}: ` +
            `${run.throughput.toFixed(0)}/s = ${((100 * run.throughput) / ideal).toFixed(1)}% of ${ideal}/s`,
        );
      }
      await device.setLatency(config.upstreamLatencyMs);
      slowUpstream = { latencyMs, clients: clientCount, idealThroughput: ideal, targets: figures };
    }

    const cold: Record<string, ColdConfirmationFigures> = {};
    if (config.coldConfirmations > 0) {
      // one worker: the token single flight is per process (workers share the database, not the token)
      for (const gateway of gateways.filter((g) => !g.spec.workers)) {
        cold[gateway.name] = await coldConfirmations(gateway, supply, device, config.coldConfirmations, log);
      }
    }

    let memory: MemoryFigures | null = null;
    if (config.memory) {
      const database = (await usableDatabases([config.memory.database], notes, log))[0] ?? 'pglite';
      const gateway = new GatewayTarget({
        name: `gateway-memory-${database}`,
        database,
        databaseUrl: database === 'postgres' ? await freshPostgres(drops) : undefined,
        sandboxUrl: sandbox.url,
        workDir,
        logLevel: config.logLevel,
        cpus: plan.serverUnderTest,
      });
      await gateway.start();
      gateways.push(gateway);
      memory = await measureMemory(gateway, device, config, runId, log);
    }

    let cpuProfiles: BenchReport['cpuProfiles'];
    if (cpuProfileDir) {
      cpuProfiles = {};
      for (const gateway of gateways) await gateway.stop();
      for (const gateway of gateways) {
        const dir = gateway.spec.cpuProfileDir;
        if (!dir) continue;
        for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
          const top = summarizeCpuProfile(join(dir, file), 15);
          cpuProfiles[`${gateway.name}/${file}`] = { file: join(dir, file), top };
        }
      }
    }

    const report: BenchReport = {
      date: new Date().toISOString(),
      mode: config.mode,
      machine: { ...machineInfo(), loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0]! } },
      cpuSplit: plan.description,
      settings: {
        rounds: config.rounds,
        upstreamLatencyMs: config.upstreamLatencyMs,
        saturationConnections: config.connections,
        saturationSeconds: config.saturationSeconds,
        fixedRateSeconds: config.fixedRateSeconds,
        fixedRateShare: config.fixedRateShare,
        protocol: config.protocol,
        usersPerGateway: config.users,
        gatewayLogLevel: config.logLevel,
        gatewayNodeEnv: 'production',
        workers: config.workers,
        sandbox: 'facegate-sandbox CLI in its own process',
        gateway:
          'facegate serve (packages/gateway/bin/facegate.mjs) in its own process, WeChat = the sandbox',
      },
      operations,
      slowUpstream,
      coldConfirmations: cold,
      memory,
      idleMemory,
      targets: [],
      notes,
      totalSeconds: (performance.now() - began) / 1000,
      ...(cpuProfiles ? { cpuProfiles } : {}),
      ...(heapProfileDir ? { allocationProfiles } : {}),
      ...(config.stallTrace ? { stallTraces } : {}),
      databaseStats,
    };
    return { ...report, targets: checkTargets(report) };
  } finally {
    for (const gateway of gateways) await gateway.stop().catch(() => {});
    for (const gateway of gateways) {
      if (gateway.spec.databaseUrl === undefined) continue;
      try {
        databaseStats[gateway.name] = await readDatabaseStats(gateway.spec.databaseUrl);
        log(formatDatabaseStats(gateway.name, databaseStats[gateway.name]!));
      } catch (error) {
        log(`PostgreSQL statistics of ${gateway.name} not read: ${(error as Error).message}`);
      }
    }
    for (const p of processes.reverse()) await p.stop().catch(() => {});
    for (const client of clients) await client.close().catch(() => {});
    for (const drop of drops) await drop().catch(() => {});
    if (!config.cpuProfile && !config.heapProfile && !config.stallTrace)
      rmSync(workDir, { recursive: true, force: true });
  }
}

const BASELINES: Record<Operation, string> = {
  confirmVerification:
    'passthrough: the same getinfo call to the sandbox with one cached token, its answer returned as is',
  startVerification: 'passthrough: the same getuseridkey call to the sandbox with one cached token',
  verification:
    'passthrough answering a same-sized JSON from memory (the query makes no upstream call): the bare HTTP cost',
};

function rotate<T>(items: readonly T[], by: number): T[] {
  const n = items.length;
  return items.map((_, i) => items[(i + by) % n]!);
}

async function usableDatabases(
  wanted: readonly DatabaseKind[],
  notes: string[],
  log: Log,
): Promise<DatabaseKind[]> {
  const usable: DatabaseKind[] = [];
  for (const database of wanted) {
    if (database === 'postgres') {
      const { postgresForTests } = await import('@facegate/adapters-postgres/testing');
      try {
        const availability = await postgresForTests();
        if (!availability.run) throw new Error(availability.reason);
      } catch (error) {
        const note = `PostgreSQL skipped: ${(error as Error).message.split('\n')[0]}`;
        if (!notes.includes(note)) notes.push(note);
        log(note);
        continue;
      }
    }
    usable.push(database);
  }
  return usable;
}

function databaseNameOf(url: string): string {
  return new URL(url).pathname.slice(1);
}

async function freshPostgres(drops: (() => Promise<void>)[]): Promise<string> {
  const { createTestPostgresDatabase } = await import('@facegate/adapters-postgres/testing');
  const db = await createTestPostgresDatabase();
  drops.push(() => db.drop());
  return db.url;
}

/**
 * Real confirmations for the gateways: sessions started through the gateway (by the startVerification
 * runs, or here outside any measurement), then checked on the sandbox's device just before use.
 */
class Supply {
  private readonly kept = new Map<GatewayTarget, string[]>();
  private readonly readyAt = new Map<ReadyConfirmation, number>();
  private offset = 0;

  constructor(
    private readonly config: BenchConfig,
    private readonly device: SandboxDevice,
    private readonly log: Log,
  ) {}

  keepStarted(gateway: GatewayTarget, body: string): void {
    let list = this.kept.get(gateway);
    if (list === undefined) {
      list = [];
      this.kept.set(gateway, list);
    }
    list.push(body);
  }

  /** Parses what a run kept (outside the measurement: only the bodies were stored during it). */
  async afterRun(gateway: GatewayTarget): Promise<void> {
    const bodies = this.kept.get(gateway) ?? [];
    this.kept.set(gateway, []);
    for (const body of bodies) {
      const session = parseStarted(body, gateway.users);
      if (session === null) continue;
      if (gateway.queryable.length < QUERYABLE_SESSIONS) gateway.queryable.push(session);
      gateway.unchecked.push(session);
    }
  }

  async topUpQueryable(gateway: GatewayTarget): Promise<void> {
    const started = await this.start(gateway, Math.min(QUERYABLE_SESSIONS, 500));
    gateway.queryable.push(...started);
    gateway.unchecked.push(...started);
  }

  /** `count` confirmations, each checked on the device minutes before at most. */
  async take(gateway: GatewayTarget, count: number): Promise<ReadyConfirmation[]> {
    const now = Date.now();
    gateway.ready = gateway.ready.filter((c) => now - (this.readyAt.get(c) ?? 0) < READY_MAX_AGE_MS);
    while (gateway.ready.length < count) {
      const missing = count - gateway.ready.length;
      if (gateway.unchecked.length < missing) {
        gateway.unchecked.push(...(await this.start(gateway, missing - gateway.unchecked.length)));
      }
      const batch = gateway.unchecked.splice(0, missing);
      const checked = await checkOnDevice(this.device, batch);
      const at = Date.now();
      for (const c of checked) this.readyAt.set(c, at);
      gateway.ready.push(...checked);
      if (checked.length === 0) throw new Error(`${gateway.name}: the device could not check any session`);
    }
    const taken = gateway.ready.splice(0, count);
    for (const c of taken) this.readyAt.delete(c);
    return taken;
  }

  private async start(gateway: GatewayTarget, count: number) {
    const began = performance.now();
    const started = await startSessions(
      gateway.client,
      gateway.users,
      count,
      this.config.protocol,
      this.offset,
    );
    this.offset += count;
    if (count >= 1000) {
      this.log(
        `  (${gateway.name}: started ${started.length} sessions for later confirmations in ${((performance.now() - began) / 1000).toFixed(1)} s)`,
      );
    }
    if (started.length < count / 2) throw new Error(`${gateway.name}: could not start sessions`);
    return started;
  }
}

async function coldConfirmations(
  gateway: GatewayTarget,
  supply: Supply,
  device: SandboxDevice,
  count: number,
  log: Log,
): Promise<ColdConfirmationFigures> {
  const ready = await supply.take(gateway, count);
  const requests = ready.map(confirmRequest);
  // a restarted gateway holds no access token: every confirmation below needs one at once
  await gateway.restart();
  await device.resetCounters();
  const pool = new Pool(gateway.url, { connections: count, pipelining: 1 });
  const began = performance.now();
  const answers = await Promise.all(
    requests.map(async (r) => {
      try {
        const response = await pool.request({
          method: 'POST',
          path: r.path,
          headers: r.headers,
          body: r.body,
        });
        return accepts.verified(response.statusCode, await response.body.text());
      } catch {
        return false;
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  await pool.destroy();
  const counters = await device.counters();
  const tokenRequests =
    (counters.calls['/cgi-bin/stable_token'] ?? 0) + (counters.calls['/cgi-bin/token'] ?? 0);
  const verified = answers.filter(Boolean).length;
  log(
    `${gateway.name} cold: ${count} concurrent confirmations, ${verified} VERIFIED in ${seconds.toFixed(2)} s, ` +
      `${tokenRequests} token request(s), ${counters.tokensIssued} token(s) issued`,
  );
  return {
    confirmations: count,
    verified,
    tokenRequests,
    tokensIssued: counters.tokensIssued,
    upstreamCalls: counters.calls,
    seconds,
  };
}

async function measureMemory(
  gateway: GatewayTarget,
  device: SandboxDevice,
  config: BenchConfig,
  runId: string,
  log: Log,
): Promise<MemoryFigures> {
  const settings = config.memory!;
  // the gateway lets a user start 200 verifications a minute: spread the sessions over enough users
  const users = await signInUsers(
    gateway.client,
    device,
    `bench_${runId}_memory`,
    Math.min(2500, Math.max(10, Math.ceil(settings.sessions / 100))),
  );
  const requests = users.map((u) => startRequest(u, config.protocol));
  const pool = new Pool(gateway.url, { connections: settings.concurrency, pipelining: 1 });
  let created = 0;
  let failed = 0;
  let issued = 0;
  const checkpoints: MemoryCheckpoint[] = [];
  const checkpoint = async () => {
    const m = await gateway.memory();
    checkpoints.push({ sessions: created, ...m });
  };
  // the first checkpoint follows a warm-up, then one every tenth of the way
  const warm = Math.min(1000, Math.floor(settings.sessions / 10));
  const step = Math.max(1, Math.floor(settings.sessions / 10));
  const thresholds = [warm];
  for (let at = step; at < settings.sessions; at += step) if (at > warm) thresholds.push(at);
  let nextThreshold = 0;
  const began = performance.now();
  const deadline = began + settings.timeLimitSeconds * 1000;
  let checkpointing: Promise<void> = Promise.resolve();
  const worker = async () => {
    while (issued < settings.sessions && performance.now() < deadline) {
      const request = requests[issued++ % requests.length]!;
      try {
        const response = await pool.request({
          method: 'POST',
          path: request.path,
          headers: request.headers,
          body: request.body,
        });
        if (accepts.started(response.statusCode, await response.body.text())) created += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
      if (nextThreshold < thresholds.length && created >= thresholds[nextThreshold]!) {
        nextThreshold += 1;
        checkpointing = checkpointing.then(checkpoint);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));
  const seconds = (performance.now() - began) / 1000;
  await checkpointing;
  await pool.destroy();
  await checkpoint();
  const last = checkpoints[checkpoints.length - 1]!;
  log(
    `${gateway.name}: ${created} sessions in ${seconds.toFixed(1)} s (${failed} failed); RSS ` +
      `${(last.rssBytes / 2 ** 20).toFixed(0)} MiB, heap used ${(last.heapUsedBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  return {
    database: gateway.spec.database,
    sessionsRequested: settings.sessions,
    sessionsCreated: created,
    failed,
    seconds,
    reachedTarget: created >= settings.sessions,
    checkpoints,
  };
}
