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
    /**
     * The user declined the consent: they stay here, where the component offers the other way to verify (and
     * to read the text again); declining must never leave them without one. A session canceled elsewhere
     * goes to the result page.
     */
    onCanceled(e: Ended) {
      if (e.detail.by !== 'user' && e.detail.verificationId)
        wx.redirectTo({ url: resultUrlOf(e.detail.verificationId, true) });
    },
  },
});
