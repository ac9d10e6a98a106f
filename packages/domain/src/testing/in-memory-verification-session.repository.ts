import { DEFAULT_APP } from '../apps/app.js';
import type { VerificationEvent } from '../ports/event-publisher.port.js';
import type {
  EvidenceClaim,
  EvidenceClaimRequest,
  PageCursor,
  RecordedOutcome,
  SessionAndClaim,
  SessionClaimRequest,
  VerificationFilter,
  VerificationPage,
  VerificationSessionRepository,
} from '../ports/verification-session.repository.port.js';
import type { RedactedSession, RetentionScope, SessionRedactor } from '../privacy/session-redactor.port.js';
import { VerificationSession } from '../verification/verification-session.js';
import type {
  SessionBinding,
  VerificationSessionSnapshot,
} from '../verification/verification-session.types.js';

interface StoredClaim {
  sessionId: string;
  claimedAt: number;
  outcome: RecordedOutcome | null;
}

const copyDate = (d: Date) => new Date(d.getTime());
const copyBinding = (b: SessionBinding | null): SessionBinding | null =>
  b == null
    ? null
    : b.protocol === 'V2'
      ? {
          ...b,
          verifyIdExpiresAt: copyDate(b.verifyIdExpiresAt),
          spares: b.spares.map((a) => ({ ...a, verifyIdExpiresAt: copyDate(a.verifyIdExpiresAt) })),
        }
      : { ...b };

/** A deep copy, so callers can never mutate what is stored (as with a real database). */
export function copySnapshot(s: VerificationSessionSnapshot): VerificationSessionSnapshot {
  return {
    ...s,
    binding: copyBinding(s.binding),
    lastError: s.lastError ? { ...s.lastError } : null,
    createdAt: copyDate(s.createdAt),
    expiresAt: copyDate(s.expiresAt),
    verifiedAt: s.verifiedAt ? copyDate(s.verifiedAt) : null,
    endedAt: s.endedAt ? copyDate(s.endedAt) : null,
    redactedAt: s.redactedAt ? copyDate(s.redactedAt) : null,
  };
}

const copyOutcome = (o: RecordedOutcome): RecordedOutcome => ({
  ...o,
  failure: o.failure ? { ...o.failure } : null,
});

/** Newest first, ties broken by id (descending), as PageCursor describes. */
const newestFirst = (a: VerificationSessionSnapshot, b: VerificationSessionSnapshot) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The repository port in memory, with the same semantics as the SQL one: every method yields once and then
 * runs to completion without awaiting, so each is atomic however calls interleave; claims are unique per
 * evidence hash with a lease; update/completeEvidence are optimistic on version.
 */
export class InMemoryVerificationSessionRepository implements VerificationSessionRepository, SessionRedactor {
  private readonly sessions = new Map<string, VerificationSessionSnapshot>();
  private readonly claims = new Map<string, StoredClaim>();
  /** The events stored with the writes (the outbox), oldest first. */
  private readonly outbox: VerificationEvent[] = [];

  async insert(session: VerificationSessionSnapshot, event: VerificationEvent): Promise<void> {
    await Promise.resolve();
    if (this.sessions.has(session.id)) throw new Error('duplicate verification session id');
    this.sessions.set(session.id, copySnapshot(session));
    this.outbox.push({ ...event });
  }

  /** The events stored for this session, oldest first. */
  async storedEvents(sessionId: string): Promise<VerificationEvent[]> {
    await Promise.resolve();
    return this.outbox.filter((e) => e.sessionId === sessionId).map((e) => ({ ...e }));
  }

  async findById(id: string): Promise<VerificationSessionSnapshot | null> {
    await Promise.resolve();
    const s = this.sessions.get(id);
    return s ? copySnapshot(s) : null;
  }

  async update(
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    await Promise.resolve();
    if (!this.write(session, expectedVersion)) return false;
    this.outbox.push({ ...event });
    return true;
  }

  async claimEvidence(request: EvidenceClaimRequest): Promise<EvidenceClaim> {
    await Promise.resolve();
    const now = request.now.getTime();
    // a claim made under an older secret (before a rotation) is this evidence's claim
    const previous = (request.previousEvidenceHashes ?? []).find((hash) => this.claims.has(hash));
    const prior = previous === undefined ? undefined : this.claims.get(previous);
    if (prior?.outcome)
      return { kind: 'completed', sessionId: prior.sessionId, outcome: copyOutcome(prior.outcome) };
    if (prior && now - prior.claimedAt < request.leaseMs) return { kind: 'busy', sessionId: prior.sessionId };
    if (previous !== undefined) this.claims.delete(previous); // its holder outlived its lease
    const claim = this.claims.get(request.evidenceHash);
    if (claim?.outcome)
      return { kind: 'completed', sessionId: claim.sessionId, outcome: copyOutcome(claim.outcome) };
    if (claim && now - claim.claimedAt < request.leaseMs) return { kind: 'busy', sessionId: claim.sessionId };
    // No claim, or an unfinished one whose holder outlived its lease: take it.
    this.claims.set(request.evidenceHash, { sessionId: request.sessionId, claimedAt: now, outcome: null });
    return { kind: 'acquired' };
  }

  async findAndClaim(request: SessionClaimRequest): Promise<SessionAndClaim> {
    await Promise.resolve();
    const stored = this.sessions.get(request.sessionId);
    if (!stored) return { session: null, claimed: false };
    const claimable =
      stored.status === 'PENDING' &&
      stored.protocol === request.protocol &&
      request.now.getTime() < stored.expiresAt.getTime() &&
      (request.openid === null ||
        (request.openid === stored.openid && (request.app ?? DEFAULT_APP) === stored.app)) &&
      !this.claims.has(request.evidenceHash) &&
      !(request.previousEvidenceHashes ?? []).some((hash) => this.claims.has(hash));
    if (claimable) {
      this.claims.set(request.evidenceHash, {
        sessionId: stored.id,
        claimedAt: request.now.getTime(),
        outcome: null,
      });
    }
    return { session: copySnapshot(stored), claimed: claimable };
  }

  async completeEvidence(
    evidenceHash: string,
    outcome: RecordedOutcome,
    session: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    await Promise.resolve();
    // as the SQL statement does: evidence with an outcome keeps it, and the session is not written either
    if (this.claims.get(evidenceHash)?.outcome) return false;
    if (!this.write(session, expectedVersion)) return false;
    this.outbox.push({ ...event });
    const claimedAt = this.claims.get(evidenceHash)?.claimedAt ?? 0;
    this.claims.set(evidenceHash, { sessionId: session.id, claimedAt, outcome: copyOutcome(outcome) });
    return true;
  }

  async releaseEvidence(evidenceHash: string, sessionId: string): Promise<void> {
    await Promise.resolve();
    const claim = this.claims.get(evidenceHash);
    if (claim && !claim.outcome && claim.sessionId === sessionId) this.claims.delete(evidenceHash);
  }

  async findExpirable(now: Date, limit: number): Promise<readonly VerificationSessionSnapshot[]> {
    await Promise.resolve();
    return [...this.sessions.values()]
      .filter((s) => s.status === 'PENDING' && s.expiresAt.getTime() <= now.getTime())
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, Math.max(0, limit))
      .map(copySnapshot);
  }

  async list(filter: VerificationFilter, first: number, after: PageCursor | null): Promise<VerificationPage> {
    await Promise.resolve();
    const matching = [...this.sessions.values()]
      .filter(
        (s) =>
          (filter.openid == null || s.openid === filter.openid) &&
          (filter.app == null || s.app === filter.app) &&
          (filter.apps == null || filter.apps.includes(s.app)) &&
          (filter.status == null || s.status === filter.status) &&
          (filter.createdAfter == null || s.createdAt.getTime() >= filter.createdAfter.getTime()) &&
          (filter.createdBefore == null || s.createdAt.getTime() < filter.createdBefore.getTime()) &&
          (after == null ||
            s.createdAt.getTime() < after.createdAt.getTime() ||
            (s.createdAt.getTime() === after.createdAt.getTime() && s.id < after.id)),
      )
      .sort(newestFirst);
    const size = Math.max(0, first);
    return { items: matching.slice(0, size).map(copySnapshot), hasNextPage: matching.length > size };
  }

  async findLatestVerified(openid: string, app: string): Promise<VerificationSessionSnapshot | null> {
    await Promise.resolve();
    const verified = [...this.sessions.values()]
      .filter((s) => s.openid === openid && s.app === app && s.status === 'VERIFIED')
      .sort((a, b) => (b.verifiedAt?.getTime() ?? 0) - (a.verifiedAt?.getTime() ?? 0) || newestFirst(a, b));
    return verified[0] ? copySnapshot(verified[0]) : null;
  }

  async redact(
    redacted: VerificationSessionSnapshot,
    expectedVersion: number,
    event: VerificationEvent,
  ): Promise<boolean> {
    await Promise.resolve();
    if (!this.write(redacted, expectedVersion)) return false;
    // as the SQL adapter: the session's earlier events go, the redaction's own event is stored
    for (let i = this.outbox.length - 1; i >= 0; i--) {
      if (this.outbox[i]!.sessionId === redacted.id) this.outbox.splice(i, 1);
    }
    this.outbox.push({ ...event });
    return true;
  }

  async redactEndedBefore(
    endedBefore: Date,
    limit: number,
    at: Date,
    scope?: RetentionScope,
  ): Promise<readonly RedactedSession[]> {
    await Promise.resolve();
    const inScope = (app: string) =>
      scope === undefined || ('apps' in scope ? scope.apps.includes(app) : !scope.exceptApps.includes(app));
    const due = [...this.sessions.values()]
      .filter(
        (s) =>
          s.redactedAt === null &&
          s.endedAt !== null &&
          s.endedAt.getTime() < endedBefore.getTime() &&
          inScope(s.app),
      )
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
    const done: RedactedSession[] = [];
    for (const stored of due) {
      // the entity's own rule, as the SQL adapter writes it set-based
      const redacted = VerificationSession.fromSnapshot(stored).redact(at);
      if (!redacted.ok) continue;
      const { snapshot } = redacted.value;
      await this.redact(snapshot, stored.version, {
        type: 'verification.redacted',
        sessionId: snapshot.id,
        app: snapshot.app,
        status: snapshot.status,
        attempts: snapshot.attempts,
        occurredAt: at,
      });
      done.push({ id: snapshot.id, app: snapshot.app, status: snapshot.status, attempts: snapshot.attempts });
    }
    return done;
  }

  /** Test helper: every stored session. */
  all(): VerificationSessionSnapshot[] {
    return [...this.sessions.values()].map(copySnapshot);
  }

  /** Test helper: the evidence claims (hashes only, as stored). */
  evidenceClaims(): { evidenceHash: string; sessionId: string; completed: boolean }[] {
    return [...this.claims.entries()].map(([evidenceHash, c]) => ({
      evidenceHash,
      sessionId: c.sessionId,
      completed: c.outcome != null,
    }));
  }

  private write(session: VerificationSessionSnapshot, expectedVersion: number): boolean {
    const stored = this.sessions.get(session.id);
    if (!stored || stored.version !== expectedVersion) return false;
    this.sessions.set(session.id, copySnapshot(session));
    return true;
  }
}
