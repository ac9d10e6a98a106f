import { createFaceGate, FaceGateError } from '@facegate/miniprogram-sdk';
import { envConfigOf } from '../../config/env.config';
import { type ResultView, resultViewOf } from './result.logic';

interface ResultData extends Partial<ResultView> {
  loading: boolean;
  loadError: string;
}

type Self = { data: ResultData; setData(patch: Partial<ResultData>): void };

const queries = new WeakMap<object, { verificationId: string; businessStarted: boolean }>();

async function load(self: Self, verificationId: string, businessStarted: boolean): Promise<void> {
  self.setData({ loading: true, loadError: '' });
  try {
    const verification = await createFaceGate({ gateway: envConfigOf(wx).gatewayUrl }).get(verificationId);
    if (!verification) {
      self.setData({ loading: false, loadError: '未找到该核验记录' });
      return;
    }
    self.setData({ loading: false, ...resultViewOf(verification, businessStarted) });
  } catch (error) {
    const text = error instanceof FaceGateError ? error.message : '出现了意外错误，请稍后重试';
    self.setData({ loading: false, loadError: text });
  }
}

Component({
  data: { loading: true, loadError: '' } as ResultData,
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const verificationId = query?.verificationId ? decodeURIComponent(query.verificationId) : '';
      const businessStarted = query?.origin === 'business';
      queries.set(this, { verificationId, businessStarted });
      if (!verificationId) {
        (this as unknown as Self).setData({ loading: false, loadError: '缺少核验编号' });
        return;
      }
      void load(this as unknown as Self, verificationId, businessStarted);
    },
    onReload() {
      const query = queries.get(this);
      if (query?.verificationId)
        void load(this as unknown as Self, query.verificationId, query.businessStarted);
    },
    onRestart() {
      wx.reLaunch({ url: '/pages/identity/index' });
    },
  },
});
