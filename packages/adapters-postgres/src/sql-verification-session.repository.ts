import type {
  CancelReason,
  EvidenceClaim,
  EvidenceClaimRequest,
  LivenessType,
  ObservedLiveness,
  PageCursor,
  RecordedOutcome,
  RedactedSession,
  RetentionScope,
  SessionAndClaim,
  SessionBinding,
  SessionClaimRequest,
  SessionRedactor,
  VerificationEvent,
  VerificationFailure,
  VerificationFilter,
  VerificationPage,
  VerificationProtocol,
  VerificationSessionRepository,
  VerificationSessionSnapshot,
  VerificationStatus,
} from '@facegate/domain';
import { DEFAULT_APP } from '@facegate/domain';
import type { FieldCipher } from './crypto/aes-gcm-field-cipher';
import type { Database } from './database/database';
import { serializeVerificationEvent, sessionDetailsOf } from './outbox-event-codec';

interface SessionRow {
  id: string;
  app: string;
  protocol: VerificationProtocol;
  status: VerificationStatus;
  openid: string;
  liveness_type: LivenessType | null;
  observed_liveness: ObservedLiveness | null;
  masked_name: string;
  masked_id_card_number: string;
  id_number_hmac: string;
  binding_sealed: string | null;
  attempts: number;
  max_attempts: number;
  last_error: VerificationFailure | null;
  created_at: Date;
  expires_at: Date;
  verified_at: Date | null;
  ended_at: Date | null;
  client_reference_id: string | null;
  initiator: string;
  consent_receipt_id: string | null;
  guardian_required: boolean;
  cancel_reason: CancelReason | null;
  redacted_at: Date | null;
  version: number;
}

interface ClaimRow {
  session_id: string;
  completed_at: Date | null;
  outcome_status: VerificationStatus | null;
  outcome_failure: VerificationFailure | null;
  outcome_attempt: number | null;
}

const SESSION_COLUMNS = `id, app, protocol, status, openid, liveness_type, observed_liveness, masked_name,
  masked_id_card_number, id_number_hmac, binding_sealed, attempts, max_attempts, last_error, created_at,
  expires_at, verified_at, ended_at, client_reference_id, initiator, consent_receipt_id, guardian_required,
  cancel_reason, redacted_at, version`;

/** Columns written by insert and update, in parameter order ($2.. after id). */
const MUTABLE_COLUMNS = [
  'app',
  'protocol',
  'status',
  'openid',
  'liveness_type',
  'observed_liveness',
  'masked_name',
  'masked_id_card_number',
  'id_number_hmac',
  'binding_sealed',
  'attempts',
  'max_attempts',
  'last_error',
  'created_at',
  'expires_at',
  'verified_at',
  'ended_at',
  'client_reference_id',
  'initiator',
  'consent_receipt_id',
  'guardian_required',
  'cancel_reason',
  'redacted_at',
  'version',
] as const;

/** What a written session row gives the outbox row that announces it: the columns sessionDetailsOf reads. */
const RETURNING_DETAILS = `RETURNING id, protocol, openid, max_attempts, last_error, created_at, expires_at,
  verified_at, ended_at, client_reference_id, consent_receipt_id, cancel_reason, redacted_at`;

/**
 * The outbox row announcing a session written by the CTE `written` (the transactional outbox: the event and
 * its write commit together or not at all). The session's details are copied from the written row, so a
 * webhook describes the session as this event left it; ids, status, counts and dates only, no PII.
 */
const outboxInsertFrom = (written: string, typeParam: number) => `INSERT INTO event_outbox
    (event_type, session_id, payload, session_details)
  SELECT $${typeParam}, r.id, $${typeParam + 1}::text::jsonb, ${sessionDetailsOf('r')}
  FROM ${written} r`;

const STATUS_PARAM = MUTABLE_COLUMNS.indexOf('status') + 2;
const EXPIRES_AT_PARAM = MUTABLE_COLUMNS.indexOf('expires_at') + 2;

/**
 * The expiry sweeper's low-water mark (expiry_sweep_position, migration 0013) says no session with expires_at
 * <= swept_to is PENDING. A PENDING session is written below it only when it was started already due by the
 * sweeper's clock (a gateway whose clock is behind by more than the session's lifetime; tests) or when a write
 * lowers its expires_at that far: this CTE lowers the mark then, so the sweeper still finds the session. It is
 * added only to writes of PENDING sessions (the start, consent, a retry), never to an ending. It reads the
 * mark in its own snapshot: a due session started while a sweep runs may still be passed over (no lock is
 * taken, so that starts do not queue behind one row); the next command on it expires it (isDue).
 */
const REWIND_MARK = `rewound AS (
  UPDATE expiry_sweep_position SET swept_to = $${EXPIRES_AT_PARAM}::timestamptz - interval '1 microsecond',
    updated_at = now()
  WHERE $${STATUS_PARAM}::text = 'PENDING' AND swept_to >= $${EXPIRES_AT_PARAM}::timestamptz
)`;

const INSERT_EVENT_PARAM = MUTABLE_COLUMNS.length + 2;
const ID_NUMBER_HMAC_PARAM = MUTABLE_COLUMNS.indexOf('id_number_hmac') + 2;
/** The session, its event, and (once per person) the count of distinct people processed (migration 0007). */
const INSERT_SQL = `WITH written AS (
  INSERT INTO verification_sessions (id, ${MUTABLE_COLUMNS.join(', ')})
  VALUES ($1, ${MUTABLE_COLUMNS.map((c, i) => (c === 'last_error' ? `$${i + 2}::jsonb` : `$${i + 2}`)).join(', ')})
  ${RETURNING_DETAILS}
), seen AS (
  INSERT INTO people_seen (digest)
  SELECT encode(sha256(convert_to($${ID_NUMBER_HMAC_PARAM}::text, 'UTF8')), 'hex') FROM written
  ON CONFLICT DO NOTHING
), ${REWIND_MARK}
${outboxInsertFrom('written', INSERT_EVENT_PARAM)}`;

const EXPECTED_VERSION_PARAM = MUTABLE_COLUMNS.length + 2;
const UPDATE_ONLY_SQL = `UPDATE verification_sessions SET
  ${MUTABLE_COLUMNS.map((c, i) => `${c} = $${i + 2}${c === 'last_error' ? '::jsonb' : ''}`).join(',\n  ')},
  updated_at = now()
  WHERE id = $1 AND version = $${EXPECTED_VERSION_PARAM}
  ${RETURNING_DETAILS}`;

const UPDATE_EVENT_PARAM = EXPECTED_VERSION_PARAM + 1;
const updateSql = (rewind: string) => `WITH written AS (
  ${UPDATE_ONLY_SQL}
)${rewind}
${outboxInsertFrom('written', UPDATE_EVENT_PARAM)}
RETURNING session_id`;
const UPDATE_SQL = updateSql('');
/** UPDATE_SQL for a session that stays PENDING: the sweeper's mark lowered if needed (REWIND_MARK). */
const UPDATE_PENDING_SQL = updateSql(`, ${REWIND_MARK}`);

const EVIDENCE_PARAM = EXPECTED_VERSION_PARAM + 1;
const COMPLETE_EVENT_PARAM = EVIDENCE_PARAM + 4;
/**
 * completeEvidence as one statement (one round trip, one implicit transaction): the session is written only at
 * the expected version, the outcome only onto a claim that has none yet (normally ours, taken before the
 * upstream call), the event into the outbox, and when the session was written but an outcome was already
 * there (someone else's) the statement aborts itself (facegate_abort_if, migration 0003), undoing the session
 * write and the event with it.
 */
const completeSql = (rewind: string) => `WITH updated AS (
  ${UPDATE_ONLY_SQL}
), announced AS (
  ${outboxInsertFrom('updated', COMPLETE_EVENT_PARAM)}
), recorded AS (
  INSERT INTO evidence_claims
    (evidence_hash, session_id, claimed_at, completed_at, outcome_status, outcome_failure, outcome_attempt)
  SELECT $${EVIDENCE_PARAM}, updated.id, now(), now(), $${EVIDENCE_PARAM + 1}, $${EVIDENCE_PARAM + 2}::jsonb, $${EVIDENCE_PARAM + 3}
  FROM updated
  ON CONFLICT (evidence_hash) DO UPDATE SET
    session_id = EXCLUDED.session_id, completed_at = EXCLUDED.completed_at,
    outcome_status = EXCLUDED.outcome_status, outcome_failure = EXCLUDED.outcome_failure,
    outcome_attempt = EXCLUDED.outcome_attempt
  WHERE evidence_claims.completed_at IS NULL
  RETURNING evidence_hash
)${rewind}
SELECT (SELECT count(*) FROM updated)::int AS updated,
  facegate_abort_if(
    (SELECT count(*) FROM updated) = 1 AND (SELECT count(*) FROM recorded) = 0,
    'the evidence already has an outcome'
  ) AS ok`;
const COMPLETE_SQL = completeSql('');
/** COMPLETE_SQL for a session that stays PENDING (a failed attempt with attempts left): see REWIND_MARK. */
const COMPLETE_PENDING_SQL = completeSql(`, ${REWIND_MARK}`);

/**
 * findAndClaim: the session row, and a claim inserted for it only when the session could use it now (PENDING,
 * of the evidence's protocol, not expired, the caller's); a claim that exists already is left alone.
 */
const FIND_AND_CLAIM_SQL = `WITH s AS (
  SELECT ${SESSION_COLUMNS} FROM verification_sessions WHERE id = $1
), claimed AS (
  INSERT INTO evidence_claims (evidence_hash, session_id, claimed_at)
  SELECT $2, s.id, $3 FROM s
  WHERE s.status = 'PENDING' AND s.protocol = $4 AND s.expires_at > $3
    AND ($5::text IS NULL OR (s.openid = $5 AND s.app = $6))
  ON CONFLICT (evidence_hash) DO NOTHING
  RETURNING evidence_hash
)
SELECT s.*, EXISTS (SELECT 1 FROM claimed) AS claimed FROM s`;

/**
 * findAndClaim while a secret rotation runs: also no claim when the evidence was claimed under an older
 * secret ($7); claimEvidence then answers with that claim. Only then: the common statement stays as it was.
 */
const FIND_AND_CLAIM_ROTATING_SQL = FIND_AND_CLAIM_SQL.replace(
  '(s.openid = $5 AND s.app = $6))',
  '(s.openid = $5 AND s.app = $6))\n    AND NOT EXISTS (SELECT 1 FROM evidence_claims WHERE evidence_hash = ANY($7::text[]))',
);

/**
 * The CTEs a redaction adds after the CTE `updated` (the redacted rows): the sessions' earlier outbox events
 * deleted (their session details named the person) and their webhook delivery bodies emptied (a pending one is
 * failed: its body is gone).
 */
const FORGET_REDACTED = `forgotten AS (
  DELETE FROM event_outbox o USING updated WHERE o.session_id = updated.id
), emptied AS (
  UPDATE webhook_deliveries d SET body = '', updated_at = now(),
    status = CASE WHEN d.status = 'PENDING' THEN 'FAILED' ELSE d.status END,
    last_error = CASE WHEN d.status = 'PENDING' THEN 'REDACTED' ELSE d.last_error END,
    finished_at = COALESCE(d.finished_at, now()), claim_token = NULL
  FROM updated WHERE d.session_id = updated.id
)`;

/**
 * A redaction in one statement (parameters as UPDATE_SQL's): the session row as redacted (optimistic on
 * version), the session's earlier outbox events deleted (their session details named the person), the bodies of
 * its webhook deliveries emptied (a pending one is failed: its body is gone), the verification.redacted event
 * stored.
 */
const REDACT_SQL = `WITH updated AS (
  ${UPDATE_ONLY_SQL}
), ${FORGET_REDACTED}
${outboxInsertFrom('updated', UPDATE_EVENT_PARAM)}
RETURNING session_id`;

/**
 * Retention, set-based: VerificationSession.redact for up to $2 sessions that ended before $1 (created before it
 * too, so the partial index of unredacted sessions bounds the scan), stamped $3, skipping rows another
 * transaction holds; their outbox events deleted and delivery bodies emptied as in REDACT_SQL, one
 * verification.redacted event each (payload as serializeVerificationEvent writes it, $4 the ISO time). The
 * fields emptied here are the entity's rule; the CHECK verification_sessions_redacted_holds_nothing (migration
 * 0007) refuses a redacted row that keeps any of them.
 */
const REDACT_ENDED_SQL = `WITH picked AS (
  SELECT id FROM verification_sessions
  WHERE redacted_at IS NULL AND created_at < $1 AND status <> 'PENDING' AND ended_at < $1
    AND ($5::text[] IS NULL OR app = ANY($5::text[])) AND ($6::text[] IS NULL OR app <> ALL($6::text[]))
  ORDER BY created_at, id LIMIT $2
  FOR UPDATE SKIP LOCKED
), updated AS (
  UPDATE verification_sessions s SET openid = '', masked_name = '', masked_id_card_number = '',
    id_number_hmac = '', client_reference_id = NULL, guardian_required = false, redacted_at = $3,
    version = s.version + 1, updated_at = now()
  FROM picked WHERE s.id = picked.id
  RETURNING s.id, s.app, s.status, s.attempts, s.protocol, s.openid, s.max_attempts, s.last_error, s.created_at,
    s.expires_at, s.verified_at, s.ended_at, s.client_reference_id, s.consent_receipt_id, s.cancel_reason,
    s.redacted_at
), ${FORGET_REDACTED}, announced AS (
  INSERT INTO event_outbox (event_type, session_id, payload, session_details)
  SELECT 'verification.redacted', r.id,
    jsonb_build_object('type', 'verification.redacted', 'sessionId', r.id, 'app', r.app, 'status', r.status,
      'attempts', r.attempts, 'occurredAt', $4::text),
    ${sessionDetailsOf('r')}
  FROM updated r ORDER BY r.created_at, r.id
)
SELECT id, app, status, attempts FROM updated ORDER BY created_at, id`;

/**
 * findExpirable over the plain (expires_at, id) index (migration 0013), from the sweeper's low-water mark: only
 * expires_at in (swept_to, $1] is scanned, not every session that ever expired. In the same statement the mark
 * moves up to just below the first PENDING session found (every session before it in the scan is ended, and an
 * ended session stays ended), or to $1 when none is due. expires_at has microsecond resolution, so
 * `swept_to = first - 1 µs` leaves exactly the sessions expiring at `first` or later above it.
 *
 * Whose clock: $1 is the caller's `now` (the domain's Clock, the gateway's system clock), the same clock that set
 * every session's expires_at at its start (start time + lifetime), so a session started after a sweep expires
 * after that sweep's `now` as long as the gateways' clocks agree within a session's lifetime. A PENDING session
 * written below the mark anyway lowers it (REWIND_MARK).
 *
 * Several sweepers (gateway instances) may run this at once: the mark only moves from the value this statement
 * read (the UPDATE re-checks it on the row's latest version, so a concurrent advance or lowering wins and this
 * one is dropped), and the sessions returned are expired by the caller's versioned update, which only one
 * writer wins: a session is still expired once.
 */
const FIND_EXPIRABLE_SQL = `WITH mark AS (
  SELECT coalesce(max(swept_to), '-infinity') AS swept_to FROM expiry_sweep_position
), due AS (
  SELECT ${SESSION_COLUMNS} FROM verification_sessions
  WHERE expires_at > (SELECT swept_to FROM mark) AND expires_at <= $1 AND status = 'PENDING'
  ORDER BY expires_at, id LIMIT $2
), advanced AS (
  UPDATE expiry_sweep_position p
  SET swept_to = coalesce((SELECT min(expires_at) FROM due) - interval '1 microsecond', $1), updated_at = now()
  WHERE $2 > 0 AND p.swept_to = (SELECT swept_to FROM mark)
    AND p.swept_to < coalesce((SELECT min(expires_at) FROM due) - interval '1 microsecond', $1)
)
SELECT * FROM due ORDER BY expires_at, id`;

/** The SQLSTATE facegate_abort_if raises. */
const STATEMENT_ABORTED = 'FGABT';

/** How often claimEvidence retries when a claim vanishes between its statements (released meanwhile). */
const CLAIM_ROUNDS = 5;

/**
 * Sessions and the replay guard over one SQL dialect (PGlite and PostgreSQL).
 *
 * Concurrency: a claim is one atomic `INSERT ... ON CONFLICT DO NOTHING` on the evidence hash; an expired
 * unfinished claim is taken over by a conditional `UPDATE ... WHERE claimed_at < lease cutoff RETURNING`, which
 * PostgreSQL lets exactly one concurrent caller win (the others re-check the condition on the updated row and
 * match nothing). `update` and `completeEvidence` write only `WHERE version = expected`, so there is no
 * read-then-write window.
 *
 * Privacy: the binding is sealed with the FieldCipher (authenticated with the session id, so it cannot be
 * moved to another row) and stored only while the session is PENDING; every other column is already free of
 * raw names and ID numbers.
 */
export class SqlVerificationSessionRepository implements VerificationSessionRepository, SessionRedactor {
  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async insert(session: VerificationSessionSnapshot, event: VerificationEvent): Promise<void> {
    await this.db.query(INSERT_SQL, [...this.sessionParams(session), ...eventParams(event)]);
  }

  async findById(id: string): Promise<VerificationSessionSnapshot | null> {
    const rows = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM verification_sessions WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? null : this.toSnapshot(rows[0]);
  }

  update(
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    return this.writeAt(
      session.status === 'PENDING' ? UPDATE_PENDING_SQL : UPDATE_SQL,
      session,
      expectedVersion,
      event,
    );
  }

  async claimEvidence(request: EvidenceClaimRequest): Promise<EvidenceClaim> {
    const { evidenceHash, sessionId, now, leaseMs } = request;
    const leaseCutoff = new Date(now.getTime() - leaseMs);
    const previous = request.previousEvidenceHashes ?? [];
    if (previous.length > 0) {
      // claimed under an older secret (before a rotation): that claim is this evidence's claim
      const prior = await this.priorClaim(previous, leaseCutoff);
      if (prior !== null) return prior;
    }
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const inserted = await this.db.query(
        `INSERT INTO evidence_claims (evidence_hash, session_id, claimed_at) VALUES ($1, $2, $3)
         ON CONFLICT (evidence_hash) DO NOTHING RETURNING evidence_hash`,
        [evidenceHash, sessionId, now],
      );
      if (inserted.length === 1) return { kind: 'acquired' };

      // The holder may have died mid-call: an unfinished claim whose lease has run out (held for leaseMs or
      // longer, as in the domain's in-memory repository) goes to exactly one taker.
      const taken = await this.db.query(
        `UPDATE evidence_claims SET session_id = $2, claimed_at = $3
         WHERE evidence_hash = $1 AND completed_at IS NULL AND claimed_at <= $4 RETURNING evidence_hash`,
        [evidenceHash, sessionId, now, leaseCutoff],
      );
      if (taken.length === 1) return { kind: 'acquired' };

      const rows = await this.db.query<ClaimRow>(
        `SELECT session_id, completed_at, outcome_status, outcome_failure, outcome_attempt
         FROM evidence_claims WHERE evidence_hash = $1`,
        [evidenceHash],
      );
      const claim = rows[0];
      if (claim === undefined) continue; // released between our statements: try again
      return completedClaimOf(claim) ?? { kind: 'busy', sessionId: claim.session_id };
    }
    // Claimed and released over and over by others: report it as in progress rather than spin.
    return { kind: 'busy', sessionId };
  }

  /**
   * A claim under one of the evidence's older hashes: completed (its outcome), or still held within its lease
   * (busy); null when there is none, or when its holder outlived its lease (then it is removed, and the
   * evidence is claimed afresh under the current secret).
   */
  private async priorClaim(previous: readonly string[], leaseCutoff: Date): Promise<EvidenceClaim | null> {
    const rows = await this.db.query<ClaimRow & { evidence_hash: string; claimed_at: Date }>(
      `SELECT evidence_hash, session_id, claimed_at, completed_at, outcome_status, outcome_failure, outcome_attempt
       FROM evidence_claims WHERE evidence_hash = ANY($1::text[])
       ORDER BY completed_at IS NULL, claimed_at DESC LIMIT 1`,
      [[...previous]],
    );
    const claim = rows[0];
    if (claim === undefined) return null;
    const completed = completedClaimOf(claim);
    if (completed !== null) return completed;
    if (claim.claimed_at.getTime() > leaseCutoff.getTime())
      return { kind: 'busy', sessionId: claim.session_id };
    await this.db.query(
      'DELETE FROM evidence_claims WHERE evidence_hash = $1 AND completed_at IS NULL AND claimed_at <= $2',
      [claim.evidence_hash, leaseCutoff],
    );
    return null;
  }

  async findAndClaim(request: SessionClaimRequest): Promise<SessionAndClaim> {
    const previous = request.previousEvidenceHashes ?? [];
    const params: unknown[] = [
      request.sessionId,
      request.evidenceHash,
      request.now,
      request.protocol,
      request.openid,
      // a user's own session only within their app: the same openid in another app is another person
      request.app ?? DEFAULT_APP,
    ];
    const rows = await this.db.query<SessionRow & { claimed: boolean }>(
      previous.length > 0 ? FIND_AND_CLAIM_ROTATING_SQL : FIND_AND_CLAIM_SQL,
      previous.length > 0 ? [...params, [...previous]] : params,
    );
    const row = rows[0];
    return row === undefined
      ? { session: null, claimed: false }
      : { session: this.toSnapshot(row), claimed: row.claimed === true };
  }

  async completeEvidence(
    evidenceHash: string,
    outcome: RecordedOutcome,
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    const rows = await this.db
      .query<{ updated: number }>(session.status === 'PENDING' ? COMPLETE_PENDING_SQL : COMPLETE_SQL, [
        ...this.sessionParams(session),
        expectedVersion,
        evidenceHash,
        outcome.status,
        jsonOrNull(outcome.failure),
        outcome.attempt,
        ...eventParams(event),
      ])
      .catch((error: unknown) => {
        if ((error as { code?: unknown } | null)?.code === STATEMENT_ABORTED) return null;
        throw error;
      });
    return rows?.[0]?.updated === 1;
  }

  async releaseEvidence(evidenceHash: string, sessionId: string): Promise<void> {
    await this.db.query(
      'DELETE FROM evidence_claims WHERE evidence_hash = $1 AND session_id = $2 AND completed_at IS NULL',
      [evidenceHash, sessionId],
    );
  }

  async findExpirable(now: Date, limit: number): Promise<readonly VerificationSessionSnapshot[]> {
    const rows = await this.db.query<SessionRow>(FIND_EXPIRABLE_SQL, [now, clampLimit(limit)]);
    return rows.map((r) => this.toSnapshot(r));
  }

  async list(filter: VerificationFilter, first: number, after: PageCursor | null): Promise<VerificationPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.openid != null) where.push(`openid = ${param(filter.openid)}`);
    if (filter.app != null) where.push(`app = ${param(filter.app)}`);
    if (filter.apps != null) where.push(`app = ANY(${param([...filter.apps])}::text[])`);
    if (filter.status != null) where.push(`status = ${param(filter.status)}`);
    if (filter.createdAfter != null) where.push(`created_at >= ${param(filter.createdAfter)}`);
    if (filter.createdBefore != null) where.push(`created_at < ${param(filter.createdBefore)}`);
    // Time window is half-open: createdAfter inclusive, createdBefore exclusive.
    // Keyset: strictly after the cursor in (created_at DESC, id DESC) order.
    if (after !== null) where.push(`(created_at, id) < (${param(after.createdAt)}, ${param(after.id)})`);
    const limit = clampLimit(first);
    const rows = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM verification_sessions
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    return {
      items: rows.slice(0, limit).map((r) => this.toSnapshot(r)),
      hasNextPage: rows.length > limit,
    };
  }

  redact(
    redacted: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    return this.writeAt(REDACT_SQL, redacted, expectedVersion, event);
  }

  /** A write of `sql` (UPDATE_SQL's parameters), optimistic on version; true iff it wrote. */
  private async writeAt(
    sql: string,
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    const rows = await this.db.query(sql, [
      ...this.sessionParams(session),
      expectedVersion,
      ...eventParams(event),
    ]);
    return rows.length === 1;
  }

  async redactEndedBefore(
    endedBefore: Date,
    limit: number,
    at: Date,
    scope?: RetentionScope,
  ): Promise<readonly RedactedSession[]> {
    const only = scope !== undefined && 'apps' in scope ? [...scope.apps] : null;
    const except = scope !== undefined && 'exceptApps' in scope ? [...scope.exceptApps] : null;
    const rows = await this.db.query<{
      id: string;
      app: string;
      status: VerificationStatus;
      attempts: number;
    }>(REDACT_ENDED_SQL, [endedBefore, clampLimit(limit), at, at.toISOString(), only, except]);
    return rows.map((r) => ({ id: r.id, app: r.app, status: r.status, attempts: r.attempts }));
  }

  async findLatestVerified(openid: string, app: string): Promise<VerificationSessionSnapshot | null> {
    // served by verification_sessions_openid_created_idx: one user's few sessions (migration 0011)
    const rows = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM verification_sessions
       WHERE openid = $1 AND app = $2 AND status = 'VERIFIED'
       ORDER BY verified_at DESC NULLS LAST, created_at DESC, id DESC LIMIT 1`,
      [openid, app],
    );
    return rows[0] === undefined ? null : this.toSnapshot(rows[0]);
  }

  private sessionParams(s: VerificationSessionSnapshot): unknown[] {
    // Only an open session keeps its binding; once it ends the hashes are dropped, whatever the snapshot says.
    const sealed =
      s.status === 'PENDING' && s.binding !== null
        ? this.cipher.encrypt(JSON.stringify(s.binding), s.id)
        : null;
    const values: Record<(typeof MUTABLE_COLUMNS)[number], unknown> = {
      app: s.app,
      protocol: s.protocol,
      status: s.status,
      openid: s.openid,
      liveness_type: s.livenessType,
      observed_liveness: s.observedLiveness,
      masked_name: s.maskedName,
      masked_id_card_number: s.maskedIdCardNumber,
      id_number_hmac: s.idNumberHmac,
      binding_sealed: sealed,
      attempts: s.attempts,
      max_attempts: s.maxAttempts,
      last_error: jsonOrNull(s.lastError),
      created_at: s.createdAt,
      expires_at: s.expiresAt,
      verified_at: s.verifiedAt,
      ended_at: s.endedAt,
      client_reference_id: s.clientReferenceId,
      initiator: s.initiator,
      consent_receipt_id: s.consentReceiptId,
      guardian_required: s.guardianRequired,
      cancel_reason: s.cancelReason,
      redacted_at: s.redactedAt,
      version: s.version,
    };
    return [s.id, ...MUTABLE_COLUMNS.map((c) => values[c])];
  }

  private toSnapshot(row: SessionRow): VerificationSessionSnapshot {
    // the binding is opened (AES-GCM and a JSON parse) only if something reads it: most reads never do
    const sealed = row.binding_sealed;
    let binding: SessionBinding | undefined;
    const openBinding = () => {
      if (sealed === null) return null;
      binding ??= this.openBinding(sealed, row.id);
      return binding;
    };
    return {
      get binding() {
        return openBinding();
      },
      id: row.id,
      app: row.app,
      protocol: row.protocol,
      status: row.status,
      openid: row.openid,
      livenessType: row.liveness_type,
      observedLiveness: row.observed_liveness,
      maskedName: row.masked_name,
      maskedIdCardNumber: row.masked_id_card_number,
      idNumberHmac: row.id_number_hmac,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      lastError: row.last_error,
      createdAt: toDate(row.created_at),
      expiresAt: toDate(row.expires_at),
      verifiedAt: row.verified_at === null ? null : toDate(row.verified_at),
      endedAt: row.ended_at === null ? null : toDate(row.ended_at),
      clientReferenceId: row.client_reference_id,
      initiator: row.initiator,
      consentReceiptId: row.consent_receipt_id,
      guardianRequired: row.guardian_required,
      cancelReason: row.cancel_reason,
      redactedAt: row.redacted_at === null ? null : toDate(row.redacted_at),
      version: row.version,
    };
  }

  private openBinding(sealed: string, sessionId: string): SessionBinding {
    const parsed = JSON.parse(this.cipher.decrypt(sealed, sessionId)) as SessionBinding;
    if (parsed.protocol !== 'V2') return parsed;
    // A binding sealed before spares existed held the raw name and ID number: never read them back, so the
    // next write re-seals without them; with no spares such a session simply has no retry left.
    const { certName: _name, certNo: _no, ...binding } = parsed as typeof parsed & Record<string, unknown>;
    return {
      ...binding,
      verifyIdExpiresAt: new Date(binding.verifyIdExpiresAt),
      spares: (binding.spares ?? []).map((spare) => ({
        ...spare,
        verifyIdExpiresAt: new Date(spare.verifyIdExpiresAt),
      })),
    };
  }
}

/** A claim row that holds its outcome, as the port answers it; null while the claim is unfinished. */
function completedClaimOf(claim: ClaimRow): EvidenceClaim | null {
  if (claim.completed_at === null || claim.outcome_status === null) return null;
  return {
    kind: 'completed',
    sessionId: claim.session_id,
    outcome: {
      status: claim.outcome_status,
      failure: claim.outcome_failure,
      attempt: claim.outcome_attempt ?? 0,
    },
  };
}

function eventParams(event: VerificationEvent): [string, string] {
  return [event.type, serializeVerificationEvent(event)];
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function clampLimit(n: number): number {
  if (!Number.isFinite(n)) return 0;
  return Math.max(0, Math.min(Math.floor(n), 10_000));
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
