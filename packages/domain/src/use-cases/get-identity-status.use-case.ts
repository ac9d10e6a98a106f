import type { VerificationSessionRepository } from '../ports/verification-session.repository.port.js';
import { err, ok, type Result } from '../shared/result.js';
import type { InvalidInputError } from '../verification/verification.errors.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import { checkOpenid } from './command-validation.js';

export interface IdentityStatus {
  readonly openid: string;
  /** The user's latest VERIFIED session, or null when they never passed. */
  readonly latest: VerificationSessionSnapshot | null;
}

/** "Is this user verified, and since when?" for a business backend. */
export class GetIdentityStatus {
  constructor(private readonly deps: { readonly repository: VerificationSessionRepository }) {}

  async execute(query: { readonly openid: string }): Promise<Result<IdentityStatus, InvalidInputError>> {
    const invalid = checkOpenid(query.openid);
    if (invalid) return err(invalid);
    return ok({ openid: query.openid, latest: await this.deps.repository.findLatestVerified(query.openid) });
  }
}
