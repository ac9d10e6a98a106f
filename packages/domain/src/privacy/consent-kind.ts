/** A text for the holder themselves, or one a guardian accepts for a child under 14 (PIPL art. 31). */
export const CONSENT_KINDS = ['STANDARD', 'GUARDIAN'] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];
