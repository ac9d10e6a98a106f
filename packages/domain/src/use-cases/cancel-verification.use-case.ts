import { err, ok, type Result } from '../shared/result.js';
import { SessionNotFoundError, type VerificationCommandError } from '../verification/verification.errors.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import { applyAndSave, expireIfDue, loadSession } from './session-store.js';
import type { VerificationDeps } from './verification-deps.js';

export interface CancelVerificationCommand {
  readonly sessionId: string;
}

/** Ends a PENDING session as CANCELED (a session already past its expiry is EXPIRED instead). */
export class CancelVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: CancelVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    const found = await loadSession(this.deps, command.sessionId);
    if (!found) return err(new SessionNotFoundError(command.sessionId));
    const now = this.deps.clock.now();
    const session = await expireIfDue(this.deps, found, now);
    const saved = await applyAndSave(this.deps, session, now, (s) => s.cancel(now));
    return saved.ok ? ok(saved.value.snapshot) : saved;
  }
}
