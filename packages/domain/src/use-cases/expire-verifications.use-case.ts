import { VerificationSession } from '../verification/verification-session.js';
import { updatedEvent } from './session-store.js';
import type { VerificationDeps } from './verification-deps.js';

/** Ends PENDING sessions past their expiry, in batches; returns how many it expired. */
export class ExpireVerifications {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(command: { readonly limit: number }): Promise<number> {
    if (!Number.isInteger(command.limit) || command.limit < 1) return 0;
    const now = this.deps.clock.now();
    let expired = 0;
    for (const snapshot of await this.deps.repository.findExpirable(now, command.limit)) {
      const session = VerificationSession.fromSnapshot(snapshot);
      const next = session.expire(now);
      // A session another writer changed meanwhile is theirs; the next batch sees it if still due.
      if (!next.ok) continue;
      const event = updatedEvent(next.value, now);
      if (await this.deps.repository.update(next.value.snapshot, session.version, event)) {
        expired += 1;
        await this.deps.events.publish(event);
      }
    }
    return expired;
  }
}
