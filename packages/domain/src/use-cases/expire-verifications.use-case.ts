import type { VerificationDeps } from './verification-deps';

/** Ends PENDING sessions past their expiry, in batches; returns how many it expired. */
export class ExpireVerifications {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(command: { readonly limit: number }): Promise<number> {
    void this.deps;
    void command;
    throw new Error('not implemented');
  }
}
