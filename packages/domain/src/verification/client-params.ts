import { checkAliveTypeOf } from './liveness-type.js';
import { VerificationSession } from './verification-session.js';
import type { VerificationSessionSnapshot } from './verification-session.types.js';

export type ClientParams =
  | { readonly protocol: 'LEGACY'; readonly checkAliveType: number; readonly userIdKey: string | null }
  | { readonly protocol: 'V2'; readonly verifyId: string };

/**
 * What the mini program needs to run the check; null once the session is no longer PENDING, and null before
 * the user's consent is recorded (without the parameters the device cannot start the face check).
 */
export function clientParamsOf(
  session: VerificationSessionSnapshot | VerificationSession,
): ClientParams | null {
  const s = session instanceof VerificationSession ? session.snapshot : session;
  if (s.status !== 'PENDING' || s.binding == null || s.consentReceiptId === null) return null;
  if (s.binding.protocol === 'V2') return { protocol: 'V2', verifyId: s.binding.verifyId };
  return {
    protocol: 'LEGACY',
    checkAliveType: checkAliveTypeOf(s.livenessType ?? 'SCREEN_FLASH_OR_READ_DIGITS'),
    userIdKey: s.binding.userIdKey,
  };
}
