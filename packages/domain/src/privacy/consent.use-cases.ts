/** Publishing consent texts, and what a user does with consent on a session: accept, withdraw, decline the face. */
import { unknownAppError } from '../apps/app.js';
import { err, ok, type Result } from '../shared/result.js';
import { applyAndSave, expireIfDue, loadSession, visibleTo } from '../use-cases/session-store.js';
import type { VerificationDeps } from '../use-cases/verification-deps.js';
import {
  type InvalidInputError,
  SessionNotFoundError,
  type VerificationCommandError,
} from '../verification/verification.errors.js';
import type { CancelReason } from '../verification/verification.types.js';
import type { VerificationSession } from '../verification/verification-session.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import {
  type ConsentReceipt,
  type ConsentText,
  checkConsentTextInput,
  consentTextDigestInput,
  type PublishConsentTextInput,
} from './consent.js';
import { consentKindFor, recordReceipt, requireCurrentText } from './consent-steps.js';
import { ConsentVersionExistsError } from './privacy.errors.js';

export type PublishConsentError = InvalidInputError | ConsentVersionExistsError;

/**
 * Publishes a consent text; it becomes the current one of its kind, for its app only when it names one (an
 * app the directory must know), else for the deployment (every app without a text of its own of that kind).
 * Publishing the same version with the same content and app again is a no-op (so a deployment script can run
 * twice); other content or another app under a used version is refused.
 */
export class PublishConsentText {
  constructor(private readonly deps: Pick<VerificationDeps, 'consent' | 'digests' | 'clock' | 'apps'>) {}

  async execute(
    input: PublishConsentTextInput,
  ): Promise<Result<{ text: ConsentText; published: boolean }, PublishConsentError>> {
    const invalid = checkConsentTextInput(input);
    if (invalid) return err(invalid);
    const app = input.app ?? null;
    // a disabled app may still get its texts ready; an unknown one is a typo
    if (app !== null && this.deps.apps && this.deps.apps.get(app) === null) return err(unknownAppError());
    const fields = {
      version: input.version,
      kind: input.kind ?? ('STANDARD' as const),
      purpose: input.purpose.trim(),
      textZh: input.textZh,
      textEn: input.textEn ?? null,
    };
    const text: ConsentText = {
      ...fields,
      sha256: this.deps.digests.sha256Hex(consentTextDigestInput(fields)),
      publishedAt: this.deps.clock.now(),
      app,
    };
    const { outcome, stored } = await this.deps.consent.texts.publish(text);
    if (outcome === 'exists' && (stored.sha256 !== text.sha256 || stored.app !== text.app))
      return err(new ConsentVersionExistsError(text.version));
    return ok({ text: stored, published: outcome === 'published' });
  }
}

/** A user's own session, expired on the way if due; another user's is SESSION_NOT_FOUND, like a missing one. */
async function loadOwnSession(
  deps: VerificationDeps,
  sessionId: string,
  openid: string | null,
  app: string | null | undefined,
): Promise<VerificationSession | null> {
  const found = await loadSession(deps, sessionId);
  if (!found || !visibleTo(found.snapshot, { openid, app }) || found.isRedacted) return null;
  return expireIfDue(deps, found, deps.clock.now());
}

export interface AcceptConsentCommand {
  readonly sessionId: string;
  readonly version: string;
  /** The signed-in user: only they can accept for their session. */
  readonly openid: string;
  /** The user's app (default DEFAULT_APP). */
  readonly app?: string | null;
  readonly clientAddress?: string | null;
}

export interface SessionWithReceipt {
  readonly session: VerificationSessionSnapshot;
  readonly receipt: ConsentReceipt | null;
}

/**
 * The user accepts the current text for a session a service started (or accepts again after the text
 * changed): a receipt is recorded and the session may reach the face check. Repeating it is harmless: a
 * session keeps its first receipt.
 */
export class AcceptConsent {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: AcceptConsentCommand,
  ): Promise<Result<SessionWithReceipt, VerificationCommandError>> {
    const { deps } = this;
    const session = await loadOwnSession(deps, command.sessionId, command.openid, command.app);
    if (!session) return err(new SessionNotFoundError(command.sessionId));
    if (session.hasConsent) {
      return ok({
        session: session.snapshot,
        receipt: await deps.consent.receipts.findById(session.snapshot.consentReceiptId!),
      });
    }
    const kind = consentKindFor(session.snapshot.guardianRequired);
    // the session's app is the user's (loadOwnSession): its own text, else the deployment's
    const text = await requireCurrentText(deps, kind, command.version, session.snapshot.app);
    if (!text.ok) return text;
    if (session.isEnded) return ok({ session: session.snapshot, receipt: null });
    const now = deps.clock.now();
    const receipt = await recordReceipt(deps, {
      sessionId: session.id,
      openid: command.openid,
      text: text.value,
      now,
      clientAddress: command.clientAddress ?? null,
    });
    const saved = await applyAndSave(deps, session, now, (s) => s.acceptConsent(receipt.id));
    if (!saved.ok) return saved;
    const kept =
      saved.value.snapshot.consentReceiptId === receipt.id
        ? receipt
        : await deps.consent.receipts.findById(saved.value.snapshot.consentReceiptId!);
    return ok({ session: saved.value.snapshot, receipt: kept });
  }
}

export interface SessionDecisionCommand {
  readonly sessionId: string;
  /** The signed-in user, or null for a trusted caller (a service or an operator). */
  readonly openid: string | null;
  /** The user's app (default DEFAULT_APP). */
  readonly app?: string | null;
}

/** Cancels an open session for `reason`; an ended one is returned as it is. */
async function cancelFor(
  deps: VerificationDeps,
  command: SessionDecisionCommand,
  reason: CancelReason,
): Promise<Result<VerificationSession, VerificationCommandError>> {
  const session = await loadOwnSession(deps, command.sessionId, command.openid, command.app);
  if (!session) return err(new SessionNotFoundError(command.sessionId));
  if (session.isEnded) return ok(session);
  const now = deps.clock.now();
  return applyAndSave<VerificationCommandError>(deps, session, now, (s) =>
    s.isEnded ? ok(s) : s.cancel(now, reason),
  );
}

/**
 * The user withdraws consent (PIPL art. 15): an open session is CANCELED with CONSENT_WITHDRAWN and its receipt
 * records the withdrawal. An ended session stays as it is (what was done lawfully before stays done), but the
 * withdrawal is still recorded on its receipt.
 */
export class WithdrawConsent {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: SessionDecisionCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    const ended = await cancelFor(this.deps, command, 'CONSENT_WITHDRAWN');
    if (!ended.ok) return ended;
    const receiptId = ended.value.snapshot.consentReceiptId;
    if (receiptId !== null) await this.deps.consent.receipts.withdraw(receiptId, this.deps.clock.now());
    return ok(ended.value.snapshot);
  }
}

/**
 * The user chose the other way to verify instead of the face: an open session is CANCELED with
 * ALTERNATIVE_CHOSEN (counted on the console's overview). An ended one is returned unchanged.
 */
export class ChooseAlternative {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: SessionDecisionCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    const ended = await cancelFor(this.deps, command, 'ALTERNATIVE_CHOSEN');
    return ended.ok ? ok(ended.value.snapshot) : ended;
  }
}
