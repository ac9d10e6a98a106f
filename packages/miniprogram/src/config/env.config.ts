/**
 * Where the mini program finds the FaceGate gateway, per WeChat environment (envVersion of the running
 * build: develop = DevTools/preview, trial = 体验版, release = 正式版). The only place addresses live.
 */
export type EnvVersion = 'develop' | 'trial' | 'release';

export interface EnvConfig {
  /** The gateway's GraphQL endpoint. Trial and release must be https and listed as a legal request domain. */
  readonly gatewayUrl: string;
  /** wx.request timeout in milliseconds. */
  readonly requestTimeoutMs: number;
}

export const ENV_CONFIGS: Readonly<Record<EnvVersion, EnvConfig>> = {
  // `facegate serve` on the developer's machine (DevTools: 详情 -> 本地设置 -> 不校验合法域名).
  develop: { gatewayUrl: 'http://127.0.0.1:4000/graphql', requestTimeoutMs: 15_000 },
  trial: { gatewayUrl: 'https://facegate-trial.example.com/graphql', requestTimeoutMs: 15_000 },
  release: { gatewayUrl: 'https://facegate.example.com/graphql', requestTimeoutMs: 15_000 },
};

/**
 * Develop builds may point at another gateway without a rebuild:
 * `wx.setStorageSync('facegate:gateway-url', 'http://192.168.1.20:4000/graphql')` in the DevTools console.
 * Ignored in trial and release, so a device can never be redirected.
 */
export const GATEWAY_URL_OVERRIDE_KEY = 'facegate:gateway-url';

interface EnvWx {
  getAccountInfoSync(): { miniProgram: { envVersion: string } };
  getStorageSync(key: string): unknown;
}

export function envVersionOf(wxApi: Pick<EnvWx, 'getAccountInfoSync'>): EnvVersion {
  try {
    const version = wxApi.getAccountInfoSync().miniProgram.envVersion;
    if (version === 'develop' || version === 'trial' || version === 'release') return version;
  } catch {
    // Very old base libraries lack getAccountInfoSync: treat as release, the safe choice.
  }
  return 'release';
}

export function envConfigOf(wxApi: EnvWx): EnvConfig & { readonly envVersion: EnvVersion } {
  const envVersion = envVersionOf(wxApi);
  const base = ENV_CONFIGS[envVersion];
  if (envVersion === 'develop') {
    const override = wxApi.getStorageSync(GATEWAY_URL_OVERRIDE_KEY);
    if (typeof override === 'string' && /^https?:\/\//.test(override)) {
      return { ...base, gatewayUrl: override, envVersion };
    }
  }
  return { ...base, envVersion };
}
