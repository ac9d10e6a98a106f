import { CONSENT_AGREE_LABEL, CONSENT_PARAGRAPHS, CONSENT_TITLE, CONSENT_VERSION } from '../../lib/consent';
import { flowStore } from '../../lib/flow.store';
import { createServices } from '../../lib/services';
import { type FlowState, VerifyFlow } from '../../lib/verification-flow';
import { consentView, resultUrlOf, type VerifyView, verifyViewOf } from './verify.logic';

/**
 * WeChat hides this page while its face UI is up and shows it again just before the callback arrives;
 * only when no answer came within this grace period was the check really left.
 */
const RESUME_GRACE_MS = 800;

interface PageState {
  flow: VerifyFlow | null;
  verificationId: string | null;
  businessStarted: boolean;
  hidden: boolean;
  resumeTimer: ReturnType<typeof setTimeout> | null;
}

type Self = {
  data: VerifyView;
  setData(patch: Partial<VerifyView> & { canEditIdentity?: boolean }): void;
};

// Per-instance state outside `data` (data is what the view renders).
const states = new WeakMap<object, PageState>();
const stateOf = (self: object): PageState => {
  let state = states.get(self);
  if (!state) {
    state = { flow: null, verificationId: null, businessStarted: false, hidden: false, resumeTimer: null };
    states.set(self, state);
  }
  return state;
};

function onFlowState(self: Self, page: PageState, state: FlowState): void {
  // A user who typed the identity can always go back and correct it; a business-started session cannot.
  self.setData({ ...verifyViewOf(state), canEditIdentity: !page.businessStarted });
  if (state.kind === 'finished') {
    flowStore.forgetIdentity();
    wx.redirectTo({ url: resultUrlOf(state.verification.id, page.businessStarted) });
  }
}

function startFlow(self: Self): void {
  const page = stateOf(self);
  page.flow?.dispose();
  const { api, face } = createServices();
  page.flow = new VerifyFlow(
    {
      api,
      face,
      identity: () => (page.businessStarted ? null : flowStore.identity()),
      onState: (state) => onFlowState(self, page, state),
      onSession: (id) => {
        page.verificationId = id;
      },
    },
    { verificationId: page.verificationId },
  );
  void page.flow.run();
}

Component({
  data: {
    ...consentView(),
    consentTitle: CONSENT_TITLE,
    consentParagraphs: CONSENT_PARAGRAPHS,
    consentAgreeLabel: CONSENT_AGREE_LABEL,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const page = stateOf(this);
      const verificationId = query?.verificationId ? decodeURIComponent(query.verificationId) : null;
      page.verificationId = verificationId;
      page.businessStarted = verificationId !== null;
      // Consent comes before any face API: from the identity page, or here for a business-started session.
      if (flowStore.hasConsent(CONSENT_VERSION)) startFlow(this as unknown as Self);
      else (this as unknown as Self).setData(consentView());
    },
    onAgree() {
      flowStore.recordConsent(CONSENT_VERSION);
      startFlow(this as unknown as Self);
    },
    onDecline() {
      wx.navigateBack({ delta: 1 });
    },
    onRetry() {
      const page = stateOf(this);
      if (!page.flow) return startFlow(this as unknown as Self);
      const self = this as unknown as Self;
      void page.flow.run({ supersede: self.data.phase === 'interrupted' });
    },
    onEditIdentity() {
      wx.redirectTo({ url: '/pages/identity/index' });
    },
    onHide() {
      stateOf(this).hidden = true;
    },
    onShow() {
      const page = stateOf(this);
      if (!page.hidden) return;
      page.hidden = false;
      if (!page.flow?.isWaitingForFaceCheck) return;
      if (page.resumeTimer) clearTimeout(page.resumeTimer);
      page.resumeTimer = setTimeout(() => {
        page.resumeTimer = null;
        void page.flow?.resume();
      }, RESUME_GRACE_MS);
    },
    onUnload() {
      const page = stateOf(this);
      if (page.resumeTimer) clearTimeout(page.resumeTimer);
      page.flow?.dispose();
    },
  },
});
