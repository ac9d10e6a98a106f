import { type AppScope, checkAppSlug, inAppScope } from '@facegate/domain';
import type { Viewer } from '../../application/auth/viewer';
import { requireConsoleRead } from '../console-authorization';
import { toRequestError } from '../domain-error.mapper';
import { forbidden } from '../errors';

/** The console queries' `app` argument: one app's sessions; omitted, every app the key sees. */
export const CONSOLE_APP_ARG_DESCRIPTION =
  "One app's sessions (its id, e.g. card); omitted: every app the key sees. A key limited to some apps may name only those.";

/**
 * What a console query may read: the app the operator picked, or every app the key sees. A key limited to
 * some apps never reads another's sessions: naming one outside its apps is FORBIDDEN, never an empty answer
 * that would look like real numbers.
 */
export function consoleAppScope(viewer: Viewer, app: string | null | undefined): AppScope {
  requireConsoleRead(viewer);
  const keyApps = viewer.kind === 'service' ? viewer.apps : [];
  if (app == null) return keyApps;
  const invalid = checkAppSlug(app);
  if (invalid) throw toRequestError(invalid);
  if (!inAppScope(keyApps, app)) throw forbidden('this API key is not for this app');
  return [app];
}
