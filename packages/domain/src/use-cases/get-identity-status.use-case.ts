import { checkAppSlug, DEFAULT_APP } from '../apps/app.js';
import type { VerificationSessionRepository } from '../ports/verification-session.repository.port.js';
import { err, ok, type Result } from '../shared/result.js';
import type { InvalidInputError } from '../verification/verification.errors.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import { checkOpenid } from './command-validation.js';

export interface IdentityStatus {
  readonly openid: string;
  readonly app: string;
  /** The user's latest VERIFIED session, or null when they never passed. */
  readonly latest: VerificationSessionSnapshot | null;
}

/** "Is this user verified, and since when?" for a business backend. */
export class GetIdentityStatus {
  constructor(private readonly deps: { readonly repository: VerificationSessionRepository }) {}

  /** `app`: the user's app (an openid means someone only within one); default DEFAULT_APP. */
  async execute(query: {
    readonly openid: string;
    readonly app?: string | null;
  }): Promise<Result<IdentityStatus, InvalidInputError>> {
    const app = query.app ?? DEFAULT_APP;
    const invalid = checkOpenid(query.openid) ?? checkAppSlug(app);
    if (invalid) return err(invalid);
    const latest = await this.deps.repository.findLatestVerified(query.openid, app);
    return ok({ openid: query.openid, app, latest });
  }
}
