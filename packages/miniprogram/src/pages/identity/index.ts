import { envConfigOf } from '../../config/env.config';
import { resultUrlOf } from '../result/result.logic';

const VERIFY_PAGE = '/pages/verify/index';

type Self = { setData(patch: Record<string, unknown>): void };
type Ended = WechatMiniprogram.CustomEvent<{ verificationId: string | null; final?: boolean }>;

/** The identity form and the whole check: <facegate-verify mode="form">; this page is layout and routing. */
Component({
  data: { gatewayUrl: '', redirecting: false },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      // A business backend started the session: nothing is typed here, go straight to the check.
      const verificationId = query?.verificationId;
      if (verificationId) {
        (this as unknown as Self).setData({ redirecting: true });
        wx.redirectTo({ url: `${VERIFY_PAGE}?verificationId=${encodeURIComponent(verificationId)}` });
        return;
      }
      (this as unknown as Self).setData({ gatewayUrl: envConfigOf(wx).gatewayUrl });
    },
    /** verified, or the session was canceled elsewhere: the result page says what it means. */
    onEnded(e: Ended) {
      if (e.detail.verificationId) wx.redirectTo({ url: resultUrlOf(e.detail.verificationId, false) });
    },
    /** A failed attempt the user can retry stays here; a session that ended goes to the result page. */
    onFailed(e: Ended) {
      if (e.detail.final && e.detail.verificationId)
        wx.redirectTo({ url: resultUrlOf(e.detail.verificationId, false) });
    },
  },
});
