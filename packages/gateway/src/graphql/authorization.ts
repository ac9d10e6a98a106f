import {
  checkAppSlug,
  DEFAULT_APP,
  inAppScope,
  isEntityId,
  type VerificationSessionSnapshot,
  visibleTo,
} from '@facegate/domain';
import type { ApiKeyScope, Viewer } from '../application/auth/viewer';
import type { GatewayContext } from './context';
import { mapThrown, toRequestError } from './domain-error.mapper';
import { forbidden, notFound, unauthenticated } from './errors';

export function hasScope(viewer: Viewer, scope: ApiKeyScope): boolean {
  return viewer.kind === 'service' && viewer.scopes.includes(scope);
}

export function requireUser(viewer: Viewer): Extract<Viewer, { kind: 'user' }> {
  if (viewer.kind === 'user') return viewer;
  if (viewer.kind === 'anonymous') throw unauthenticated(viewer.rejected);
  throw forbidden('this operation is for signed-in mini program users');
}

export function requireScope(viewer: Viewer, scope: ApiKeyScope): Extract<Viewer, { kind: 'service' }> {
  return requireAnyScope(viewer, [scope]);
}

/** A service holding at least one of `scopes` (e.g. the webhooks scope, or the console's). */
export function requireAnyScope(
  viewer: Viewer,
  scopes: readonly ApiKeyScope[],
): Extract<Viewer, { kind: 'service' }> {
  const named = scopes.join(' or ');
  if (viewer.kind === 'anonymous') throw unauthenticated(viewer.rejected);
  if (viewer.kind !== 'service') throw forbidden(`this operation needs an API key with the ${named} scope`);
  if (!scopes.some((scope) => viewer.scopes.includes(scope))) {
    throw forbidden(`this API key lacks the ${named} scope`);
  }
  return viewer;
}

/** The session's user: the same openid in the same app (in another app it is another person). */
export function isOwner(viewer: Viewer, session: VerificationSessionSnapshot): boolean {
  return viewer.kind === 'user' && visibleTo(session, { openid: viewer.openid, app: viewer.app });
}

/** A service key limited to some apps sees their sessions only; an unlimited key every app's. */
export function keySeesApp(viewer: Viewer, app: string): boolean {
  return viewer.kind === 'service' && inAppScope(viewer.apps, app);
}

/**
 * The app a service means: the one it names (which its key must cover), else its key's only app, else the
 * default app. A key limited to other apps gets NOT_FOUND-like silence, never another app's data.
 */
export function serviceApp(
  viewer: Extract<Viewer, { kind: 'service' }>,
  named: string | null | undefined,
): string {
  const app = named ?? (viewer.apps?.length === 1 ? viewer.apps[0]! : DEFAULT_APP);
  const invalid = checkAppSlug(app);
  if (invalid) throw toRequestError(invalid);
  if (!inAppScope(viewer.apps, app)) throw forbidden('this API key is not for this app');
  return app;
}

/**
 * Loads a session the viewer may act on: its owner, or a service with `scope`. Another user's session is
 * NOT_FOUND, exactly like a missing one, so ids cannot be probed.
 */
export async function loadSessionFor(
  ctx: GatewayContext,
  id: string,
  scope: ApiKeyScope | readonly ApiKeyScope[],
): Promise<VerificationSessionSnapshot> {
  const { viewer } = ctx;
  if (viewer.kind === 'anonymous') throw unauthenticated(viewer.rejected);
  if (viewer.kind === 'service') requireAnyScope(viewer, typeof scope === 'string' ? [scope] : scope);
  if (!isEntityId(id)) throw notFound();
  const result = await mapThrown(() => ctx.services.getVerification.execute({ sessionId: id }));
  if (!result.ok) throw toRequestError(result.error);
  if (viewer.kind === 'user' && !isOwner(viewer, result.value)) throw notFound();
  if (viewer.kind === 'service' && !keySeesApp(viewer, result.value.app)) throw notFound();
  return result.value;
}
