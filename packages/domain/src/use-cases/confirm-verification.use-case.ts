import { type AppScope, DEFAULT_APP } from '../apps/app.js';
import { ADMIT_ALL } from '../ports/start-admission.port.js';
import type { EvidenceClaim } from '../ports/verification-session.repository.port.js';
import { consentKindFor } from '../privacy/consent-steps.js';
import { ConsentRequiredError } from '../privacy/privacy.errors.js';
import { err, ok, type Result } from '../shared/result.js';
import { defaultSleep } from '../shared/timers.js';
import { uncountedAnswerOf } from '../verification/failure-taxonomy.js';
import {
  clientErrorOutcome,
  evaluateLegacyResult,
  evaluateV2Result,
  isMismatch,
  type RuleOutcome,
  withClientErrCode,
} from '../verification/result-rules.js';
import {
  AttemptNotFinishedError,
  ConcurrentModificationError,
  EvidenceAlreadyUsedError,
  EvidenceInProgressError,
  InvalidInputError,
  InvalidStateError,
  SessionNotFoundError,
  UpstreamProtocolError,
  UpstreamUnavailableError,
  type VerificationCommandError,
} from '../verification/verification.errors.js';
import { USER_INITIATOR } from '../verification/verification.types.js';
import { VerificationSession } from '../verification/verification-session.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import {
  checkClientErrCode,
  checkVerifyResult,
  MAX_VERIFY_RESULT_LENGTH,
  verifyResultRequired,
} from './command-validation.js';
import { applyAndSave, expireIfDue, loadSession, updatedEvent, visibleTo } from './session-store.js';
import type { VerificationDeps } from './verification-deps.js';

export interface ConfirmVerificationCommand {
  readonly sessionId: string;
  /** Legacy: the JSAPI's verifyResult. V2: must be omitted (the session's verifyId is the evidence). */
  readonly verifyResult?: string | null;
  /** What the JSAPI reported. Can fail an attempt, never pass one. */
  readonly clientErrCode?: number | null;
  /**
   * V2, optional: the verifyId the client ran (its clientParams.verifyId). A resend of an earlier attempt's
   * confirmation then gets the session as that attempt left it, instead of being taken for a confirmation
   * of the verifyId the session has moved on to (which would count one client run twice). Refused for legacy.
   */
  readonly verifyId?: string | null;
  /**
   * The signed-in user asking, when it is one: a session of another user is SESSION_NOT_FOUND, exactly like a
   * missing one (so ids cannot be probed). Null or omitted for a trusted caller (a service).
   */
  readonly openid?: string | null;
  /** The signed-in user's app (default DEFAULT_APP): with `openid`, who the user is. */
  readonly app?: string | null;
  /** A service limited to some apps: a session of any other app is SESSION_NOT_FOUND. Null or omitted: any. */
  readonly apps?: AppScope;
  /** Where the request came from (see AdmissionSubject.clientAddress); null or omitted when unknown. */
  readonly clientAddress?: string | null;
}

/** The evidence the command names, hashed once by the read (findAndClaim). */
interface NamedEvidence {
  readonly evidence: string;
  readonly evidenceHash: string;
  readonly previous: readonly string[];
}

/**
 * A piece of evidence's hash under the current secret, and (while a secret rotation runs) its hashes under
 * the older secrets still live: a claim made before the rotation still counts.
 */
interface EvidenceKey {
  readonly hash: string;
  readonly previous: readonly string[];
}

/** The evidence's claim when the read took it: this command's to use or to give back. */
interface Preclaim {
  readonly evidenceHash: string;
  used: boolean;
}

type Outcome = Result<VerificationSessionSnapshot, VerificationCommandError>;

/** How often a confirmation of busy evidence looks again for the first one's outcome. */
const BUSY_POLL_MS = 200;

/**
 * Confirms an attempt with WeChat and applies the result rules. Idempotent: the same evidence again returns
 * the recorded outcome with no second upstream call; concurrent confirmations of one piece of evidence make
 * one upstream call and share its outcome. Transient upstream trouble is thrown and uses up no attempt.
 *
 * Evidence is the legacy verifyResult, or (v2) the verifyId the client names, else the session's current one;
 * only its HMAC is stored.
 * Each protocol takes its own evidence only: a v2 confirmation with a verifyResult, or a legacy one with a
 * verifyId, is INVALID_INPUT (the session knows its verifyId; legacy has none). After a retryable
 * v2 failure the session moves on to a verifyId prepared at start: no upstream call, no identity needed.
 */
export class ConfirmVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(command: ConfirmVerificationCommand): Promise<Outcome> {
    const invalid =
      checkVerifyResult(command.verifyResult) ??
      checkClientErrCode(command.clientErrCode) ??
      checkVerifyId(command.verifyId);
    if (invalid) return err(invalid);
    if (typeof command.sessionId !== 'string' || command.sessionId === '')
      return err(new SessionNotFoundError(command.sessionId));
    const { found, named, preclaim } = await this.read(command);
    try {
      if (!found || !visibleTo(found.snapshot, command))
        return err(new SessionNotFoundError(command.sessionId));
      return await this.confirmFound(found, command, named, preclaim);
    } finally {
      // read with a claim the confirmation did not go on to use: give it back
      if (preclaim !== null && !preclaim.used)
        await this.deps.repository.releaseEvidence(preclaim.evidenceHash, command.sessionId);
    }
  }

  /**
   * The session, and when the command names its evidence (a legacy verifyResult, a v2 verifyId) the claim on it
   * in the same round trip: on the success path a confirmation is that and the completion, two in all.
   */
  private async read(
    command: ConfirmVerificationCommand,
  ): Promise<{ found: VerificationSession | null; named: NamedEvidence | null; preclaim: Preclaim | null }> {
    const protocol =
      command.verifyResult && command.verifyId == null
        ? ('LEGACY' as const)
        : command.verifyId != null && !command.verifyResult
          ? ('V2' as const)
          : null;
    if (protocol === null) {
      return { found: await loadSession(this.deps, command.sessionId), named: null, preclaim: null };
    }
    const evidence = protocol === 'LEGACY' ? `legacy:${command.verifyResult}` : `v2:${command.verifyId}`;
    const evidenceHash = this.deps.digests.hmacHex('evidence', evidence);
    const previous = this.deps.digests.previousHmacHex?.('evidence', evidence) ?? [];
    const { session, claimed } = await this.deps.repository.findAndClaim({
      sessionId: command.sessionId,
      evidenceHash,
      ...(previous.length > 0 ? { previousEvidenceHashes: previous } : {}),
      protocol,
      openid: command.openid ?? null,
      app: command.openid != null ? (command.app ?? DEFAULT_APP) : null,
      now: this.deps.clock.now(),
    });
    return {
      found: session === null ? null : VerificationSession.fromSnapshot(session),
      named: { evidence, evidenceHash, previous },
      preclaim: claimed ? { evidenceHash, used: false } : null,
    };
  }

  private async confirmFound(
    found: VerificationSession,
    command: ConfirmVerificationCommand,
    named: NamedEvidence | null,
    preclaim: Preclaim | null,
  ): Promise<Outcome> {
    const misplaced = checkEvidenceFor(found.snapshot.protocol, command);
    if (misplaced) return err(misplaced);
    const now = this.deps.clock.now();
    const session = await expireIfDue(this.deps, found, now);
    const key = this.evidenceKeyOf(session, command, named);

    if (session.isEnded) return this.confirmEnded(session, key, preclaim);
    // No receipt, no face check: refused before WeChat is asked (a claim the read took is given back).
    if (!session.hasConsent) return err(await this.consentRequired(session));
    if (key === null) {
      // Legacy with nothing from WeChat to check: only a client-reported failure can be recorded.
      if (!command.clientErrCode) return err(verifyResultRequired());
      const outcome = clientErrorOutcome(command.clientErrCode);
      const saved = await applyAndSave(this.deps, session, now, (s) => s.recordAttempt(outcome, now));
      return saved.ok ? ok(saved.value.snapshot) : saved;
    }

    let claim = await this.claimOrTake(key, session.id, preclaim);
    if (claim.kind === 'busy' && claim.sessionId === session.id)
      claim = await this.waitForOutcome(key, session.id);
    if (claim.kind === 'acquired') {
      const binding = session.snapshot.binding;
      if (binding?.protocol === 'V2' && command.verifyId != null && command.verifyId !== binding.verifyId) {
        // Neither the current verifyId nor one confirmed before: there is no attempt it could belong to.
        await this.deps.repository.releaseEvidence(key.hash, session.id);
        return err(staleVerifyId());
      }
      return this.confirmAcquired(session, key.hash, command, now);
    }
    return this.answerClaimed(session, claim);
  }

  private async consentRequired(session: VerificationSession): Promise<ConsentRequiredError> {
    const kind = consentKindFor(session.snapshot.guardianRequired);
    const current = await this.deps.consent.texts.current(kind);
    return new ConsentRequiredError(current?.version ?? null, kind);
  }

  /** The HMACs of the evidence; the read's when it named the same evidence (no second HMAC). */
  private evidenceKeyOf(
    session: VerificationSession,
    command: ConfirmVerificationCommand,
    named: NamedEvidence | null,
  ): EvidenceKey | null {
    const { snapshot } = session;
    let evidence: string | null = null;
    if (snapshot.protocol === 'LEGACY')
      evidence = command.verifyResult ? `legacy:${command.verifyResult}` : null;
    else if (snapshot.binding?.protocol === 'V2')
      evidence = `v2:${command.verifyId ?? snapshot.binding.verifyId}`;
    if (evidence === null) return null;
    if (evidence === named?.evidence) return { hash: named.evidenceHash, previous: named.previous };
    return {
      hash: this.deps.digests.hmacHex('evidence', evidence),
      previous: this.deps.digests.previousHmacHex?.('evidence', evidence) ?? [],
    };
  }

  /** The claim the read took, if it is this evidence's (from here on released or completed like any other). */
  private claimOrTake(
    key: EvidenceKey,
    sessionId: string,
    preclaim: Preclaim | null,
  ): Promise<EvidenceClaim> {
    if (preclaim?.evidenceHash !== key.hash) return this.claim(key, sessionId);
    preclaim.used = true;
    return Promise.resolve({ kind: 'acquired' });
  }

  private claim(key: EvidenceKey, sessionId: string): Promise<EvidenceClaim> {
    return this.deps.repository.claimEvidence({
      evidenceHash: key.hash,
      ...(key.previous.length > 0 ? { previousEvidenceHashes: key.previous } : {}),
      sessionId,
      now: this.deps.clock.now(),
      leaseMs: this.deps.settings.evidenceLeaseMs,
    });
  }

  /** Another request of this session holds the evidence: wait (bounded) for its outcome, or take over. */
  private async waitForOutcome(key: EvidenceKey, sessionId: string): Promise<EvidenceClaim> {
    const sleep = this.deps.sleep ?? defaultSleep;
    let claim: EvidenceClaim = { kind: 'busy', sessionId };
    for (let waited = 0; waited < this.deps.settings.busyWaitMs; ) {
      const step = Math.min(BUSY_POLL_MS, this.deps.settings.busyWaitMs - waited);
      await sleep(step);
      waited += step;
      claim = await this.claim(key, sessionId);
      if (claim.kind !== 'busy') break;
    }
    return claim;
  }

  /** Someone else holds or used the evidence. */
  private async answerClaimed(session: VerificationSession, claim: EvidenceClaim): Promise<Outcome> {
    if (claim.kind === 'acquired' || claim.sessionId !== session.id)
      return err(new EvidenceAlreadyUsedError());
    if (claim.kind === 'busy') return err(new EvidenceInProgressError());
    // Already decided for this session: the answer is the session as it is now, with no upstream call.
    const current = await loadSession(this.deps, session.id);
    return ok((current ?? session).snapshot);
  }

  private async confirmEnded(
    session: VerificationSession,
    key: EvidenceKey | null,
    preclaim: Preclaim | null,
  ): Promise<Outcome> {
    const endedByAttempt = session.status === 'VERIFIED' || session.status === 'FAILED';
    // v2 carries no evidence of its own: a repeat after the outcome simply gets the outcome.
    if (session.snapshot.protocol === 'V2' && endedByAttempt) return ok(session.snapshot);
    if (key === null) return err(new InvalidStateError(session.status, 'confirm'));
    let claim = await this.claimOrTake(key, session.id, preclaim);
    if (claim.kind === 'busy' && claim.sessionId === session.id)
      claim = await this.waitForOutcome(key, session.id);
    if (claim.kind !== 'acquired') return this.answerClaimed(session, claim);
    // New evidence for an ended session: give the claim back untouched.
    await this.deps.repository.releaseEvidence(key.hash, session.id);
    return err(new InvalidStateError(session.status, 'confirm'));
  }

  private async confirmAcquired(
    session: VerificationSession,
    evidenceHash: string,
    command: ConfirmVerificationCommand,
    now: Date,
  ): Promise<Outcome> {
    const release = () => this.deps.repository.releaseEvidence(evidenceHash, session.id);
    try {
      const evaluated = await this.evaluate(session, command, now);
      if (!evaluated.ok) {
        await release();
        return evaluated;
      }
      const outcome = evaluated.value;
      let current = session;
      for (let round = 0; round < 2; round++) {
        const next = current.recordAttempt(outcome, now);
        if (!next.ok) {
          await release();
          return next;
        }
        const recorded = {
          status: next.value.status,
          failure: outcome.passed ? null : outcome.failure,
          attempt: next.value.snapshot.attempts,
        };
        const event = updatedEvent(next.value, now);
        if (
          await this.deps.repository.completeEvidence(
            evidenceHash,
            recorded,
            next.value.snapshot,
            current.version,
            event,
          )
        ) {
          await this.deps.events.publish(event);
          await this.recordMismatch(next.value.snapshot, outcome, command);
          return ok(next.value.snapshot);
        }
        current = (await loadSession(this.deps, session.id)) ?? current;
      }
      throw new ConcurrentModificationError(session.id);
    } catch (error) {
      await release();
      throw error;
    }
  }

  /**
   * A face or identity mismatch, on a session a user started, counts towards the ID number's ceiling
   * (StartAdmission). Only the confirmation that recorded the attempt gets here: a repeat does not count twice.
   */
  private async recordMismatch(
    session: VerificationSessionSnapshot,
    outcome: RuleOutcome,
    command: ConfirmVerificationCommand,
  ): Promise<void> {
    if (session.initiator !== USER_INITIATOR || !isMismatch(outcome)) return;
    await (this.deps.admission ?? ADMIT_ALL).recordMismatch({
      app: session.app,
      openid: session.openid,
      idNumberHmac: session.idNumberHmac,
      clientAddress: command.clientAddress ?? null,
    });
  }

  /** The upstream answer (or the client's report) through the result rules. */
  private async evaluate(
    session: VerificationSession,
    command: ConfirmVerificationCommand,
    now: Date,
  ): Promise<Result<RuleOutcome, VerificationCommandError>> {
    const { snapshot } = session;
    const binding = snapshot.binding!;
    if (binding.protocol === 'LEGACY') {
      const info = await this.deps.provider.fetchLegacyResult(command.verifyResult!, snapshot.app);
      const uncounted = notAnAttempt(info.errcode, 'verifyResult');
      if (uncounted) return err(uncounted);
      const outcome = evaluateLegacyResult(info, {
        binding,
        openid: snapshot.openid,
        startedAt: snapshot.createdAt,
        now,
        clockSkewMs: this.deps.settings.clockSkewMs,
      });
      return ok(withClientErrCode(outcome, command.clientErrCode));
    }
    // The client says its run failed: no point asking WeChat about a check that did not finish.
    if (command.clientErrCode) return ok(clientErrorOutcome(command.clientErrCode));
    const info = await this.deps.provider.fetchV2Result({
      app: snapshot.app,
      verifyId: binding.verifyId,
      outSeqNo: binding.outSeqNo,
      certHash: binding.certHash,
      openid: snapshot.openid,
    });
    const uncounted = notAnAttempt(info.errcode, 'verifyId');
    if (uncounted) return err(uncounted);
    return ok(evaluateV2Result(info));
  }
}

/**
 * A non-zero errcode is no outcome of the user's face check, so it uses up no attempt: transient and
 * unexpected codes are thrown (UPSTREAM_UNAVAILABLE), "not finished" and rejected evidence are returned.
 */
function notAnAttempt(
  errcode: number,
  evidence: 'verifyResult' | 'verifyId',
): VerificationCommandError | null {
  switch (uncountedAnswerOf(errcode)) {
    case null:
      return null;
    case 'TRANSIENT':
      throw new UpstreamUnavailableError('WeChat is busy', errcode);
    case 'NOT_FINISHED':
      return new AttemptNotFinishedError(errcode);
    case 'EVIDENCE_REJECTED':
      return new InvalidInputError(
        evidence,
        'EVIDENCE_REJECTED',
        'WeChat does not know this face check result (invalid, expired or unknown); run the face check again',
        '核验结果无效或已过期，请重新核验',
      );
    case 'UNEXPECTED':
      throw new UpstreamProtocolError(`WeChat answered errcode ${errcode} to a result query`);
  }
}

function checkVerifyId(verifyId: string | null | undefined): InvalidInputError | null {
  if (verifyId == null) return null;
  if (typeof verifyId === 'string' && verifyId.length > 0 && verifyId.length <= MAX_VERIFY_RESULT_LENGTH)
    return null;
  return new InvalidInputError(
    'verifyId',
    'VERIFY_ID_INVALID',
    `verifyId must be the clientParams value, at most ${MAX_VERIFY_RESULT_LENGTH} characters`,
  );
}

/** The rule for which evidence goes with which protocol, decided here only (the schema says the same). */
function checkEvidenceFor(
  protocol: 'LEGACY' | 'V2',
  command: ConfirmVerificationCommand,
): InvalidInputError | null {
  if (protocol === 'V2' && command.verifyResult != null) {
    return new InvalidInputError(
      'verifyResult',
      'NOT_FOR_V2',
      'a V2 verification takes no verifyResult; omit it',
    );
  }
  if (protocol === 'LEGACY' && command.verifyId != null) {
    return new InvalidInputError(
      'verifyId',
      'NOT_FOR_LEGACY',
      'a legacy verification takes no verifyId; omit it',
    );
  }
  return null;
}

const staleVerifyId = () =>
  new InvalidInputError(
    'verifyId',
    'VERIFY_ID_NOT_CURRENT',
    "verifyId is neither this verification's current one nor one it confirmed before",
  );
