/** WeChat's checkAliveType: the liveness interaction requested for a legacy check. */
export const LIVENESS_TYPES = ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS'] as const;
export type LivenessType = (typeof LIVENESS_TYPES)[number];

/** What the evidence shows the user actually did (WeChat may ignore the requested mode). */
export type ObservedLiveness = 'READ_DIGITS' | 'SCREEN_FLASH';

export const DEFAULT_LIVENESS_TYPE: LivenessType = 'SCREEN_FLASH_OR_READ_DIGITS';

const CHECK_ALIVE_TYPES: Readonly<Record<LivenessType, 0 | 1 | 2>> = {
  READ_DIGITS: 0,
  SCREEN_FLASH: 1,
  SCREEN_FLASH_OR_READ_DIGITS: 2,
};

export function checkAliveTypeOf(type: LivenessType): 0 | 1 | 2 {
  return CHECK_ALIVE_TYPES[type];
}

export function livenessTypeOfCheckAliveType(n: number): LivenessType | null {
  return LIVENESS_TYPES.find((t) => CHECK_ALIVE_TYPES[t] === n) ?? null;
}

export type ClientPlatform = 'android' | 'ios';

/**
 * The oldest WeChat client able to run each mode. SCREEN_FLASH_OR_READ_DIGITS needs a client that knows
 * screen flash (the value 2 arrived with it), hence 6.7.2 like SCREEN_FLASH.
 */
export const LIVENESS_MIN_CLIENT_VERSIONS: Readonly<
  Record<LivenessType, Readonly<Record<ClientPlatform, string>>>
> = {
  READ_DIGITS: { android: '6.5.4', ios: '6.5.6' },
  SCREEN_FLASH: { android: '6.7.2', ios: '6.7.2' },
  SCREEN_FLASH_OR_READ_DIGITS: { android: '6.7.2', ios: '6.7.2' },
};

/** Compares dotted versions numerically ('6.10.0' > '6.9.9'); missing parts count as 0. */
export function compareClientVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0 ? 1 : -1;
  }
  return 0;
}

/** The liveness modes a WeChat client version can run. */
export function livenessTypesSupportedBy(platform: ClientPlatform, clientVersion: string): LivenessType[] {
  return LIVENESS_TYPES.filter(
    (t) => compareClientVersions(clientVersion, LIVENESS_MIN_CLIENT_VERSIONS[t][platform]) >= 0,
  );
}

/** Non-empty validate_data (the digits read aloud) means digits were read; otherwise the screen flashed. */
export function observedLivenessOf(validateData: string | null): ObservedLiveness {
  return validateData != null && validateData.trim() !== '' ? 'READ_DIGITS' : 'SCREEN_FLASH';
}
