import type {
  WxCallbackResult,
  WxCallbacks,
  WxLegacyVerifyOption,
  WxLike,
  WxV2VerifyOption,
} from '../../src/jsapi/index';

export type Reply = { via: 'success' | 'fail'; res: WxCallbackResult } | { via: 'throw' };

/** A scriptable wx: each face API answers with the next scripted reply and records what it was given. */
export class FakeWx implements WxLike {
  readonly calls: { api: string; option: Record<string, unknown> }[] = [];
  private readonly replies = new Map<string, Reply[]>();
  sdkVersion = '3.9.0';
  clientVersion = '8.0.50';
  platform = 'android';
  canIUseAnswers: Record<string, boolean> = {};

  script(api: string, ...replies: Reply[]): this {
    this.replies.set(api, [...(this.replies.get(api) ?? []), ...replies]);
    return this;
  }

  private answer(api: string, option: WxCallbacks): void {
    const { success: _s, fail: _f, ...rest } = option;
    this.calls.push({ api, option: rest as Record<string, unknown> });
    const reply = this.replies.get(api)?.shift();
    if (!reply) throw new Error(`no scripted reply for ${api}`);
    if (reply.via === 'throw') throw new Error('wx threw');
    // Like WeChat: asynchronously, and `complete` semantics are not relied on.
    setTimeout(() => (reply.via === 'success' ? option.success : option.fail)?.(reply.res), 0);
  }

  canIUse(schema: string): boolean {
    return this.canIUseAnswers[schema] ?? true;
  }
  getAppBaseInfo() {
    return { SDKVersion: this.sdkVersion, version: this.clientVersion };
  }
  getDeviceInfo() {
    return { platform: this.platform };
  }
  checkIsSupportFacialRecognition(option: WxCallbacks & { checkAliveType?: number }) {
    this.answer('checkIsSupportFacialRecognition', option);
  }
  startFacialRecognitionVerify(option: WxLegacyVerifyOption) {
    this.answer('startFacialRecognitionVerify', option);
  }
  startFacialRecognitionVerifyAndUploadVideo(option: WxLegacyVerifyOption) {
    this.answer('startFacialRecognitionVerifyAndUploadVideo', option);
  }
  requestFacialVerify(option: WxV2VerifyOption) {
    this.answer('requestFacialVerify', option);
  }
  requestFacialVerifyAndUploadVideo(option: WxV2VerifyOption) {
    this.answer('requestFacialVerifyAndUploadVideo', option);
  }
}

/** A wx with only some members (an old base library); the rest are absent, not stubs. */
export function partialWx(wx: FakeWx, keep: readonly (keyof WxLike)[]): WxLike {
  const out: Record<string, unknown> = {};
  for (const key of keep) {
    const member = wx[key as keyof FakeWx];
    out[key] = typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(wx) : member;
  }
  return out as WxLike;
}
