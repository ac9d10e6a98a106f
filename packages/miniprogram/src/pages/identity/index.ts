import { CONSENT_AGREE_LABEL, CONSENT_PARAGRAPHS, CONSENT_TITLE, CONSENT_VERSION } from '../../lib/consent';
import { flowStore } from '../../lib/flow.store';
import { emptyIdentityForm, type IdentityForm, submissionOf, viewOf } from './identity.logic';

const VERIFY_PAGE = '/pages/verify/index';

interface IdentityData extends IdentityForm {
  nameError: string;
  idCardNumberError: string;
  consentError: string;
  canSubmit: boolean;
  submitted: boolean;
  redirecting: boolean;
  consentTitle: string;
  consentParagraphs: readonly string[];
  consentAgreeLabel: string;
}

type Self = { data: IdentityData; setData(patch: Partial<IdentityData>): void };

function formOf(data: IdentityData): IdentityForm {
  return { name: data.name, idCardNumber: data.idCardNumber, consent: data.consent, touched: data.touched };
}

function update(self: Self, patch: Partial<IdentityForm>, submitted = self.data.submitted): void {
  const form = { ...formOf(self.data), ...patch };
  self.setData({ ...patch, ...viewOf(form, new Date(), submitted), submitted });
}

Component({
  data: {
    ...emptyIdentityForm(),
    nameError: '',
    idCardNumberError: '',
    consentError: '',
    canSubmit: false,
    submitted: false,
    redirecting: false,
    consentTitle: CONSENT_TITLE,
    consentParagraphs: CONSENT_PARAGRAPHS,
    consentAgreeLabel: CONSENT_AGREE_LABEL,
  } as IdentityData,
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      // A business backend started the session: nothing is typed here, go straight to the check.
      const verificationId = query?.verificationId;
      if (verificationId) {
        this.setData({ redirecting: true });
        wx.redirectTo({ url: `${VERIFY_PAGE}?verificationId=${encodeURIComponent(verificationId)}` });
      }
    },
    onNameInput(e: WechatMiniprogram.Input) {
      update(this as unknown as Self, { name: e.detail.value });
    },
    onNameBlur() {
      const self = this as unknown as Self;
      update(self, { touched: { ...self.data.touched, name: true } });
    },
    onIdCardNumberInput(e: WechatMiniprogram.Input) {
      update(this as unknown as Self, { idCardNumber: e.detail.value });
    },
    onIdCardNumberBlur() {
      const self = this as unknown as Self;
      update(self, { touched: { ...self.data.touched, idCardNumber: true } });
    },
    onConsentChange(e: WechatMiniprogram.CustomEvent<{ value: string[] }>) {
      update(this as unknown as Self, { consent: (e.detail.value ?? []).includes('agree') });
    },
    onSubmit() {
      const self = this as unknown as Self;
      const identity = submissionOf(formOf(self.data));
      if (!identity) {
        update(self, {}, true);
        return;
      }
      flowStore.setIdentity(identity);
      flowStore.recordConsent(CONSENT_VERSION);
      wx.navigateTo({ url: VERIFY_PAGE });
    },
  },
});
