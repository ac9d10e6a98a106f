/**
 * Redaction and erasure (PIPL art. 19 and 47; the 2025 measures' "shortest time"), and a person's copy of what
 * is held (art. 45). Redaction keeps what statistics and the law's proofs need (ids, statuses, failure codes,
 * dates, the consent receipt's id) and removes everything that names a person.
 */
import { DEFAULT_APP } from '../apps/app.js';
import type { VerificationRedactedEvent } from '../ports/event-publisher.port.js';
import { err, ok, type Result } from '../shared/result.js';
import { applyAndSave, loadSession, visibleTo } from '../use-cases/session-store.js';
import type { VerificationDeps } from '../use-cases/verification-deps.js';
import {
  ConcurrentModificationError,
  SessionNotFoundError,
  type VerificationCommandError,
} from '../verification/verification.errors.js';
import type { VerificationSession } from '../verification/verification-session.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import type { WebhookDelivery } from '../webhooks/webhook.types.js';
import type { WebhookDeliveryLog } from '../webhooks/webhook-delivery-log.port.js';
import type { ConsentReceipt } from './consent.js';
import type { RedactedSession, RetentionScope, SessionRedactor } from './session-redactor.port.js';

export interface RedactionDeps extends VerificationDeps {
  readonly redactor: SessionRedactor;
}

const redactedEvent = (session: VerificationSession, now: Date): VerificationRedactedEvent => ({
  type: 'verification.redacted',
  sessionId: session.id,
  app: session.snapshot.app,
  status: session.status,
  attempts: session.snapshot.attempts,
  occurredAt: now,
});

/**
 * Redacts one session: a PENDING one is canceled first (SUBJECT_ERASED). Idempotent: a redacted session is
 * returned as it is, with no second event. True in `changed` when this call redacted it.
 */
async function redactOne(
  deps: RedactionDeps,
  found: VerificationSession,
): Promise<{ session: VerificationSessionSnapshot; changed: boolean }> {
  let session = found;
  for (let round = 0; round < 3; round++) {
    if (session.isRedacted) return { session: session.snapshot, changed: false };
    const now = deps.clock.now();
    if (!session.isEnded) {
      const canceled = await applyAndSave<VerificationCommandError>(deps, session, now, (s) =>
        s.isEnded ? ok(s) : s.isDue(now) ? s.expire(now) : s.cancel(now, 'SUBJECT_ERASED'),
      );
      if (!canceled.ok) throw new ConcurrentModificationError(session.id);
      session = canceled.value;
    }
    const redacted = session.redact(now);
    if (!redacted.ok) continue;
    const event = redactedEvent(redacted.value, now);
    if (await deps.redactor.redact(redacted.value.snapshot, session.version, event)) {
      await deps.events.publish(event);
      return { session: redacted.value.snapshot, changed: true };
    }
    const again = await loadSession(deps, session.id);
    if (!again) throw new Error('verification session disappeared during a redaction');
    session = again;
  }
  throw new ConcurrentModificationError(found.id);
}

/** Removes one session's personal data on request (scope privacy:write). */
export class RedactVerification {
  constructor(private readonly deps: RedactionDeps) {}

  async execute(
    sessionId: string,
  ): Promise<Result<{ session: VerificationSessionSnapshot; changed: boolean }, VerificationCommandError>> {
    const found = await loadSession(this.deps, sessionId);
    if (!found) return err(new SessionNotFoundError(sessionId));
    return ok(await redactOne(this.deps, found));
  }
}

/** How many sessions a list page reads while erasing or reporting one person. */
const PAGE = 100;

async function allSessionsOf(
  deps: VerificationDeps,
  openid: string,
  app: string,
): Promise<VerificationSessionSnapshot[]> {
  const out: VerificationSessionSnapshot[] = [];
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const page = await deps.repository.list({ openid, app }, PAGE, after);
    out.push(...page.items);
    const last = page.items.at(-1);
    if (!page.hasNextPage || !last) return out;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * Erases one person (PIPL art. 47): every session of the openid is redacted, an open one canceled first. Their
 * consent receipts stay (the proof the law asks for, keyed by an HMAC of the openid, not the openid itself).
 * Idempotent: a second call finds nothing left to redact.
 */
export class EraseSubject {
  constructor(private readonly deps: RedactionDeps) {}

  /** `app`: the person's app (an openid means someone only within one); default DEFAULT_APP. */
  async execute(
    openid: string,
    app: string = DEFAULT_APP,
  ): Promise<{ redacted: number; sessionIds: string[] }> {
    const sessions = await allSessionsOf(this.deps, openid, app);
    const sessionIds: string[] = [];
    for (const snapshot of sessions) {
      const found = await loadSession(this.deps, snapshot.id);
      if (!found || !visibleTo(found.snapshot, { openid, app })) continue;
      const { changed } = await redactOne(this.deps, found);
      if (changed) sessionIds.push(snapshot.id);
    }
    return { redacted: sessionIds.length, sessionIds };
  }
}

export interface RetentionSettings {
  /** Sessions ended longer ago than this are redacted (FACEGATE_RETENTION_DAYS, 1-3650, default 30). */
  readonly retentionDays: number;
  /** Apps with a retention of their own (days by app id), read at each batch; the others use retentionDays. */
  readonly retentionDaysByApp?: () => ReadonlyMap<string, number>;
  /** Sessions per batch: bounded so a sweep never holds the database for long. */
  readonly batchSize: number;
}

/**
 * One bounded retention batch: redacts up to batchSize sessions that ended before the retention period, in one
 * set-based write of the store (SessionRedactor.redactEndedBefore), so a hundred thousand old sessions are a few
 * hundred short statements, never one long one. A sweep stopped half-way resumes where it left off.
 */
export class RedactExpiredSessions {
  constructor(
    private readonly deps: RedactionDeps,
    private readonly settings: RetentionSettings,
  ) {}

  async execute(): Promise<{ redacted: number; more: boolean }> {
    const now = this.deps.clock.now();
    const cutoff = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const own = this.settings.retentionDaysByApp?.() ?? new Map<string, number>();
    // one batch per app with a retention of its own, then one for every other app
    const batches: [Date, RetentionScope | undefined][] = [
      ...[...own].map(([app, days]): [Date, RetentionScope] => [cutoff(days), { apps: [app] }]),
      [cutoff(this.settings.retentionDays), own.size > 0 ? { exceptApps: [...own.keys()] } : undefined],
    ];
    let total = 0;
    let more = false;
    for (const [endedBefore, scope] of batches) {
      const redacted = await this.deps.redactor.redactEndedBefore(
        endedBefore,
        this.settings.batchSize,
        now,
        scope,
      );
      await this.announce(redacted, now);
      total += redacted.length;
      more ||= redacted.length === this.settings.batchSize;
    }
    return { redacted: total, more };
  }

  private async announce(redacted: readonly RedactedSession[], now: Date): Promise<void> {
    for (const session of redacted) {
      await this.deps.events.publish({
        type: 'verification.redacted',
        sessionId: session.id,
        app: session.app,
        status: session.status,
        attempts: session.attempts,
        occurredAt: now,
      });
    }
  }
}

export interface SubjectReport {
  readonly generatedAt: Date;
  readonly sessions: readonly VerificationSessionSnapshot[];
  readonly consentReceipts: readonly ConsentReceipt[];
  readonly webhookDeliveries: readonly WebhookDelivery[];
}

/**
 * Everything held about one person (PIPL art. 45), so an operator can answer a request in minutes: their
 * sessions (never a binding: it is sealed and only held while a session is open), their consent receipts and
 * the webhook deliveries that named them.
 */
export class ReportSubject {
  constructor(private readonly deps: VerificationDeps & { readonly deliveries: WebhookDeliveryLog }) {}

  async execute(openid: string, app: string = DEFAULT_APP): Promise<SubjectReport> {
    const sessions = (await allSessionsOf(this.deps, openid, app)).map((s) => ({ ...s, binding: null }));
    const receipts = await this.deps.consent.receipts.listByOpenidHmac(
      this.deps.digests.hmacHex('openid', openid),
    );
    // Receipts are keyed by the openid alone, and the same openid in another app is another person: only those
    // of this app's sessions are theirs (an erased session keeps its app, so its receipt is still found).
    const appOf = new Map<string, string | null>(sessions.map((s) => [s.id, s.app]));
    const consentReceipts: ConsentReceipt[] = [];
    for (const receipt of receipts) {
      if (!appOf.has(receipt.sessionId)) {
        appOf.set(receipt.sessionId, (await this.deps.repository.findById(receipt.sessionId))?.app ?? null);
      }
      if (appOf.get(receipt.sessionId) === app) consentReceipts.push(receipt);
    }
    const webhookDeliveries = await this.deps.deliveries.listForSessions(sessions.map((s) => s.id));
    return { generatedAt: this.deps.clock.now(), sessions, consentReceipts, webhookDeliveries };
  }
}
