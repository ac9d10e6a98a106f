import {
  compareClientVersions,
  type DeviceCapabilities,
  LIVENESS_TYPES,
  type LivenessType,
  livenessTypesSupportedBy,
} from '@facegate/domain';
import type { WxAppBaseInfo, WxLike } from './wx-like';

/** WeChat's compareVersion: dotted versions compared numerically ('3.10.0' > '3.8.12'), 1 / 0 / -1. */
export function compareVersion(a: string, b: string): -1 | 0 | 1 {
  return compareClientVersions(a, b);
}

/** requestFacialVerify needs base library 3.8.12. */
export const V2_MIN_SDK_VERSION = '3.8.12';
/** startFacialRecognitionVerify accepts userIdKey from base library 1.9.3. */
export const USER_ID_KEY_MIN_SDK_VERSION = '1.9.3';

export interface WxDeviceCapabilities extends DeviceCapabilities {
  /** 'android' | 'ios' | 'devtools' | 'windows' | 'mac' | 'ohos' ..., null when unknown. */
  readonly platform: string | null;
  /** The legacy check can take a userIdKey instead of name + ID number. */
  readonly userIdKey: boolean;
}

function attempt<T>(read: () => T | undefined): T | null {
  try {
    return read() ?? null;
  } catch {
    // Some clients throw (or return {}) from the info APIs; unknown is an answer.
    return null;
  }
}

const nonEmpty = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * What this device can run. v2 is detected as WeChat recommends (`wx.canIUse('requestFacialVerify')`) and
 * checked against the base library version. Legacy is detected by the function's presence: canIUse's tables
 * cover documented APIs, and the legacy one no longer is.
 *
 * Liveness types come from the WeChat client version (the domain's minimum versions). FaceGate's decision:
 * where the version or platform is not a phone's (DevTools, unknown), all types are offered and
 * checkIsSupportFacialRecognition has the last word.
 */
export function detectCapabilities(wx: WxLike): WxDeviceCapabilities {
  const base: WxAppBaseInfo | null =
    typeof wx.getAppBaseInfo === 'function' ? attempt(() => wx.getAppBaseInfo?.()) : null;
  const needSystemInfo = !nonEmpty(base?.SDKVersion) || !nonEmpty(base?.version) || !wx.getDeviceInfo;
  const system =
    needSystemInfo && typeof wx.getSystemInfoSync === 'function'
      ? attempt(() => wx.getSystemInfoSync?.())
      : null;
  const device = typeof wx.getDeviceInfo === 'function' ? attempt(() => wx.getDeviceInfo?.()) : null;

  const sdkVersion = nonEmpty(base?.SDKVersion) ?? nonEmpty(system?.SDKVersion);
  const clientVersion = nonEmpty(base?.version) ?? nonEmpty(system?.version);
  const platform = (nonEmpty(device?.platform) ?? nonEmpty(system?.platform))?.toLowerCase() ?? null;

  const canIUse = (schema: string): boolean =>
    typeof wx.canIUse === 'function' ? attempt(() => wx.canIUse?.(schema)) === true : true;
  const sdkAtLeast = (min: string): boolean => sdkVersion === null || compareVersion(sdkVersion, min) >= 0;

  const v2 =
    typeof wx.requestFacialVerify === 'function' &&
    canIUse('requestFacialVerify') &&
    sdkAtLeast(V2_MIN_SDK_VERSION);
  const legacy = typeof wx.startFacialRecognitionVerify === 'function';

  return {
    v2,
    legacy,
    livenessTypes: legacy ? livenessTypesFor(platform, clientVersion) : [],
    sdkVersion,
    clientVersion,
    platform,
    userIdKey: legacy && sdkAtLeast(USER_ID_KEY_MIN_SDK_VERSION),
  };
}

function livenessTypesFor(platform: string | null, clientVersion: string | null): LivenessType[] {
  if ((platform === 'android' || platform === 'ios') && clientVersion !== null) {
    return livenessTypesSupportedBy(platform, clientVersion);
  }
  return [...LIVENESS_TYPES];
}
