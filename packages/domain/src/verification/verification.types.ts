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
