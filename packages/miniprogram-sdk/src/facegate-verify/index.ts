import {
  alternativeViewOf,
  type ConsentTextData,
  consentViewOf,
  createServices,
  declinedView,
  emptyIdentityForm,
  type FaceGateError,
  type FlowState,
  formView,
  type IdentityForm,
  languageOf,
  openAlternative,
  outcomeOf,
  type PendingIdentity,
  submissionOf,
  type VerificationOptionsData,
  VerifyFlow,
  type VerifyView,
  verifyViewOf,
  viewOf,
} from '../core';

/**
 * <facegate-verify>: the whole verification in one tag. mode="form" shows the identity form with the consent;
 * verification-id="..." runs a session a business backend started (the consent first, nothing typed).
 * The consent text is the gateway's current one; its version goes with the start (or to acceptConsent), so
 * the gateway records a receipt before any face API runs. The other way to verify is offered throughout.
 * Events: verified { verificationId, verification }, failed { code, reason, retryable, final, verificationId },
 * canceled { by: 'user' | 'session', verificationId }, alternative { kind, target, verificationId }.
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
  /** The text on screen: in the form, or asked for by the flow (a business session, a changed text). */
  consentText: ConsentTextData | null;
  options: VerificationOptionsData | null;
  /** Bumped by every setUp, so a late answer for an earlier set-up is ignored. */
  generation: number;
  /** The set-up whose text and alternative were requested. */
  privacyGeneration: number;
  attached: boolean;
}

type Data = IdentityForm &
  VerifyView & {
    nameError: string;
    idCardNumberError: string;
    consentError: string;
    canSubmit: boolean;
    submitted: boolean;
    canEditIdentity: boolean;
    consentLoaded: boolean;
    consentTitle: string;
    consentPurpose: string;
    consentParagraphs: readonly string[];
    consentAgreeLabel: string;
    agreeLabel: string;
    declineLabel: string;
    consentVersion: string;
    alternativeLabel: string;
    alternativeContact: string;
    alternativeNotice: string;
    offerAlternative: boolean;
  };

type Self = {
  data: Data & { gateway: string; app: string; verificationId: string; mode: string };
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
      consentText: null,
      options: null,
      generation: 0,
      privacyGeneration: -1,
      attached: false,
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

/** The text, in the mini program's language, into the view. */
function showConsentText(self: Self, text: ConsentTextData): void {
  stateOf(self).consentText = text;
  const view = consentViewOf(text, languageOf(wx));
  self.setData({
    consentLoaded: true,
    consentTitle: view.title,
    consentPurpose: view.purpose,
    consentParagraphs: view.paragraphs,
    consentAgreeLabel: view.checkboxLabel,
    agreeLabel: view.agreeLabel,
    declineLabel: view.declineLabel,
    consentVersion: text.version,
  });
}

function attentionOf(code: string, text: string, retryable: boolean): FlowState {
  return { kind: 'attention', message: { code, text, retryable }, verification: null, needsIdentity: false };
}

/** The gateway's services for the properties; an empty `app` lets the SDK read the mini program's own appid. */
const servicesOf = (self: Self) =>
  createServices({ gateway: self.data.gateway, app: self.data.app || undefined });

/** The operator's alternative (or contact text); fetched once per set-up, public, never blocking the flow. */
function loadOptions(self: Self, services: ReturnType<typeof createServices>, generation: number): void {
  const state = stateOf(self);
  services.api
    .verificationOptions()
    .catch(() => null)
    .then((options) => {
      if (state.generation !== generation) return;
      state.options = options;
      self.setData(alternativeViewOf(options));
    });
}

/** (Re)starts from what the properties say: a business-started session, or the form. */
function setUp(self: Self): void {
  const state = stateOf(self);
  state.flow?.dispose();
  state.flow = null;
  state.generation += 1;
  const verificationId = self.data.verificationId || null;
  state.verificationId = verificationId;
  state.businessStarted = verificationId !== null;
  state.identity = null;
  state.consentText = null;
  self.setData({
    canEditIdentity: !state.businessStarted,
    consentLoaded: false,
    alternativeNotice: '',
    offerAlternative: true,
    ...alternativeViewOf(state.options),
  });
  if (state.businessStarted) {
    // The flow reads the session: without a receipt it fetches the text and asks (before any face API).
    loadPrivacy(self);
    startFlow(self);
    return;
  }
  self.setData({ ...formView(), ...emptyIdentityForm(), submitted: false });
  loadPrivacy(self);
}

/**
 * Reads the alternative and, for the form, the consent text. A host often sets `gateway` in its onLoad,
 * after the component is attached: without one this waits for the gateway observer.
 */
function loadPrivacy(self: Self): void {
  const state = stateOf(self);
  const generation = state.generation;
  if (!self.data.gateway) return;
  let services: ReturnType<typeof createServices>;
  try {
    services = servicesOf(self);
  } catch (error) {
    const e = error as FaceGateError;
    onFlowState(self, state, attentionOf(e.code, e.message, false));
    return;
  }
  // once per set-up (attached and the gateway observer may both ask)
  if (state.privacyGeneration === generation) return;
  state.privacyGeneration = generation;
  loadOptions(self, services, generation);
  if (state.businessStarted || state.consentText) return;
  const unavailable = () => {
    if (state.generation !== generation) return;
    onFlowState(
      self,
      state,
      attentionOf('CONSENT_UNAVAILABLE', '暂时无法获取个人信息处理告知，请稍后重试', true),
    );
  };
  services.api
    .consentText('STANDARD')
    .then((text) => {
      if (state.generation !== generation) return;
      if (text) showConsentText(self, text);
      else unavailable();
    })
    .catch(unavailable);
}

function onFlowState(self: Self, state: Instance, flowState: FlowState): void {
  self.setData({
    ...verifyViewOf(flowState),
    // before the face check and after every failure; not while working, not once verified
    offerAlternative:
      flowState.kind !== 'working' &&
      !(flowState.kind === 'finished' && flowState.verification.status === 'VERIFIED'),
  });
  if (flowState.kind === 'consent') showConsentText(self, flowState.text);
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
    services = servicesOf(self);
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
    // the form's text, agreed to with its checkbox; a business session asks in the flow
    { verificationId: state.verificationId, consent: state.businessStarted ? null : state.consentText },
  );
  void state.flow.run();
}

Component({
  externalClasses: ['fg-class', 'fg-button-class', 'fg-primary-button-class', 'fg-error-class'],
  options: { multipleSlots: true },
  properties: {
    /** The gateway's GraphQL endpoint (a legal request domain in trial and release). */
    gateway: { type: String, value: '' },
    /** The app to sign in to (a WeChat appid or a FaceGate app id); empty: this mini program's own appid. */
    app: { type: String, value: '' },
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
    consentLoaded: false,
    consentTitle: '',
    consentPurpose: '',
    consentParagraphs: [] as readonly string[],
    consentAgreeLabel: '',
    agreeLabel: '',
    declineLabel: '',
    consentVersion: '',
    alternativeLabel: '',
    alternativeContact: '',
    alternativeNotice: '',
    offerAlternative: true,
  },
  observers: {
    gateway(value: string) {
      const state = stateOf(this);
      // before attached, setUp does it
      if (value && state.attached && !state.businessStarted && !state.consentText && !state.flow)
        loadPrivacy(this as unknown as Self);
    },
    verificationId(value: string) {
      // A host often sets it in its onLoad, after the component is attached.
      const state = stateOf(this);
      if (!state.attached) return; // attached() sets up with it
      if (value && !(state.businessStarted && state.verificationId === value)) setUp(this as unknown as Self);
    },
  },
  lifetimes: {
    attached() {
      stateOf(this).attached = true;
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
      if (!state.consentText) return; // the text is not on screen yet: nothing was agreed to
      state.identity = identity;
      state.verificationId = null; // a new identity is a new session
      startFlow(self);
    },
    /** Agree on the consent screen (a business session, or a text that changed since the form). */
    onAgree() {
      const self = this as unknown as Self;
      const state = stateOf(this);
      if (!state.consentText) return;
      if (!state.flow) return startFlow(self);
      state.flow.agree(state.consentText);
      void state.flow.run({ supersede: true });
    },
    /** Declining is always possible and costs nothing: the alternative is offered, no face API runs. */
    onDecline() {
      const self = this as unknown as Self;
      const state = stateOf(this);
      state.flow?.dispose();
      state.flow = null;
      self.setData({ ...declinedView(), offerAlternative: true });
      self.triggerEvent('canceled', { by: 'user', verificationId: state.verificationId });
    },
    /** Read the text again after declining. */
    onReread() {
      setUp(this as unknown as Self);
    },
    /** The other way to verify: an open session ends (ALTERNATIVE_CHOSEN), then the alternative opens. */
    async onAlternative() {
      const self = this as unknown as Self;
      const state = stateOf(this);
      const verificationId = state.verificationId;
      const flow = state.flow;
      state.flow = null;
      if (flow) {
        await flow.chooseAlternative();
        flow.dispose();
      } else if (verificationId) {
        // declined or not yet run: the session is still told, so it is counted and cannot be continued
        await servicesOf(self)
          .api.chooseAlternative(verificationId)
          .catch(() => null);
      }
      // the identity is not needed any more
      state.identity = null;
      self.setData({ ...emptyIdentityForm() });
      const opened = await openAlternative(wx as never, state.options);
      self.setData({ alternativeNotice: opened.notice });
      self.triggerEvent('alternative', { kind: opened.kind, target: opened.target, verificationId });
    },
    onRetry() {
      const self = this as unknown as Self;
      const state = stateOf(this);
      if (!state.consentText && !state.businessStarted) return setUp(self);
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
