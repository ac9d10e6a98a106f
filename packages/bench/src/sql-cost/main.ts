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
  startSessions,
  verifiedAfter,
} from '../support/confirmations';
import { processCpuMs } from '../support/cpu-time';

/*
 * PostgreSQL's own CPU per confirmation, statement by statement, without the gateway or HTTP: on one connection,
 * the confirmation's two statements (findAndClaim, then the completion) on sessions started beforehand, and the
 * webhook relay's batch every RELAY_EVERY confirmations, as the gateway runs them; the CPU is read from /proc
 * for that connection's backend alone, so other work on the machine does not land in it. Schemas and variants
 * interleaved round by round:
 *
 * - 0006: the schema and relay before migration 0008 (the relay's per-event dispatched_at update, written here
 *   as it was);
 * - 0008: this schema and relay;
 * - 0008, separate statements: the completion as BEGIN, three statements, COMMIT instead of one statement with
 *   data-modifying CTEs (the same writes).
 *
 * `pnpm --filter @facegate/bench run sql-cost [-- --confirmations N --rounds N]`
 */

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { confirmations: { type: 'string' }, rounds: { type: 'string' } },
});
const CONFIRMATIONS = Number(values.confirmations ?? 2000);
const ROUNDS = Number(values.rounds ?? 3);
const RELAY_EVERY = 100;

type Variant = '0006' | '0008' | '0008, separate statements';
const VARIANTS: Variant[] = ['0006', '0008', '0008, separate statements'];

type Setup = BenchDatabase;

function setUp(variant: Variant): Promise<Setup> {
  return createBenchDatabase(variant === '0006' ? { pick: (m) => m.version < '0007' } : {});
}

/** The completion as BEGIN, the session update, the outbox insert, the claim's outcome, COMMIT. */
async function completeSeparately(
  db: Database,
  hash: string,
  done: VerificationSessionSnapshot,
  expectedVersion: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const written = await tx.query<{ id: string }>(
      `UPDATE verification_sessions SET protocol = $2, status = $3, openid = $4, liveness_type = $5,
         observed_liveness = $6, masked_name = $7, masked_id_card_number = $8, id_number_hmac = $9,
         binding_sealed = NULL, attempts = $10, max_attempts = $11, last_error = $12::jsonb, created_at = $13,
         expires_at = $14, verified_at = $15, ended_at = $16, client_reference_id = $17, initiator = $18,
         version = $19, updated_at = now()
       WHERE id = $1 AND version = $20
       RETURNING id, protocol, openid, max_attempts, last_error, created_at, expires_at, verified_at, ended_at,
         client_reference_id`,
      [
        done.id,
        done.protocol,
        done.status,
        done.openid,
        done.livenessType,
        done.observedLiveness,
        done.maskedName,
        done.maskedIdCardNumber,
        done.idNumberHmac,
        done.attempts,
        done.maxAttempts,
        null,
        done.createdAt,
        done.expiresAt,
        done.verifiedAt,
        done.endedAt,
        done.clientReferenceId,
        done.initiator,
        done.version,
        expectedVersion,
      ],
    );
    if (written.length !== 1) throw new Error('version conflict');
    await tx.query(
      `INSERT INTO event_outbox (event_type, session_id, payload, session_details)
       SELECT $1, s.id, $3::text::jsonb, jsonb_build_object('protocol', s.protocol, 'openid', s.openid)
       FROM verification_sessions s WHERE s.id = $2`,
      ['verification.updated', done.id, JSON.stringify(eventOf(done))],
    );
    const recorded = await tx.query(
      `INSERT INTO evidence_claims (evidence_hash, session_id, claimed_at, completed_at, outcome_status,
         outcome_failure, outcome_attempt)
       VALUES ($1, $2, now(), now(), $3, NULL, $4)
       ON CONFLICT (evidence_hash) DO UPDATE SET session_id = EXCLUDED.session_id,
         completed_at = EXCLUDED.completed_at, outcome_status = EXCLUDED.outcome_status,
         outcome_failure = EXCLUDED.outcome_failure, outcome_attempt = EXCLUDED.outcome_attempt
       WHERE evidence_claims.completed_at IS NULL RETURNING evidence_hash`,
      [hash, done.id, done.status, done.attempts],
    );
    if (recorded.length !== 1) throw new Error('the evidence already has an outcome');
  });
}

/** The relay as it was before migration 0008: every row fanned out marked with dispatched_at. */
async function relayBefore(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string }>(
      `SELECT id::text AS id, event_type, session_id, payload, session_details, created_at FROM event_outbox
       WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [1000],
    );
    if (rows.length === 0) return;
    await tx.query('UPDATE event_outbox SET dispatched_at = $2 WHERE id = ANY($1::bigint[])', [
      rows.map((r) => r.id),
      new Date(),
    ]);
  });
}

/**
 * Buffer accesses (shared blocks hit or read, tables and their indexes) of this database's user tables so far:
 * counted by PostgreSQL itself, so unlike CPU time they do not grow when the machine is busy.
 */
async function blocksTouched(db: Database): Promise<number> {
  // this backend's pending counters are flushed at the end of the next transaction
  await db.query('SELECT pg_stat_force_next_flush()');
  await db.query('SELECT pg_stat_clear_snapshot()');
  const [row] = await db.query<{ n: string }>(
    `SELECT sum(heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0))::text AS n
     FROM pg_statio_user_tables`,
  );
  return Number(row?.n ?? 0);
}

interface Cost {
  readonly cpuMs: number;
  readonly blocks: number;
}

/**
 * Starts `n` sessions (not measured), then confirms each once; PostgreSQL CPU ms and buffer accesses per
 * confirmation.
 */
async function measure(variant: Variant, setup: Setup, n: number): Promise<Cost> {
  const sessions = await startSessions(setup.repo, n);
  const queue = new SqlWebhookDeliveryQueue(setup.db, benchCipher);
  const relay = () =>
    variant === '0006'
      ? relayBefore(setup.db)
      : queue.dispatchOutbox(new Date(), 1000, () => null).then(() => {});
  await relay();
  // the one connection's backend (the pool may have replaced an idle connection since the last round)
  const backendPid = async () =>
    (await setup.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
  const pid = await backendPid();
  const blocksBefore = await blocksTouched(setup.db);
  const before = processCpuMs(pid);
  let i = 0;
  for (const s of sessions) {
    const hash = randomBytes(16).toString('hex');
    await claimForConfirmation(setup.repo, s, hash);
    if (variant === '0008, separate statements') {
      await completeSeparately(setup.db, hash, verifiedAfter(s), s.version);
    } else {
      await completeConfirmation(setup.repo, s, hash);
    }
    if (++i % RELAY_EVERY === 0) await relay();
  }
  await relay();
  if ((await backendPid()) !== pid) throw new Error('the connection was replaced during the measurement');
  const after = processCpuMs(pid);
  if (before === null || after === null) throw new Error('no /proc: cannot read the backend CPU');
  const blocksAfter = await blocksTouched(setup.db);
  return { cpuMs: (after - before) / n, blocks: (blocksAfter - blocksBefore) / n };
}

async function main(): Promise<void> {
  const availability = await postgresForTests();
  if (!availability.run) throw new Error(availability.reason);
  const setups = new Map<Variant, Setup>();
  for (const v of VARIANTS) setups.set(v, await setUp(v));
  const figures = new Map<Variant, Cost[]>(VARIANTS.map((v) => [v, []]));
  try {
    // warm-up: plans prepared, caches filled; not recorded
    for (const v of VARIANTS) await measure(v, setups.get(v)!, 200);
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const v of order) {
        const cost = await measure(v, setups.get(v)!, CONFIRMATIONS);
        figures.get(v)!.push(cost);
        console.log(
          `round ${round + 1} ${v}: ${cost.cpuMs.toFixed(3)} ms PostgreSQL CPU, ${cost.blocks.toFixed(1)} buffer accesses per confirmation`,
        );
      }
    }
    for (const [v, setup] of setups) {
      const [t] = await setup.db.query<{ upd: string; hot: string }>(
        `SELECT n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
         WHERE relname = 'verification_sessions'`,
      );
      const costs = figures.get(v)!;
      console.log(
        `${v}: median ${median(costs.map((c) => c.cpuMs)).toFixed(3)} ms CPU (rounds ${costs
          .map((c) => c.cpuMs.toFixed(3))
          .join(
            ' / ',
          )}), ${median(costs.map((c) => c.blocks)).toFixed(1)} buffer accesses; sessions updated ${t?.upd}, HOT ${t?.hot}`,
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
