import type {
  DeviceCapabilities,
  FaceVerifyClient,
  LegacyCheckOutcome,
  LegacyCheckRequest,
  SupportCheckResult,
  V2CheckOutcome,
  V2CheckRequest,
} from '@facegate/domain';
import type { GatewayApi } from './gateway-api';
import type { SandboxDeviceData, SandboxTestIdentityData } from './graphql-types';
import { type WxTransport, wxRequest } from './wx-async';

/**
 * The simulated face step: a mini program in WeChat DevTools, against a gateway in sandbox mode, cannot run
 * WeChat's face APIs (they need an approved AppID and a phone). There the SDK lets the developer pick how
 * the check ends, from the sandbox's test identities, and runs it on the sandbox's device routes (what the
 * WeChat client does on a phone), so the rest of the flow (confirm, retry, VERIFIED) is the real one.
 * Only in DevTools, and only when the gateway says it is a sandbox: a phone never asks, and a gateway outside
 * sandbox mode never says so.
 */

type SandboxDevice = NonNullable<SandboxDeviceData['sandboxDevice']>;

/** The check runs as the signed-in user's mini program (its evidence is then that app's). */
const asApp = (device: SandboxDevice) => (device.appId ? { appId: device.appId } : {});

/** The wx members the simulated step uses. */
export interface SandboxWx extends Pick<WxTransport, 'request'> {
  showActionSheet(options: {
    itemList: string[];
    alertText?: string;
    success?: (res: { tapIndex: number }) => void;
    fail?: (err: { errMsg: string }) => void;
  }): unknown;
  getDeviceInfo?: () => { platform?: string };
  getSystemInfoSync?: () => { platform?: string };
}

/** WeChat DevTools reports its platform as "devtools"; a phone as ios, android, ohos... */
export function isDevTools(wxApi: Partial<SandboxWx>): boolean {
  try {
    const info = wxApi.getDeviceInfo?.() ?? wxApi.getSystemInfoSync?.();
    return info?.platform === 'devtools';
  } catch {
    return false;
  }
}

/** wx.showActionSheet shows at most 6 items: pages of 5 outcomes and a "more" item. */
const SHEET_PAGE = 5;
const MORE = '更多结果…';
const SIMULATED = '模拟人脸核验：';

/** The label of an outcome: the test identity's name says it (核身通过, 人脸不符, 用户取消...). */
export const outcomeLabel = (identity: SandboxTestIdentityData): string => `${SIMULATED}${identity.name}`;

function showSheet(wxApi: SandboxWx, itemList: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    wxApi.showActionSheet({
      itemList,
      alertText: '沙箱模式：选择本次人脸核验的结果',
      success: (res) => resolve(res.tapIndex),
      fail: () => resolve(null),
    });
  });
}

/** The scenario the developer picks; closing the sheet is the user canceling the check. */
export async function pickScenario(
  wxApi: SandboxWx,
  identities: readonly SandboxTestIdentityData[],
): Promise<string> {
  for (let start = 0; start < identities.length; start += SHEET_PAGE) {
    const page = identities.slice(start, start + SHEET_PAGE);
    const more = start + SHEET_PAGE < identities.length;
    const tapped = await showSheet(wxApi, [...page.map(outcomeLabel), ...(more ? [MORE] : [])]);
    if (tapped === null) break;
    const identity = page[tapped];
    if (identity) return identity.scenario;
  }
  return 'user_cancel';
}

/** A FaceVerifyClient whose checks run on the sandbox's device routes, the outcome picked by the developer. */
export class SandboxFaceVerifyClient implements FaceVerifyClient {
  constructor(
    private readonly deps: {
      readonly api: Pick<GatewayApi, 'sandboxDevice'>;
      readonly wx: SandboxWx;
      readonly sdkVersion: string | null;
    },
  ) {}

  capabilities(): DeviceCapabilities {
    return {
      v2: true,
      legacy: true,
      livenessTypes: ['READ_DIGITS', 'SCREEN_FLASH', 'SCREEN_FLASH_OR_READ_DIGITS'],
      sdkVersion: this.deps.sdkVersion,
      clientVersion: null,
    };
  }

  async checkSupport(): Promise<SupportCheckResult> {
    return { supported: true, errCode: 0 };
  }

  async runV2Check(request: V2CheckRequest): Promise<V2CheckOutcome> {
    const { device, scenario } = await this.prepareCheck();
    const answer = await this.post(device, '/sandbox/device/v2-check', {
      openid: device.openid,
      ...asApp(device),
      verifyId: request.verifyId,
      scenario,
    });
    return { errCode: answer.errCode };
  }

  async runLegacyCheck(request: LegacyCheckRequest): Promise<LegacyCheckOutcome> {
    const { device, scenario } = await this.prepareCheck();
    const who = request.userIdKey
      ? { userIdKey: request.userIdKey }
      : { name: request.name, idCardNumber: request.idCardNumber };
    const answer = await this.post(device, '/sandbox/device/legacy-check', {
      openid: device.openid,
      ...asApp(device),
      checkAliveType: request.checkAliveType,
      ...who,
      scenario,
    });
    return {
      errCode: answer.errCode,
      verifyResult: typeof answer.verifyResult === 'string' ? answer.verifyResult : null,
    };
  }

  private async prepareCheck(): Promise<{ device: SandboxDevice; scenario: string }> {
    const device = await this.deps.api.sandboxDevice();
    if (!device) throw new Error('the gateway is no longer in sandbox mode');
    return { device, scenario: await pickScenario(this.deps.wx, device.identities) };
  }

  private async post(
    device: SandboxDevice,
    path: string,
    body: Record<string, unknown>,
  ): Promise<{ errCode: number; verifyResult?: unknown }> {
    const response = await wxRequest(this.deps.wx, {
      url: `${device.url}${path}`,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data: JSON.stringify(body),
    });
    const data = response.data as { errCode?: unknown; verifyResult?: unknown } | null;
    if (response.statusCode !== 200 || typeof data?.errCode !== 'number') {
      throw new Error(`the sandbox's device route ${path} answered HTTP ${response.statusCode}`);
    }
    return { errCode: data.errCode, verifyResult: data.verifyResult };
  }
}

/** Per gateway address, for this app launch: does it say it is a sandbox? (asked once, in DevTools only) */
const sandboxAnswers = new Map<string, boolean>();

/**
 * The face client the component and the plain API use: WeChat's own, except in DevTools against a gateway
 * in sandbox mode, where prepare() switches to the simulated step. Until prepare() has run it is WeChat's.
 */
export class GatewayAwareFaceClient implements FaceVerifyClient {
  private active: FaceVerifyClient;
  private readonly simulated: SandboxFaceVerifyClient;

  constructor(
    private readonly wechat: FaceVerifyClient,
    private readonly deps: {
      readonly api: Pick<GatewayApi, 'isSandbox' | 'sandboxDevice'>;
      readonly wx: SandboxWx;
      readonly gatewayUrl: () => string;
    },
  ) {
    this.active = wechat;
    this.simulated = new SandboxFaceVerifyClient({
      api: deps.api,
      wx: deps.wx,
      sdkVersion: wechat.capabilities().sdkVersion,
    });
  }

  /** True once prepare() chose the simulated step. */
  get isSimulated(): boolean {
    return this.active === this.simulated;
  }

  /** Decides which face step runs: the gateway composes (it says whether it is a sandbox), the SDK decides. */
  async prepare(): Promise<void> {
    if (!isDevTools(this.deps.wx)) return;
    const url = this.deps.gatewayUrl();
    let sandbox = sandboxAnswers.get(url);
    if (sandbox === undefined) {
      sandbox = await this.deps.api.isSandbox();
      sandboxAnswers.set(url, sandbox);
    }
    this.active = sandbox ? this.simulated : this.wechat;
  }

  capabilities(): DeviceCapabilities {
    return this.active.capabilities();
  }

  checkSupport(checkAliveType: number): Promise<SupportCheckResult> {
    return this.active.checkSupport(checkAliveType);
  }

  runLegacyCheck(request: LegacyCheckRequest): Promise<LegacyCheckOutcome> {
    return this.active.runLegacyCheck(request);
  }

  runV2Check(request: V2CheckRequest): Promise<V2CheckOutcome> {
    return this.active.runV2Check(request);
  }
}

/** Forgets what gateways said (a test's new app launch). */
export function forgetSandboxAnswers(): void {
  sandboxAnswers.clear();
}
