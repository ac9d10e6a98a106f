/** Loading, saving and announcing sessions: what every use case does the same way. */

import { type AppScope, DEFAULT_APP, inAppScope } from '../apps/app.js';
import type { VerificationUpdatedEvent } from '../ports/event-publisher.port.js';
import { err, ok, type Result } from '../shared/result.js';
import { ConcurrentModificationError } from '../verification/verification.errors.js';
import { VerificationSession } from '../verification/verification-session.js';
import type { VerificationSessionSnapshot } from '../verification/verification-session.types.js';
import type { VerificationDeps } from './verification-deps.js';

export async function loadSession(deps: VerificationDeps, id: string): Promise<VerificationSession | null> {
  if (typeof id !== 'string' || id === '') return null;
  const snapshot = await deps.repository.findById(id);
  return snapshot ? VerificationSession.fromSnapshot(snapshot) : null;
}

async function reload(deps: VerificationDeps, id: string): Promise<VerificationSession> {
  const session = await loadSession(deps, id);
  // Sessions are never deleted, so a session that vanished mid-command is a fault of the store.
  if (!session) throw new Error('verification session disappeared during a command');
  return session;
}

/**
 * Whether a caller may see this session: a user (`openid`) only their own within their app (`app`, default
 * DEFAULT_APP: the same openid in another app is another person); a caller limited to some apps (`apps`) only
 * theirs. Omitted fields ask nothing (a trusted caller).
 */
export function visibleTo(
  session: VerificationSessionSnapshot,
  caller: { readonly openid?: string | null; readonly app?: string | null; readonly apps?: AppScope },
): boolean {
  if (
    caller.openid != null &&
    (session.openid !== caller.openid || session.app !== (caller.app ?? DEFAULT_APP))
  )
    return false;
  return caller.apps == null || inAppScope(caller.apps, session.app);
}

/** The event that announces `session` as it now is; the repository stores it with the write. */
export function updatedEvent(session: VerificationSession, now: Date): VerificationUpdatedEvent {
  return {
    type: 'verification.updated',
    sessionId: session.id,
    app: session.snapshot.app,
    status: session.status,
    attempts: session.snapshot.attempts,
    occurredAt: now,
  };
}

/**
 * Applies `command` and stores the result, optimistic on version: on a conflict it reloads and applies the
 * command once more to the fresh state; a second conflict is thrown. The event is stored with the write.
 */
export async function applyAndSave<E>(
  deps: VerificationDeps,
  session: VerificationSession,
  now: Date,
  command: (s: VerificationSession) => Result<VerificationSession, E>,
): Promise<Result<VerificationSession, E>> {
  let current = session;
  for (let round = 0; round < 2; round++) {
    const next = command(current);
    if (!next.ok) return next;
    const event = updatedEvent(next.value, now);
    if (await deps.repository.update(next.value.snapshot, current.version, event)) {
      await deps.events.publish(event);
      return ok(next.value);
    }
    current = await reload(deps, session.id);
  }
  throw new ConcurrentModificationError(session.id);
}

/** A PENDING session past its expiry is expired (and stored) before anything else happens to it. */
export async function expireIfDue(
  deps: VerificationDeps,
  session: VerificationSession,
  now: Date,
): Promise<VerificationSession> {
  if (!session.isDue(now)) return session;
  // err(s): someone else already moved it on; their state is the answer.
  const result = await applyAndSave<VerificationSession>(deps, session, now, (s) => {
    if (!s.isDue(now)) return err(s);
    const expired = s.expire(now);
    return expired.ok ? expired : err(s);
  });
  return result.ok ? result.value : result.error;
}
