import type { Viewer } from '../auth/viewer';
import { requireScope } from './authorization';

/** Reading the console: console:read, or console:admin (which includes reading). */
export function requireConsoleRead(viewer: Viewer): void {
  if (viewer.kind === 'service' && viewer.scopes.includes('console:admin')) return;
  requireScope(viewer, 'console:read');
}

/** Acting from the console (API keys). */
export function requireConsoleAdmin(viewer: Viewer): void {
  requireScope(viewer, 'console:admin');
}
