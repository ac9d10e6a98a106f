import type { VerificationProtocol, VerificationStatus } from '../verification/verification.types.js';
import type {
  VerificationFailure,
  VerificationSessionSnapshot,
} from '../verification/verification-session.types.js';
import type { VerificationEvent } from './event-publisher.port.js';

/** The outcome recorded against a piece of evidence, so a repeat gets the same answer with no upstream call. */
export interface RecordedOutcome {
  readonly status: VerificationStatus;
  readonly failure: VerificationFailure | null;
  readonly attempt: number;
}

export interface EvidenceClaimRequest {
  /** HMAC of the evidence (legacy verifyResult, v2 verifyId): never the evidence itself. */
  readonly evidenceHash: string;
  /**
   * The same evidence's HMACs under older secrets still live (a rotation): a claim under any of them is
   * this evidence's claim. Claims are only ever made under evidenceHash.
   */
  readonly previousEvidenceHashes?: readonly string[];
  readonly sessionId: string;
  readonly now: Date;
  /** An unfinished claim older than this may be taken over (its holder died mid-call). */
  readonly leaseMs: number;
}

/** A session read that also claims its evidence when that can only help (see findAndClaim). */
export interface SessionClaimRequest {
  readonly sessionId: string;
  readonly evidenceHash: string;
  /** As EvidenceClaimRequest's: when one of these is claimed, the read claims nothing. */
  readonly previousEvidenceHashes?: readonly string[];
  /** The protocol the evidence belongs to: a session of the other protocol is read, not claimed. */
  readonly protocol: VerificationProtocol;
  /** When the caller is a user: another user's session is read, not claimed. */
  readonly openid: string | null;
  /** The caller's app, with `openid`: the same openid in another app is another user. */
  readonly app?: string | null;
  readonly now: Date;
}

export interface SessionAndClaim {
  readonly session: VerificationSessionSnapshot | null;
  /** True iff this call took a fresh claim on the evidence for the session (as claimEvidence's 'acquired'). */
  readonly claimed: boolean;
}

export type EvidenceClaim =
  /** This caller holds the evidence now: it makes the upstream call, then completes or releases. */
  | { readonly kind: 'acquired' }
  /** Already decided: the recorded outcome, for the session that used it. */
  | { readonly kind: 'completed'; readonly sessionId: string; readonly outcome: RecordedOutcome }
  /** Someone else holds it and is still within its lease. */
  | { readonly kind: 'busy'; readonly sessionId: string };

export interface VerificationFilter {
  /** One app; with `openid`, that app's user. */
  readonly app?: string | null;
  /** Only these apps (an API key limited to some); null or absent = every app. */
  readonly apps?: readonly string[] | null;
  readonly openid?: string | null;
  readonly status?: VerificationStatus | null;
  readonly createdAfter?: Date | null;
  readonly createdBefore?: Date | null;
}

/** Keyset position: newest first, ties broken by id. */
export interface PageCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export interface VerificationPage {
  readonly items: readonly VerificationSessionSnapshot[];
  readonly hasNextPage: boolean;
}

/**
 * Durable sessions and the replay guard. Implementations must make `claimEvidence` atomic across any number
 * of processes sharing the store (a unique evidence hash), and `update`/`completeEvidence` optimistic on
 * `version`.
 *
 * The writes take the event that announces them and store it in the same transaction (a transactional
 * outbox): an event exists iff its write happened, so a process killed between the two cannot leave a
 * change that is never announced, nor an announcement of a change that was undone.
 */
export interface VerificationSessionRepository {
  insert(session: VerificationSessionSnapshot, event: VerificationEvent): Promise<void>;
  findById(id: string): Promise<VerificationSessionSnapshot | null>;
  /** Writes iff the stored version equals `expectedVersion`; false, and no event, when another writer won. */
  update(
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean>;
  claimEvidence(request: EvidenceClaimRequest): Promise<EvidenceClaim>;
  /**
   * In one round trip: reads the session, and when it is PENDING, of `protocol`, not past its expiry at `now`
   * and (with `openid`) that user's, claims the evidence for it if nobody holds it. A claim taken here is the
   * caller's to complete or release; anything else (held, decided, a lease to take over) is left to
   * claimEvidence. It spares a confirmation its separate read on the success path.
   */
  findAndClaim(request: SessionClaimRequest): Promise<SessionAndClaim>;
  /**
   * In one transaction: update the session (optimistic, as `update`), record `outcome` on the claim and store
   * `event`. False, and nothing written, when the session's version moved.
   */
  completeEvidence(
    evidenceHash: string,
    outcome: RecordedOutcome,
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean>;
  /** Give up an unfinished claim (upstream unavailable), so the same evidence can be tried again. */
  releaseEvidence(evidenceHash: string, sessionId: string): Promise<void>;
  /** PENDING sessions whose expiresAt <= now, oldest first. */
  findExpirable(now: Date, limit: number): Promise<readonly VerificationSessionSnapshot[]>;
  list(filter: VerificationFilter, first: number, after: PageCursor | null): Promise<VerificationPage>;
  /** The most recent VERIFIED session of this user of this app, if any. */
  findLatestVerified(openid: string, app: string): Promise<VerificationSessionSnapshot | null>;
}
