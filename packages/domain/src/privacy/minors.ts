/** Children under 14 need a guardian's consent (PIPL art. 31; the 2025 face recognition measures art. 7). */

/** Below this age (whole years, on the start date in China) the holder is a minor for face processing. */
export const GUARDIAN_AGE = 14;

/** refuse: a minor's session is refused; guardian: it needs a guardian text accepted by a guardian. */
export const MINORS_POLICIES = ['refuse', 'guardian'] as const;
export type MinorsPolicy = (typeof MINORS_POLICIES)[number];

const CHINA_OFFSET_MS = 8 * 3600_000;

/**
 * Whole years from `birthDate` (YYYY-MM-DD) to the calendar day of `at` in China Standard Time: a person born
 * on 29 February turns a year older on 1 March in common years, as Chinese practice counts it.
 */
export function ageOn(birthDate: string, at: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const today = new Date(at.getTime() + CHINA_OFFSET_MS);
  const ty = today.getUTCFullYear();
  const tm = today.getUTCMonth() + 1;
  const td = today.getUTCDate();
  const hadBirthday = tm > m || (tm === m && td >= d);
  return ty - y - (hadBirthday ? 0 : 1);
}

export function isUnderGuardianAge(birthDate: string, at: Date): boolean {
  return ageOn(birthDate, at) < GUARDIAN_AGE;
}
