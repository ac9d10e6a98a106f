import {
  CONSENT_AGREE_LABEL,
  CONSENT_PARAGRAPHS,
  CONSENT_TITLE,
  consentStore,
  consentView,
  createServices,
  emptyIdentityForm,
  type FaceGateError,
  type FlowState,
  formView,
  type IdentityForm,
  outcomeOf,
  type PendingIdentity,
  submissionOf,
  VerifyFlow,
  type VerifyView,
  verifyViewOf,
  viewOf,
} from '../core';

/**
 * <facegate-verify>: the whole verification in one tag. mode="form" shows the identity form with the consent;
 * verification-id="..." runs a session a business backend started (the consent first, nothing typed).
 * Events: verified { verificationId, verification }, failed { code, reason, retryable, final, verificationId },
 * canceled { by: 'user' | 'session', verificationId }.
 */

/**
 * WeChat hides the page while its face UI is up and shows it again just before the callback arrives;
 * only when no answer came within this grace period was the check really left.
 */
const RESUME_GRACE_MS = 800;

interface Instance {
  flow: VerifyFlow | null;
  verificationId: string | null;
  businessStarted: boolean;
  identity: PendingIdentity | null;
  hidden: boolean;
  resumeTimer: ReturnType<typeof setTimeout> | null;
}

type Data = IdentityForm &
  VerifyView & {
    nameError: string;
    idCardNumberError: string;
    consentError: string;
    canSubmit: boolean;
    submitted: boolean;
    canEditIdentity: boolean;
  };

type Self = {
  data: Data & { gateway: string; verificationId: string; mode: string };
  setData(patch: Partial<Data>): void;
  triggerEvent(name: string, detail: Record<string, unknown>): void;
};

// Per-instance state outside `data` (data is what the view renders; the identity never goes there after submit).
const instances = new WeakMap<object, Instance>();
const stateOf = (self: object): Instance => {
  let state = instances.get(self);
  if (!state) {
    state = {
      flow: null,
      verificationId: null,
      businessStarted: false,
      identity: null,
      hidden: false,
      resumeTimer: null,
    };
    instances.set(self, state);
  }
  return state;
};

function formOf(data: Data): IdentityForm {
  return { name: data.name, idCardNumber: data.idCardNumber, consent: data.consent, touched: data.touched };
}

function updateForm(self: Self, patch: Partial<IdentityForm>, submitted = self.data.submitted): void {
  const form = { ...formOf(self.data), ...patch };
  self.setData({ ...patch, ...viewOf(form, new Date(), submitted), submitted });
}

/** (Re)starts from what the properties say: a business-started session, or the form. */
function setUp(self: Self): void {
  const state = stateOf(self);
  state.flow?.dispose();
  state.flow = null;
  const verificationId = self.data.verificationId || null;
  state.verificationId = verificationId;
  state.businessStarted = verificationId !== null;
  state.identity = null;
  self.setData({ canEditIdentity: !state.businessStarted });
  if (!state.businessStarted) {
    self.setData({ ...formView(), ...emptyIdentityForm(), submitted: false });
    return;
  }
  // Consent comes before any face API: asked here for a business-started session, once per app launch.
  if (consentStore.has()) startFlow(self);
  else self.setData(consentView());
}

function onFlowState(self: Self, state: Instance, flowState: FlowState): void {
  self.setData(verifyViewOf(flowState));
  const verificationId = state.verificationId;
  if (flowState.kind === 'attention') {
    const { code, text, retryable } = flowState.message;
    self.triggerEvent('failed', { code, reason: text, retryable, final: false, verificationId });
  } else if (flowState.kind === 'finished') {
    const verification = flowState.verification;
    // The session has ended: the identity is no longer needed, in memory or in the (hidden) form.
    state.identity = null;
    self.setData({ ...emptyIdentityForm() });
    if (verification.status === 'VERIFIED') {
      self.triggerEvent('verified', { verificationId: verification.id, verification });
    } else if (verification.status === 'CANCELED') {
      self.triggerEvent('canceled', { by: 'session', verificationId: verification.id });
    } else {
      const outcome = outcomeOf(verification) ?? {
        code: 'FAILED',
        reason: '人脸核验未通过',
        retryable: false,
      };
      self.triggerEvent('failed', {
        ...outcome,
        retryable: false,
        final: true,
        verificationId: verification.id,
      });
    }
  }
}

function startFlow(self: Self): void {
  const state = stateOf(self);
  state.flow?.dispose();
  let services: ReturnType<typeof createServices>;
  try {
    services = createServices({ gateway: self.data.gateway });
  } catch (error) {
    const e = error as FaceGateError;
    onFlowState(self, state, {
      kind: 'attention',
      message: { code: e.code, text: e.message, retryable: false },
      verification: null,
      needsIdentity: false,
    });
    return;
  }
  state.flow = new VerifyFlow(
    {
      api: services.api,
      face: services.face,
      identity: () => (state.businessStarted ? null : state.identity),
      onState: (flowState) => onFlowState(self, state, flowState),
      onSession: (id) => {
        state.verificationId = id;
      },
    },
    { verificationId: state.verificationId },
  );
  void state.flow.run();
}

Component({
  externalClasses: ['fg-class', 'fg-button-class', 'fg-primary-button-class', 'fg-error-class'],
  options: { multipleSlots: true },
  properties: {
    /** The gateway's GraphQL endpoint (a legal request domain in trial and release). */
    gateway: { type: String, value: '' },
    /** A session a business backend started for this user: nothing is typed. */
    verificationId: { type: String, value: '' },
    /** "form": the identity form with the consent (the default when there is no verificationId). */
    mode: { type: String, value: 'form' },
  },
  data: {
    ...formView(),
    ...emptyIdentityForm(),
    nameError: '',
    idCardNumberError: '',
    consentError: '',
    canSubmit: false,
    submitted: false,
    canEditIdentity: true,
    consentTitle: CONSENT_TITLE,
    consentParagraphs: CONSENT_PARAGRAPHS,
    consentAgreeLabel: CONSENT_AGREE_LABEL,
  },
  observers: {
    verificationId(value: string) {
      // A host often sets it in its onLoad, after the component is attached.
      const state = stateOf(this);
      if (value && !(state.businessStarted && state.verificationId === value)) setUp(this as unknown as Self);
    },
  },
  lifetimes: {
    attached() {
      setUp(this as unknown as Self);
    },
    detached() {
      const state = stateOf(this);
      if (state.resumeTimer) clearTimeout(state.resumeTimer);
      state.flow?.dispose();
    },
  },
  pageLifetimes: {
    hide() {
      stateOf(this).hidden = true;
    },
    show() {
      const state = stateOf(this);
      if (!state.hidden) return;
      state.hidden = false;
      if (!state.flow?.isWaitingForFaceCheck) return;
      if (state.resumeTimer) clearTimeout(state.resumeTimer);
      state.resumeTimer = setTimeout(() => {
        state.resumeTimer = null;
        void state.flow?.resume();
      }, RESUME_GRACE_MS);
    },
  },
  methods: {
    onNameInput(e: WechatMiniprogram.Input) {
      updateForm(this as unknown as Self, { name: e.detail.value });
    },
    onNameBlur() {
      const self = this as unknown as Self;
      updateForm(self, { touched: { ...self.data.touched, name: true } });
    },
    onIdCardNumberInput(e: WechatMiniprogram.Input) {
      updateForm(this as unknown as Self, { idCardNumber: e.detail.value });
    },
    onIdCardNumberBlur() {
      const self = this as unknown as Self;
      updateForm(self, { touched: { ...self.data.touched, idCardNumber: true } });
    },
    onConsentChange(e: WechatMiniprogram.CustomEvent<{ value: string[] }>) {
      updateForm(this as unknown as Self, { consent: (e.detail.value ?? []).includes('agree') });
    },
    onSubmit() {
      const self = this as unknown as Self;
      const identity = submissionOf(formOf(self.data));
      if (!identity) {
        updateForm(self, {}, true);
        return;
      }
      const state = stateOf(this);
      state.identity = identity;
      state.verificationId = null; // a new identity is a new session
      consentStore.record();
      startFlow(self);
    },
    onAgree() {
      consentStore.record();
      startFlow(this as unknown as Self);
    },
    onDecline() {
      const state = stateOf(this);
      (this as unknown as Self).triggerEvent('canceled', {
        by: 'user',
        verificationId: state.verificationId,
      });
    },
    onRetry() {
      const self = this as unknown as Self;
      const state = stateOf(this);
      if (!state.flow) return startFlow(self);
      void state.flow.run({ supersede: self.data.phase === 'interrupted' });
    },
    onEditIdentity() {
      const self = this as unknown as Self;
      const state = stateOf(this);
      if (state.businessStarted) return;
      state.flow?.dispose();
      state.flow = null;
      state.verificationId = null;
      // Back to the form with what was typed, to correct it.
      self.setData({ ...formView(), canEditIdentity: true });
    },
  },
});
