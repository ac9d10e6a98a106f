import type { Result } from '../shared/result';
import type { VerificationCommandError } from '../verification/verification.errors';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types';
import type { VerificationDeps } from './verification-deps';

export interface ConfirmVerificationCommand {
  readonly sessionId: string;
  /** Legacy: the JSAPI's verifyResult. V2: omitted (the session's verifyId is the evidence). */
  readonly verifyResult?: string | null;
  /** What the JSAPI reported. Can fail an attempt, never pass one. */
  readonly clientErrCode?: number | null;
}

/**
 * Confirms an attempt with WeChat and applies the result rules. Idempotent: the same evidence again returns
 * the recorded outcome with no second upstream call; concurrent confirmations of one piece of evidence make
 * one upstream call and share its outcome. Transient upstream trouble is thrown and uses up no attempt.
 */
export class ConfirmVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: ConfirmVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    void this.deps;
    void command;
    throw new Error('not implemented');
  }
}
