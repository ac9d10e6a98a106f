export const VERIFICATION_PROTOCOLS = ['LEGACY', 'V2'] as const;
export type VerificationProtocol = (typeof VERIFICATION_PROTOCOLS)[number];

export const VERIFICATION_STATUSES = ['PENDING', 'VERIFIED', 'FAILED', 'CANCELED', 'EXPIRED'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<VerificationStatus> = new Set([
  'VERIFIED',
  'FAILED',
  'CANCELED',
  'EXPIRED',
]);

/** A session's initiator when the user started it themselves; otherwise it is the service's API key id. */
export const USER_INITIATOR = 'user';

/**
 * Why a session was canceled: asked for (by its user or a service), consent withdrawn, the other way to
 * verify chosen instead of the face, or the person's data erased on request while it was open.
 */
export const CANCEL_REASONS = [
  'REQUESTED',
  'CONSENT_WITHDRAWN',
  'ALTERNATIVE_CHOSEN',
  'SUBJECT_ERASED',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];
