/** WeChat's checkAliveType: the liveness interaction requested for a legacy check. */
export const LIVENESS_TYPES = ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS'] as const;
export type LivenessType = (typeof LIVENESS_TYPES)[number];

/** What the evidence shows the user actually did (WeChat may ignore the requested mode). */
export type ObservedLiveness = 'READ_DIGITS' | 'SCREEN_FLASH';

export const DEFAULT_LIVENESS_TYPE: LivenessType = 'SCREEN_FLASH_OR_READ_DIGITS';
