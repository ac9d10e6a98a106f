import { envConfigOf } from '../../config/env.config';
import { resultUrlOf } from '../result/result.logic';

type Self = { setData(patch: Record<string, unknown>): void };
type Ended = WechatMiniprogram.CustomEvent<{ verificationId: string | null; final?: boolean; by?: string }>;

/** A session a business backend started (?verificationId=...): <facegate-verify verification-id>. */
Component({
  data: { gatewayUrl: '', verificationId: '' },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const verificationId = query?.verificationId ? decodeURIComponent(query.verificationId) : '';
      (this as unknown as Self).setData({ gatewayUrl: envConfigOf(wx).gatewayUrl, verificationId });
    },
    onEnded(e: Ended) {
      if (e.detail.verificationId) wx.redirectTo({ url: resultUrlOf(e.detail.verificationId, true) });
    },
    onFailed(e: Ended) {
      if (e.detail.final && e.detail.verificationId)
        wx.redirectTo({ url: resultUrlOf(e.detail.verificationId, true) });
    },
    /** The user declined the consent: back to where the business sent them from. */
    onCanceled(e: Ended) {
      if (e.detail.by === 'user') wx.navigateBack({ delta: 1 });
      else if (e.detail.verificationId) wx.redirectTo({ url: resultUrlOf(e.detail.verificationId, true) });
    },
  },
});
