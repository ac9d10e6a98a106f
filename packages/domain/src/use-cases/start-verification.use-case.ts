import type { Result } from '../shared/result';
import type { LivenessType } from '../verification/liveness-type';
import type { VerificationCommandError } from '../verification/verification.errors';
import type { VerificationProtocol } from '../verification/verification.types';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types';
import type { VerificationDeps } from './verification-deps';

export interface StartVerificationCommand {
  /** The user to verify (the signed-in user, or the openid a service names). */
  readonly openid: string;
  readonly name: string;
  readonly idCardNumber: string;
  readonly protocol: VerificationProtocol;
  /** Legacy only; default SCREEN_FLASH_OR_READ_DIGITS. Given for V2 it is an InvalidInputError. */
  readonly livenessType?: LivenessType | null;
  readonly clientReferenceId?: string | null;
  /** 'user', or the id of the service API key that started it. */
  readonly initiator: string;
}

/** Validates the identity, prepares the upstream side (getuseridkey / getverifyid) and stores the session. */
export class StartVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: StartVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    void this.deps;
    void command;
    throw new Error('not implemented');
  }
}
