import { createHash, randomBytes } from 'node:crypto';
import {
  AesGcmFieldCipher,
  type Database,
  loadMigrations,
  type Migration,
  migrate,
  openDatabase,
  SqlVerificationSessionRepository,
} from '@facegate/adapters-postgres';
import { createTestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import type { VerificationEvent, VerificationSessionSnapshot } from '@facegate/domain';

/*
 * What the PostgreSQL-only benches (sql-cost, driver-cost) share: a fresh database with the real migrations,
 * sessions started through the real repository, and a confirmation's two statements (findAndClaim, then the
 * completion) as the gateway runs them on a session that passed its face check.
 */

/** One key per bench process: the sealed bindings only have to open within it. */
export const benchCipher = new AesGcmFieldCipher(randomBytes(32));

export interface BenchDatabase {
  readonly url: string;
  /** The database's name, as its backends' process titles show it. */
  readonly name: string;
  /** A production pool (PostgresDatabase) on it, for setting up and reading statistics. */
  readonly db: Database;
  /** The real repository over `db`. */
  readonly repo: SqlVerificationSessionRepository;
  readonly drop: () => Promise<void>;
}

/** A fresh database on the test server with the migrations `pick` keeps (all by default). */
export async function createBenchDatabase(
  options: { poolMax?: number; pick?: (m: Migration) => boolean } = {},
): Promise<BenchDatabase> {
  const created = await createTestPostgresDatabase();
  const db = await openDatabase({ url: created.url, poolMax: options.poolMax ?? 1 });
  const all = await loadMigrations();
  await migrate(db, options.pick === undefined ? all : all.filter(options.pick));
  return {
    url: created.url,
    name: new URL(created.url).pathname.slice(1),
    db,
    repo: new SqlVerificationSessionRepository(db, benchCipher),
    drop: async () => {
      await db.close();
      await created.drop();
    },
  };
}

/** A LEGACY session as startVerification leaves it: PENDING, its binding sealed, one of 500 users. */
export function pendingSession(i: number): VerificationSessionSnapshot {
  const now = new Date();
  return {
    id: `vs_${randomBytes(12).toString('hex')}`,
    app: 'default',
    protocol: 'LEGACY',
    status: 'PENDING',
    openid: `o_${i % 500}`,
    livenessType: null,
    observedLiveness: null,
    maskedName: '*三',
    maskedIdCardNumber: '1****************2',
    idNumberHmac: createHash('sha256').update(String(i)).digest('hex'),
    binding: {
      protocol: 'LEGACY',
      idCardNumberMd5: createHash('md5').update(`id${i}`).digest('hex'),
      nameUtf8Md5: createHash('md5').update(`n${i}`).digest('hex'),
      userIdKey: null,
    },
    attempts: 0,
    maxAttempts: 3,
    lastError: null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + 600_000),
    verifiedAt: null,
    endedAt: null,
    clientReferenceId: null,
    initiator: 'user',
    consentReceiptId: 'cr_sql_cost',
    guardianRequired: false,
    cancelReason: null,
    redactedAt: null,
    version: 1,
  };
}

export const eventOf = (s: VerificationSessionSnapshot): VerificationEvent => ({
  type: 'verification.updated',
  sessionId: s.id,
  app: s.app,
  status: s.status,
  attempts: s.attempts,
  occurredAt: new Date(),
});

/** `n` sessions started through the repository, `concurrency` inserts at a time (not what is measured). */
export async function startSessions(
  repo: SqlVerificationSessionRepository,
  n: number,
  concurrency = 1,
): Promise<VerificationSessionSnapshot[]> {
  const sessions = Array.from({ length: n }, (_, i) => pendingSession(i));
  let next = 0;
  const worker = async () => {
    while (next < sessions.length) {
      const s = sessions[next++]!;
      await repo.insert(s, eventOf(s));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return sessions;
}

/** The session as the confirmation leaves it: verified on its first attempt, its binding dropped. */
export function verifiedAfter(s: VerificationSessionSnapshot): VerificationSessionSnapshot {
  const now = new Date();
  return {
    ...s,
    binding: null,
    status: 'VERIFIED',
    attempts: 1,
    verifiedAt: now,
    endedAt: now,
    version: s.version + 1,
  };
}

/** A new evidence hash, as the gateway derives one from a verifyResult (64 hex characters). */
export const evidenceHash = (): string => randomBytes(32).toString('hex');

/**
 * A confirmation's first statement through `repo`: the session read and the evidence claimed in one round
 * trip; throws unless the claim was taken.
 */
export async function claimForConfirmation(
  repo: SqlVerificationSessionRepository,
  s: VerificationSessionSnapshot,
  hash: string,
): Promise<void> {
  const found = await repo.findAndClaim({
    sessionId: s.id,
    evidenceHash: hash,
    now: new Date(),
    protocol: 'LEGACY',
    openid: s.openid,
  });
  if (!found.claimed) throw new Error('not claimed');
}

/** A confirmation's second statement through `repo`: the completion; throws unless it wrote. */
export async function completeConfirmation(
  repo: SqlVerificationSessionRepository,
  s: VerificationSessionSnapshot,
  hash: string,
): Promise<void> {
  const done = verifiedAfter(s);
  const ok = await repo.completeEvidence(
    hash,
    { status: 'VERIFIED', failure: null, attempt: 1 },
    done,
    s.version,
    eventOf(done),
  );
  if (!ok) throw new Error('not completed');
}
