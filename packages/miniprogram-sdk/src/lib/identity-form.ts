import { PersonName, ResidentIdNumber } from '@facegate/domain';

/**
 * The identity the user typed, handed from the form to the flow. In memory only: the name and ID number are
 * never written to wx storage (which persists on the device in clear) and never put in a page URL.
 */
export interface PendingIdentity {
  readonly name: string;
  readonly idCardNumber: string;
}

/** The identity form as the component holds it. */
export interface IdentityForm {
  readonly name: string;
  readonly idCardNumber: string;
  readonly consent: boolean;
  /** Fields the user has left at least once (errors show after that, or on submit). */
  readonly touched: { readonly name: boolean; readonly idCardNumber: boolean };
}

export interface IdentityView {
  readonly nameError: string;
  readonly idCardNumberError: string;
  readonly consentError: string;
  readonly canSubmit: boolean;
}

export interface FieldCheck {
  readonly ok: boolean;
  /** The normalized value (trimmed; ID number upper-case X) when ok. */
  readonly value: string;
  /** The rule's zh-CN message when not ok. */
  readonly error: string;
}

export function checkName(input: string): FieldCheck {
  const parsed = PersonName.parse(input);
  return parsed.ok
    ? { ok: true, value: parsed.value.value, error: '' }
    : { ok: false, value: '', error: parsed.error.messageZh };
}

export function checkIdCardNumber(input: string, today: Date = new Date()): FieldCheck {
  const parsed = ResidentIdNumber.parse(input, today);
  return parsed.ok
    ? { ok: true, value: parsed.value.value, error: '' }
    : { ok: false, value: '', error: parsed.error.messageZh };
}

export const emptyIdentityForm = (): IdentityForm => ({
  name: '',
  idCardNumber: '',
  consent: false,
  touched: { name: false, idCardNumber: false },
});

/**
 * Live validation: a field's error shows once the user has typed in it and left it, or tried to submit,
 * and disappears as soon as the input is valid.
 */
export function viewOf(form: IdentityForm, today: Date = new Date(), submitted = false): IdentityView {
  const name = checkName(form.name);
  const id = checkIdCardNumber(form.idCardNumber, today);
  const showName = submitted || form.touched.name;
  const showId = submitted || form.touched.idCardNumber;
  return {
    nameError: showName && !name.ok ? name.error : '',
    idCardNumberError: showId && !id.ok ? id.error : '',
    consentError: submitted && !form.consent ? '请先阅读并同意个人信息及人脸信息处理规则' : '',
    canSubmit: name.ok && id.ok && form.consent,
  };
}

/** The identity to verify, or null when the form must not be submitted. */
export function submissionOf(form: IdentityForm, today: Date = new Date()): PendingIdentity | null {
  const name = checkName(form.name);
  const id = checkIdCardNumber(form.idCardNumber, today);
  if (!name.ok || !id.ok || !form.consent) return null;
  return { name: name.value, idCardNumber: id.value };
}
