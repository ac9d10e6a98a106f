import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { type Database, SqlWebhookDeliveryQueue } from '@facegate/adapters-postgres';
import { postgresForTests } from '@facegate/adapters-postgres/testing';
import type { VerificationSessionSnapshot } from '@facegate/domain';
import { median } from '../report/bench-report';
import {
  type BenchDatabase,
  benchCipher,
  claimForConfirmation,
  completeConfirmation,
  createBenchDatabase,
  eventOf,
  pendingSession,
} from '../support/confirmations';
import { processCpuMs } from '../support/cpu-time';

/*
 * PostgreSQL's own CPU per confirmation, statement by statement, without the gateway or HTTP: on one connection,
 * the confirmation's two statements (findAndClaim, then the completion) on sessions started and given their
 * consent beforehand (as the gateway does: an insert, then an update), the webhook relay's batch every
 * RELAY_EVERY confirmations, and once the sessions are past their expiry the expiry sweeper's batches (which find
 * them all ended), as the gateway runs them; the CPU is read from /proc for that connection's backend alone, so
 * other work on the machine does not land in it. Schemas interleaved round by round:
 *
 * - 0012 (main): the schema before migration 0013 (the sweeper's partial index WHERE status = 'PENDING', no
 *   fillfactor on verification_sessions);
 * - 0013: a plain (expires_at, id) index, the sweeper's low-water mark, fillfactor 90;
 * - with `--fillfactor N`, also 0013 with verification_sessions at fillfactor N.
 *
 * Besides CPU and buffer accesses it prints the share of the session updates of the measured part (the endings)
 * that were HOT, from pg_stat_user_tables.
 *
 * `pnpm --filter @facegate/bench run sql-cost [-- --confirmations N --rounds N --fillfactor N]`
 */

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    confirmations: { type: 'string' },
    rounds: { type: 'string' },
    fillfactor: { type: 'string' },
  },
});
const CONFIRMATIONS = Number(values.confirmations ?? 2000);
const ROUNDS = Number(values.rounds ?? 3);
const FILLFACTOR = values.fillfactor === undefined ? null : Number(values.fillfactor);
const RELAY_EVERY = 100;
/** The gateway's ExpirySweeper batch. */
const SWEEP_BATCH = 100;

type Variant = string;
const MAIN = '0012 (main)';
const VARIANTS: Variant[] = [
  MAIN,
  '0013',
  ...(FILLFACTOR === null ? [] : [`0013, fillfactor ${FILLFACTOR}`]),
];

interface Setup extends BenchDatabase {
  /** One batch of the expiry sweeper's read: this build's, or main's for MAIN. */
  readonly findExpirable: (now: Date, limit: number) => Promise<number>;
}

/** findExpirable as main (0012) runs it, over the partial index WHERE status = 'PENDING'. */
const MAIN_FIND_EXPIRABLE = `SELECT id, app, protocol, status, openid, liveness_type, observed_liveness, masked_name,
  masked_id_card_number, id_number_hmac, binding_sealed, attempts, max_attempts, last_error, created_at,
  expires_at, verified_at, ended_at, client_reference_id, initiator, consent_receipt_id, guardian_required,
  cancel_reason, redacted_at, version FROM verification_sessions
  WHERE status = 'PENDING' AND expires_at <= $1
  ORDER BY expires_at ASC, id ASC LIMIT $2`;

async function setUp(variant: Variant): Promise<Setup> {
  const created = await createBenchDatabase(variant === MAIN ? { pick: (m) => m.version < '0013' } : {});
  const { db, repo } = created;
  if (variant === MAIN) {
    // This build's start and consent statements (not measured) lower the sweeper's mark of 0013 when needed:
    // the table they read, empty, so that they run on the older schema; the sweep measured is main's own.
    await db.exec(
      'CREATE TABLE expiry_sweep_position (singleton boolean PRIMARY KEY, swept_to timestamptz NOT NULL, updated_at timestamptz)',
    );
  }
  if (variant !== MAIN && FILLFACTOR !== null && variant.endsWith(`fillfactor ${FILLFACTOR}`)) {
    await db.exec(`ALTER TABLE verification_sessions SET (fillfactor = ${FILLFACTOR})`);
  }
  return {
    ...created,
    findExpirable:
      variant === MAIN
        ? async (now, limit) => (await db.query(MAIN_FIND_EXPIRABLE, [now, limit])).length
        : async (now, limit) => (await repo.findExpirable(now, limit)).length,
  };
}

interface Counters {
  /** Buffer accesses (shared blocks hit or read, tables and their indexes) of this database's user tables. */
  readonly blocks: number;
  /** verification_sessions rows updated, and of those HOT. */
  readonly updated: number;
  readonly hot: number;
}

/**
 * PostgreSQL's own counters so far (buffer accesses do not grow when the machine is busy, unlike CPU time).
 */
async function counters(db: Database): Promise<Counters> {
  // this backend's pending counters are flushed at the end of the next transaction
  await db.query('SELECT pg_stat_force_next_flush()');
  await db.query('SELECT pg_stat_clear_snapshot()');
  const [row] = await db.query<{ n: string; upd: string; hot: string }>(
    `SELECT sum(heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0))::text AS n,
       (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'verification_sessions')::text AS upd,
       (SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'verification_sessions')::text AS hot
     FROM pg_statio_user_tables`,
  );
  return { blocks: Number(row?.n ?? 0), updated: Number(row?.upd ?? 0), hot: Number(row?.hot ?? 0) };
}

interface Cost {
  readonly cpuMs: number;
  readonly blocks: number;
  /** The share of the measured session updates (the endings) that were HOT. */
  readonly hotShare: number;
}

/**
 * Starts `n` sessions and accepts their consent (not measured), then confirms each once and sweeps as of their
 * expiry; PostgreSQL CPU ms and buffer accesses per confirmation.
 */
async function measure(setup: Setup, n: number): Promise<Cost> {
  const started: VerificationSessionSnapshot[] = [];
  for (let i = 0; i < n; i++) {
    // started without consent: it is given below, as an update
    const s = { ...pendingSession(i), consentReceiptId: null };
    await setup.repo.insert(s, eventOf(s));
    started.push(s);
  }
  // consent after the starts, as under load the sessions started meanwhile have filled the page by then
  const sessions: VerificationSessionSnapshot[] = [];
  for (const s of started) {
    const consented = { ...s, consentReceiptId: 'cr_sql_cost', version: s.version + 1 };
    if (!(await setup.repo.update(consented, s.version, eventOf(consented)))) throw new Error('no consent');
    sessions.push(consented);
  }
  const queue = new SqlWebhookDeliveryQueue(setup.db, benchCipher);
  const relay = () => queue.dispatchOutbox(new Date(), 1000, () => null).then(() => {});
  await relay();
  // the one connection's backend (the pool may have replaced an idle connection since the last round)
  const backendPid = async () =>
    (await setup.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
  const pid = await backendPid();
  const countersBefore = await counters(setup.db);
  const before = processCpuMs(pid);
  let i = 0;
  for (const s of sessions) {
    const hash = randomBytes(16).toString('hex');
    await claimForConfirmation(setup.repo, s, hash);
    await completeConfirmation(setup.repo, s, hash);
    if (++i % RELAY_EVERY === 0) await relay();
  }
  await relay();
  // the sweeper's pass once these sessions are past their expiry: with the partial index it reads none of them,
  // with the plain one it visits each (all ended) once
  const sweepAt = new Date(Math.max(...sessions.map((s) => s.expiresAt.getTime())) + 1000);
  while ((await setup.findExpirable(sweepAt, SWEEP_BATCH)) === SWEEP_BATCH) {}
  if ((await backendPid()) !== pid) throw new Error('the connection was replaced during the measurement');
  const after = processCpuMs(pid);
  if (before === null || after === null) throw new Error('no /proc: cannot read the backend CPU');
  const countersAfter = await counters(setup.db);
  const updated = countersAfter.updated - countersBefore.updated;
  return {
    cpuMs: (after - before) / n,
    blocks: (countersAfter.blocks - countersBefore.blocks) / n,
    hotShare: updated === 0 ? 0 : (countersAfter.hot - countersBefore.hot) / updated,
  };
}

async function main(): Promise<void> {
  const availability = await postgresForTests();
  if (!availability.run) throw new Error(availability.reason);
  const setups = new Map<Variant, Setup>();
  for (const v of VARIANTS) setups.set(v, await setUp(v));
  const figures = new Map<Variant, Cost[]>(VARIANTS.map((v) => [v, []]));
  try {
    // warm-up: plans prepared, caches filled; not recorded
    for (const v of VARIANTS) await measure(setups.get(v)!, 200);
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const v of order) {
        const cost = await measure(setups.get(v)!, CONFIRMATIONS);
        figures.get(v)!.push(cost);
        console.log(
          `round ${round + 1} ${v}: ${cost.cpuMs.toFixed(3)} ms PostgreSQL CPU, ${cost.blocks.toFixed(1)} buffer accesses per confirmation, endings ${(100 * cost.hotShare).toFixed(1)}% HOT`,
        );
      }
    }
    for (const [v, setup] of setups) {
      const [t] = await setup.db.query<{ upd: string; hot: string }>(
        `SELECT n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
         WHERE relname = 'verification_sessions'`,
      );
      const costs = figures.get(v)!;
      const rounds = (of: (c: Cost) => number, digits: number) =>
        costs.map((c) => of(c).toFixed(digits)).join(' / ');
      console.log(
        `${v}: CPU median ${median(costs.map((c) => c.cpuMs)).toFixed(3)} ms (rounds ${rounds((c) => c.cpuMs, 3)}), ` +
          `buffer accesses median ${median(costs.map((c) => c.blocks)).toFixed(1)} (rounds ${rounds((c) => c.blocks, 1)}), ` +
          `endings HOT ${rounds((c) => 100 * c.hotShare, 1)}%; all session updates (consent and endings, warm-up ` +
          `included) ${t?.upd}, HOT ${t?.hot}`,
      );
    }
  } finally {
    for (const setup of setups.values()) await setup.drop().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`sql-cost failed: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
