import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@facegate/adapters-postgres';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { type Sandbox, seededRandom, startSandbox } from '@facegate/wechat-sandbox';
import { type Check, DEFAULT_LIMITS, evaluateChecks, isolationChecks, type UpstreamFacts } from './checks';
import { readBackSessions, readDatabaseFacts } from './database-facts';
import { createServiceKey, GatewayProcess, runFacegateCommand } from './gateway-process';
import { GraphqlClient, RetryStats } from './graphql-client';
import { randomIdentity } from './identities';
import { perKindRate } from './random';
import { ChaosWebhookReceiver, readWebhookFacts, type WebhookFacts, webhookChecks } from './webhook-receiver';
import {
  type ChaosApp,
  type IsolationProbe,
  Ledger,
  type PlanItem,
  type PlannedOutcome,
  probeIsolation,
  readConsentVersion,
  runVerification,
  signIn,
  type WorkloadContext,
} from './workload';

export type ChaosDatabase = 'postgres' | 'pglite';

export interface ChaosOptions {
  readonly database: ChaosDatabase;
  /**
   * Mini programs served (1: the `default` app alone, as a single-app deployment). With more, users are spread
   * over them and only the first app's access tokens are revoked.
   */
  readonly apps: number;
  /** Gateway processes sharing the database (PGlite: always 1, one process per data folder). */
  readonly instances: number;
  /** Planned confirmations (pieces of evidence, each sent twice). The run stops at this or the duration. */
  readonly confirmations: number;
  /** No new verification starts after this; those under way finish (each request within its retry bound). */
  readonly durationMs: number;
  /** Users working at once. */
  readonly concurrency: number;
  /** SIGKILL + restart of a gateway, spread over the run. */
  readonly kills: number;
  /** Share of WeChat calls faulted, split evenly over busy (-1), HTTP 503, reset and truncated JSON. */
  readonly faultRate: number;
  /** Every this often, the sandbox revokes the current access tokens, the first app's only (0: never). */
  readonly revokeEveryMs: number;
  /** Share of verifications on the v2 protocol (the rest legacy). */
  readonly v2Share: number;
  /** Shares of verifications that fail for good / fail once then pass (the rest pass at once). */
  readonly failShare: number;
  readonly retryShare: number;
  /** Verifications per signed-in user. */
  readonly verificationsPerUser: number;
  /** V2 confirmations name the verifyId they ran (false: as older clients, session id only). */
  readonly v2NamesVerifyId: boolean;
  readonly seed: number;
  /** Share of webhook messages the receiver refuses (HTTP 500) on first arrival (PostgreSQL runs only). */
  readonly webhookFaultRate: number;
  /** PostgreSQL server (trust auth) on which each run creates and drops a fresh database. */
  readonly postgresAdminUrl: string;
  readonly keepDatabase: boolean;
  readonly log: (line: string) => void;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  database: 'postgres',
  apps: 1,
  instances: 2,
  confirmations: 3000,
  durationMs: 600_000,
  concurrency: 16,
  kills: 3,
  faultRate: 0.2,
  revokeEveryMs: 5_000,
  v2Share: 0.15,
  failShare: 0.1,
  retryShare: 0.1,
  verificationsPerUser: 4,
  v2NamesVerifyId: true,
  seed: 1,
  webhookFaultRate: 0.1,
  postgresAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  keepDatabase: false,
  log: () => {},
};

export interface ChaosReport {
  readonly ok: boolean;
  readonly options: Omit<ChaosOptions, 'log'>;
  readonly machine: Record<string, string>;
  readonly durationMs: number;
  readonly workloadMs: number;
  readonly counts: Record<string, number | string>;
  readonly retries: Record<string, number>;
  readonly upstream: UpstreamFacts & { readonly totalCalls: number; readonly faultShare: number };
  readonly kills: { readonly instance: string; readonly atMs: number; readonly downMs: number }[];
  readonly checks: readonly Check[];
  /** PostgreSQL runs: what the webhook receiver got against the outbox. */
  readonly webhooks: WebhookFacts | null;
  /** Several apps: the figures of each (the first is the one whose tokens were revoked). Null with one app. */
  readonly apps: readonly AppFigures[] | null;
  readonly isolationProbes: readonly IsolationProbe[];
}

export interface AppFigures {
  readonly id: string;
  readonly appId: string;
  readonly tokensRevoked: boolean;
  readonly users: number;
  readonly verificationsStarted: number;
  readonly confirmations: number;
  readonly storedSessions: number;
  readonly sessionRows: number;
  readonly tokensIssued: number;
  readonly wechatCalls: number;
}

/** An app of the apps file: its secret goes to the gateways in the variable secretEnv names. */
export interface ExtraChaosApp extends ChaosApp {
  readonly appSecret: string;
  readonly secretEnv: string;
}

/**
 * The apps after the first (the sandbox's main appid, the gateways' `default` app from WECHAT_APP_ID): `app2`,
 * `app3`, ... for the apps file, each with its own appid and secret.
 */
export function extraChaosApps(count: number): ExtraChaosApp[] {
  const apps: ExtraChaosApp[] = [];
  for (let n = 2; n <= count; n++) {
    apps.push({
      id: `app${n}`,
      appId: `wx_chaos_app${n}`,
      appSecret: randomBytes(16).toString('hex'),
      secretEnv: `CHAOS_APP${n}_WECHAT_SECRET`,
    });
  }
  return apps;
}

/** The plan: confirmations spread over protocols and outcomes, in a seeded random order. */
export function planVerifications(options: ChaosOptions, runId: string, random: () => number): PlanItem[] {
  const items: PlanItem[] = [];
  let confirmations = 0;
  while (confirmations < options.confirmations) {
    const roll = random();
    const outcome: PlannedOutcome =
      roll < options.failShare ? 'fail' : roll < options.failShare + options.retryShare ? 'retry' : 'pass';
    const protocol = random() < options.v2Share ? 'V2' : 'LEGACY';
    items.push({ index: items.length, protocol, outcome, ref: `chaos-${runId}-${items.length}` });
    confirmations += outcome === 'retry' ? 2 : 1;
  }
  return items;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function machineInfo(databaseUrl: string | null): Promise<Record<string, string>> {
  const cpu = cpus();
  const info: Record<string, string> = {
    cpu: `${cpu.length} x ${cpu[0]?.model ?? 'unknown'}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  if (databaseUrl !== null) {
    const db = await openDatabase({ url: databaseUrl });
    try {
      const [row] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      info.postgres = row?.v ?? 'unknown';
    } finally {
      await db.close();
    }
  }
  return info;
}

/**
 * One chaos run: real `facegate serve` processes on one database and one faulty sandbox; many users confirm
 * each piece of evidence twice while gateways are SIGKILLed and restarted; then a final restart, a read-back
 * through the API, direct database queries, and the checks.
 */
export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const options: ChaosOptions = { ...DEFAULT_OPTIONS, ...partial };
  const instances = options.database === 'pglite' ? 1 : Math.max(1, Math.floor(options.instances));
  const appCount = Math.max(1, Math.floor(options.apps));
  const log = options.log;
  const began = Date.now();
  const runId = randomBytes(3).toString('hex');
  const random = seededRandom(options.seed);
  const client = new GraphqlClient();
  const stats = new RetryStats();
  const ledger = new Ledger();
  const gateways: GatewayProcess[] = [];
  let sandbox: Sandbox | null = null;
  let pg: TestPostgresDatabase | null = null;
  let receiver: ChaosWebhookReceiver | null = null;
  const workDir = await mkdtemp(join(tmpdir(), 'facegate-chaos-'));

  try {
    if (options.database === 'postgres') pg = await createTestPostgresDatabase(options.postgresAdminUrl);
    const machine = await machineInfo(pg?.url ?? null);
    const extraApps = extraChaosApps(appCount);
    sandbox = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      seed: options.seed,
      ...(extraApps.length > 0
        ? { extraApps: extraApps.map((a) => ({ appId: a.appId, appSecret: a.appSecret })) }
        : {}),
    });
    const mainApp: ChaosApp = { id: 'default', appId: sandbox.appId };
    const apps: ChaosApp[] = [mainApp, ...extraApps];
    const env: Record<string, string> = {
      WECHAT_APP_ID: sandbox.appId,
      WECHAT_APP_SECRET: sandbox.appSecret,
      WECHAT_API_BASE_URL: sandbox.url,
      FACEGATE_SECRET: randomBytes(48).toString('base64'),
      DATA_DIR: join(workDir, 'data'),
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    };
    if (extraApps.length > 0) {
      // the other apps as a deployment keeps them: a file without secrets, each secret in its variable
      const file = join(workDir, 'apps.json');
      const entries = extraApps.map((a) => ({
        id: a.id,
        appId: a.appId,
        displayName: `Chaos ${a.id}`,
        secretEnv: a.secretEnv,
        protocols: ['V2', 'LEGACY'],
      }));
      await writeFile(file, `${JSON.stringify({ apps: entries }, null, 2)}\n`);
      env.FACEGATE_APPS_FILE = file;
      for (const a of extraApps) env[a.secretEnv] = a.appSecret;
    }
    // also migrates the fresh database before any gateway starts
    const apiKey = await createServiceKey(env);
    if (pg !== null) {
      // every event goes to a real receiver that refuses some first arrivals (checked against the outbox)
      receiver = new ChaosWebhookReceiver(options.webhookFaultRate, seededRandom(options.seed + 1));
      await receiver.start();
      const added = await runFacegateCommand(
        [
          'webhooks',
          'add',
          '--url',
          receiver.url,
          '--events',
          'verification.started,verification.verified,verification.failed,verification.canceled,verification.expired,verification.attempt_failed',
        ],
        env,
      );
      if (added.code !== 0) throw new Error(`facegate webhooks add failed: ${added.stderr.trim()}`);
    }
    for (let i = 0; i < instances; i++) {
      gateways.push(new GatewayProcess({ name: String.fromCharCode(65 + i), env }));
    }
    await Promise.all(gateways.map((g) => g.start()));
    log(
      `${instances} gateway process(es) on ${options.database} up: ${gateways.map((g) => `${g.name}=${g.url} (pid ${g.pid})`).join(', ')}; sandbox ${sandbox.url}`,
    );
    if (appCount > 1) log(`${appCount} apps: ${apps.map((a) => `${a.id}=${a.appId}`).join(', ')}`);

    const plan = planVerifications(options, runId, random);
    const targets = gateways.map((g) => ({ name: g.name, graphqlUrl: g.graphqlUrl }));
    const ctx: WorkloadContext = {
      client,
      device: sandbox.device,
      stats,
      ledger,
      targets,
      random,
      v2NamesVerifyId: options.v2NamesVerifyId,
      namesApp: appCount > 1,
      // read before the faults start, as the mini program reads it before the user taps "Agree"
      consentVersion: await readConsentVersion(client, targets[0]!, stats),
    };

    const rate = perKindRate(options.faultRate);
    sandbox.resetCounters();
    sandbox.setFaults({
      busyRate: rate,
      http5xxRate: rate,
      resetRate: rate,
      truncatedJsonRate: rate,
      latencyMs: 2,
      jitterMs: 8,
    });
    const workloadStart = Date.now();
    const deadline = workloadStart + options.durationMs;
    const liveSandbox = sandbox;
    let revocations = 0;
    // one app's tokens only: the others must keep confirming on theirs
    const revoked = appCount > 1 ? mainApp.appId : undefined;
    const revoker =
      options.revokeEveryMs > 0
        ? setInterval(() => {
            liveSandbox.revokeTokens(revoked);
            revocations += 1;
          }, options.revokeEveryMs)
        : null;

    // workers: each takes a user's worth of plan items, signs the user in, runs them
    let next = 0;
    let users = 0;
    const usersByApp = new Map<string, number>();
    let done = 0;
    const pairsPlanned = options.confirmations;
    const worker = async () => {
      for (;;) {
        if (Date.now() >= deadline || next >= plan.length) return;
        const items = plan.slice(next, next + options.verificationsPerUser);
        next += items.length;
        // users take turns over the apps
        const app = apps[users % apps.length]!;
        const openid = `chaos_${runId}_${users++}`;
        usersByApp.set(app.id, (usersByApp.get(app.id) ?? 0) + 1);
        const token = await signIn(ctx, openid, app);
        if (token === null) continue;
        const user = { app, openid, token, identity: randomIdentity(random) };
        for (const item of items) {
          if (Date.now() >= deadline) break;
          await runVerification(ctx, user, item);
          done += item.outcome === 'retry' ? 2 : 1;
        }
      }
    };

    // the killer: SIGKILL + restart at evenly spread points of the run's progress
    const kills: ChaosReport['kills'] = [];
    let working = true;
    const killer = async () => {
      for (let k = 1; k <= options.kills; k++) {
        const at = k / (options.kills + 1);
        while (working) {
          const progress = Math.max(done / pairsPlanned, (Date.now() - workloadStart) / options.durationMs);
          if (progress >= at) break;
          await sleep(50);
        }
        if (!working) return;
        const gateway = gateways[(k - 1) % gateways.length]!;
        const killedAt = Date.now();
        await gateway.kill('SIGKILL');
        await sleep(200 + Math.floor(random() * 1000));
        await gateway.start();
        kills.push({ instance: gateway.name, atMs: killedAt - workloadStart, downMs: Date.now() - killedAt });
        log(
          `killed gateway ${gateway.name} (SIGKILL) at ${((killedAt - workloadStart) / 1000).toFixed(1)} s; back after ${Date.now() - killedAt} ms`,
        );
      }
    };

    const progress = setInterval(() => {
      const s = (Date.now() - workloadStart) / 1000;
      const retries = Object.values(stats.retries).reduce((a, b) => a + b, 0);
      log(
        `  ${s.toFixed(0)} s: ${done}/${pairsPlanned} confirmations, ${(done / s).toFixed(1)}/s, ${retries} client retries, ${kills.length} kills`,
      );
    }, 5_000);
    const killing = killer();
    try {
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    } finally {
      working = false;
      clearInterval(progress);
      if (revoker) clearInterval(revoker);
    }
    await killing;
    const workloadMs = Date.now() - workloadStart;
    const counters = sandbox.counters();
    sandbox.setFaults({
      busyRate: 0,
      http5xxRate: 0,
      resetRate: 0,
      truncatedJsonRate: 0,
      latencyMs: 0,
      jitterMs: 0,
    });
    log(`workload done in ${(workloadMs / 1000).toFixed(1)} s; final restart (SIGKILL) and read-back`);

    // a final crash and restart, then everything is read back through the API
    await Promise.all(gateways.map((g) => g.kill('SIGKILL')));
    await Promise.all(gateways.map((g) => g.start()));
    const stored = await readBackSessions(client, gateways[0]!.graphqlUrl, apiKey, stats);
    // isolation: each app's first session, asked for by its user's openid signed in to the next app
    const isolationProbes: IsolationProbe[] = [];
    if (appCount > 1) {
      for (const [i, app] of apps.entries()) {
        const session = ledger.sessions.find((s) => s.app === app.id && s.sessionId !== null);
        if (session === undefined) continue;
        const probe = await probeIsolation(
          ctx,
          { sessionId: session.sessionId!, openid: session.openid, app },
          apps[(i + 1) % apps.length]!,
        );
        isolationProbes.push(probe);
        log(
          `isolation probe: ${probe.askingApp} token -> ${probe.sessionApp} session: ${probe.otherAppSaw}; own app: ${probe.ownAppSaw}`,
        );
      }
    }
    const gatewayErrorLogs = gateways.reduce((n, g) => n + g.logs.errors, 0);
    const tokenRejections = gateways.reduce((n, g) => n + g.logs.tokenRejected, 0);
    const errorSamples = gateways.flatMap((g) => g.logs.lastErrors).slice(0, 5);
    // the relays run on: wait for them to drain (a delivery held by a killed instance waits out its lease)
    const webhooks =
      pg !== null && receiver !== null ? await readWebhookFacts(pg.url, receiver, stored, 90_000) : null;
    if (webhooks !== null) {
      log(
        `webhooks: ${webhooks.events} events, ${webhooks.delivered} delivered, ${webhooks.lost} lost, ${webhooks.duplicated} duplicated (drained in ${webhooks.drainMs} ms)`,
      );
    }
    if (options.database === 'pglite') await Promise.all(gateways.map((g) => g.stop()));
    const database = await readDatabaseFacts(pg ? { url: pg.url } : { dataDir: env.DATA_DIR! });

    const totalCalls = Object.values(counters.calls).reduce((a, b) => a + b, 0);
    const faultCount =
      counters.faultsInjected.busy +
      counters.faultsInjected.http5xx +
      counters.faultsInjected.reset +
      counters.faultsInjected.truncatedJson;
    const upstream = {
      calls: counters.calls,
      tokensIssued: counters.tokensIssued,
      faultsInjected: { ...counters.faultsInjected, tokenRevocations: revocations },
      totalCalls,
      faultShare: totalCalls === 0 ? 0 : faultCount / totalCalls,
    };
    const checks = [
      ...evaluateChecks({
        ledger,
        stored,
        database,
        upstream,
        stats,
        gatewayErrorLogs,
        limits: DEFAULT_LIMITS,
        apps: apps.map((a) => a.id),
      }),
      ...(appCount > 1
        ? isolationChecks({ ledger, stored, database, probes: isolationProbes, apps: apps.map((a) => a.id) })
        : []),
      ...(webhooks !== null ? webhookChecks(webhooks) : []),
    ];
    if (errorSamples.length > 0) log(`gateway error log samples:\n${errorSamples.join('\n')}`);

    const pairs = ledger.pairs();
    const answers = pairs.flatMap((p) => p.sends.flatMap((s) => (s.answer ? [s.answer] : [])));
    const byStatus = (status: string) => stored.filter((s) => s.status === status).length;
    const { log: _log, ...reportedOptions } = options;
    const appFigures: AppFigures[] = apps.map((app) => {
      const sessions = ledger.sessions.filter((s) => s.app === app.id);
      return {
        id: app.id,
        appId: app.appId,
        tokensRevoked: revoked === app.appId && revocations > 0,
        users: usersByApp.get(app.id) ?? 0,
        verificationsStarted: sessions.filter((s) => s.sessionId !== null).length,
        confirmations: sessions.reduce((n, s) => n + s.pairs.length, 0),
        storedSessions: stored.filter((s) => s.app === app.id).length,
        sessionRows: database.sessionRowsByApp.get(app.id) ?? 0,
        tokensIssued: counters.tokensIssuedByApp[app.appId] ?? 0,
        wechatCalls: Object.values(counters.callsByApp[app.appId] ?? {}).reduce((a, b) => a + b, 0),
      };
    });
    return {
      ok: checks.every((c) => c.ok),
      options: { ...reportedOptions, instances, apps: appCount },
      machine,
      durationMs: Date.now() - began,
      workloadMs,
      counts: {
        users,
        verificationsStarted: ledger.sessions.filter((s) => s.sessionId !== null).length,
        legacyConfirmations: pairs.filter((p) => p.protocol === 'LEGACY').length,
        v2Confirmations: pairs.filter((p) => p.protocol === 'V2').length,
        confirmations: pairs.length,
        sends: pairs.length * 2,
        pairsAtOnce: pairs.filter((p) => p.mode === 'together').length,
        pairsOneAfterTheOther: pairs.filter((p) => p.mode === 'sequential').length,
        answers: answers.length,
        answersVerified: answers.filter((a) => a.status === 'VERIFIED').length,
        answersFailed: answers.filter((a) => a.status === 'FAILED').length,
        answersPending: answers.filter((a) => a.status === 'PENDING').length,
        storedSessions: stored.length,
        storedVerified: byStatus('VERIFIED'),
        storedFailed: byStatus('FAILED'),
        storedPending: byStatus('PENDING'),
        orphanSessionsFromRetriedStarts: stored.length - ledger.sessions.filter((s) => s.sessionId).length,
        unfinishedEvidenceClaims: database.unfinishedClaims,
        gatewayTokenRejections: tokenRejections,
        confirmationsPerSecond: (pairs.length / (workloadMs / 1000)).toFixed(1),
      },
      retries: { ...stats.retries, gaveUp: stats.gaveUp },
      upstream,
      kills,
      checks,
      webhooks,
      apps: appCount > 1 ? appFigures : null,
      isolationProbes,
    };
  } finally {
    await Promise.allSettled(gateways.map((g) => g.kill('SIGKILL')));
    await client.close().catch(() => {});
    await sandbox?.close().catch(() => {});
    await receiver?.close().catch(() => {});
    if (pg && !options.keepDatabase) await pg.drop().catch(() => {});
    if (pg && options.keepDatabase) log(`kept the run's database: ${pg.url}`);
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
}
