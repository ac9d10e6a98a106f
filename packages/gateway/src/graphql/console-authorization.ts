import type { Viewer } from '../application/auth/viewer';
import { requireAnyScope, requireScope } from './authorization';

/** Reading the console: console:read, or console:admin (which includes reading). */
export function requireConsoleRead(viewer: Viewer): void {
  if (viewer.kind === 'service' && viewer.scopes.includes('console:admin')) return;
  requireScope(viewer, 'console:read');
}

/**
 * Listing, creating and revoking API keys: console:admin (keys with at most its own scopes) or keys:admin
 * (any key). The service checks which keys each may touch.
 */
export function requireKeyAdmin(viewer: Viewer): Extract<Viewer, { kind: 'service' }> {
  return requireAnyScope(viewer, ['console:admin', 'keys:admin']);
}

/** Reading webhook endpoints and deliveries: their own scope, or the console's (read or admin). */
export function requireWebhookRead(viewer: Viewer): void {
  requireAnyScope(viewer, ['webhooks:write', 'console:read', 'console:admin']);
}

/** Redelivering a webhook: its own scope, or acting from the console. */
export function requireWebhookRedeliver(viewer: Viewer): void {
  requireAnyScope(viewer, ['webhooks:write', 'console:admin']);
}
