import type { Result } from '../shared/result';
import type { VerificationCommandError } from '../verification/verification.errors';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types';
import type { VerificationDeps } from './verification-deps';

export interface CancelVerificationCommand {
  readonly sessionId: string;
}

export class CancelVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: CancelVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    void this.deps;
    void command;
    throw new Error('not implemented');
  }
}
