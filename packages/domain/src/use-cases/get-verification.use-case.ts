import { err, ok, type Result } from '../shared/result.js';
import { SessionNotFoundError, type VerificationCommandError } from '../verification/verification.errors.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import { expireIfDue, loadSession } from './session-store.js';
import type { VerificationDeps } from './verification-deps.js';

export interface GetVerificationCommand {
  readonly sessionId: string;
}

/** Reads a session; a PENDING one past its expiry is expired (and stored) on the way. */
export class GetVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: GetVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    const found = await loadSession(this.deps, command.sessionId);
    if (!found) return err(new SessionNotFoundError(command.sessionId));
    const session = await expireIfDue(this.deps, found, this.deps.clock.now());
    return ok(session.snapshot);
  }
}
