import type { Result } from '../shared/result';
import type { VerificationCommandError } from '../verification/verification.errors';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types';
import type { VerificationDeps } from './verification-deps';

export interface GetVerificationCommand {
  readonly sessionId: string;
}

/** Reads a session; a PENDING one past its expiry is expired (and stored) on the way. */
export class GetVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: GetVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    void this.deps;
    void command;
    throw new Error('not implemented');
  }
}
