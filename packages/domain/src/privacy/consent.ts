/**
 * Consent to the face check (PIPL art. 28-29 and 31; the 2025 face recognition measures): the texts an operator
 * publishes, and the receipt recorded on the server each time a person accepts one. Texts are immutable once
 * published: a change is a new version, so a receipt's version and hash always name what was shown.
 */
import { checkAppSlug } from '../apps/app.js';
import { InvalidInputError } from '../verification/verification.errors.js';

import { CONSENT_KINDS, type ConsentKind } from './consent-kind.js';

export { CONSENT_KINDS, type ConsentKind };

export interface ConsentText {
  /** Operator-chosen, e.g. 2026-12 or v3: 1-32 of [A-Za-z0-9._-]. */
  readonly version: string;
  readonly kind: ConsentKind;
  /** What the processing is for, as the text states it (recorded on every receipt). */
  readonly purpose: string;
  readonly textZh: string;
  readonly textEn: string | null;
  /** SHA-256 (lowercase hex) of the canonical form: see consentTextDigestInput. */
  readonly sha256: string;
  readonly publishedAt: Date;
  /**
   * The app whose text this is, or null for the deployment's: an app without a text of its own of a kind
   * uses the deployment's (see ConsentTextRepository.current). Not in the hash: the version, unique across
   * apps, already names the text.
   */
  readonly app: string | null;
}

export interface PublishConsentTextInput {
  readonly version: string;
  readonly kind?: ConsentKind | null;
  readonly purpose: string;
  readonly textZh: string;
  readonly textEn?: string | null;
  /** The app the text is for (a slug); null or omitted: the deployment's text. */
  readonly app?: string | null;
}

export interface ConsentReceipt {
  readonly id: string;
  readonly sessionId: string;
  /**
   * Keyed HMAC of the openid, never the openid: the receipt outlives the session's redaction (it is the proof
   * the law asks for), and whoever holds an openid can still find and prove that person's receipts.
   */
  readonly openidHmac: string;
  readonly version: string;
  readonly textSha256: string;
  readonly purpose: string;
  /** True when a guardian accepted a guardian text for a holder under 14. */
  readonly guardian: boolean;
  /** Server clock. */
  readonly acceptedAt: Date;
  /** Keyed HMAC of the address the acceptance came from, null when unknown. */
  readonly clientAddressHmac: string | null;
  readonly withdrawnAt: Date | null;
}

const VERSION = /^[A-Za-z0-9._-]{1,32}$/;
const MAX_TEXT_LENGTH = 20_000;
const MAX_PURPOSE_LENGTH = 200;
const PRINTABLE_TEXT = /^[^\p{Cc}\p{Cf}]*$/u;
const printableText = (s: string) => PRINTABLE_TEXT.test(s.replace(/[\n\t]/g, ''));

export function isConsentVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION.test(value);
}

/** What the text's SHA-256 is taken over: every field a person was shown, in a fixed order. */
export function consentTextDigestInput(t: {
  version: string;
  kind: ConsentKind;
  purpose: string;
  textZh: string;
  textEn: string | null;
}): string {
  return JSON.stringify([t.version, t.kind, t.purpose, t.textZh, t.textEn]);
}

/** Validates a text to publish; null when it is fine. Messages never contain the input. */
export function checkConsentTextInput(input: PublishConsentTextInput): InvalidInputError | null {
  if (!isConsentVersion(input.version)) {
    return new InvalidInputError('version', 'CONSENT_VERSION', 'version must be 1-32 of [A-Za-z0-9._-]');
  }
  if (input.kind != null && !CONSENT_KINDS.includes(input.kind)) {
    return new InvalidInputError('kind', 'CONSENT_KIND', 'kind must be STANDARD or GUARDIAN');
  }
  if (input.app != null) {
    const badApp = checkAppSlug(input.app);
    if (badApp) return badApp;
  }
  if (
    typeof input.purpose !== 'string' ||
    input.purpose.trim() === '' ||
    input.purpose.length > MAX_PURPOSE_LENGTH
  ) {
    return new InvalidInputError(
      'purpose',
      'CONSENT_PURPOSE',
      `purpose must be 1-${MAX_PURPOSE_LENGTH} characters`,
    );
  }
  for (const [field, text, required] of [
    ['textZh', input.textZh, true],
    ['textEn', input.textEn, false],
  ] as const) {
    if (text == null && !required) continue;
    if (
      typeof text !== 'string' ||
      text.trim() === '' ||
      text.length > MAX_TEXT_LENGTH ||
      !printableText(text)
    ) {
      return new InvalidInputError(
        field,
        'CONSENT_TEXT',
        `${field} must be 1-${MAX_TEXT_LENGTH} printable characters`,
      );
    }
  }
  if (!printableText(input.purpose)) {
    return new InvalidInputError('purpose', 'CONSENT_PURPOSE', 'purpose must be printable characters');
  }
  return null;
}

/**
 * The text FaceGate publishes when an operator has published none, so a new deployment works out of the box.
 * Production warns at start-up until the operator publishes their own (it names their organisation and
 * purpose, which FaceGate cannot know).
 */
export const DEFAULT_CONSENT_TEXTS: readonly PublishConsentTextInput[] = [
  {
    version: 'facegate-default-1',
    kind: 'STANDARD',
    purpose: '身份核验 (identity verification)',
    textZh:
      '为核验您的身份，我们将通过微信人脸核身服务，使用您的姓名、身份证号码和人脸信息进行比对。' +
      '人脸信息属于敏感个人信息，仅用于本次身份核验，不会用于其他目的；核验结果按我们的隐私政策规定的期限保存，' +
      '到期或您要求时删除。您可以拒绝，并选择其他方式完成验证；拒绝不影响您使用其他方式。点击“同意”即表示您单独同意上述处理。',
    textEn:
      'To verify your identity we will compare your name, resident ID number and face using WeChat face ' +
      'verification. Face information is sensitive personal information; it is used for this verification only. ' +
      'The result is kept for the period our privacy policy states and deleted then or when you ask. You may ' +
      'refuse and use another way to verify; refusing does not affect that other way. Tapping "Agree" is your ' +
      'separate consent to this processing.',
  },
  {
    version: 'facegate-default-guardian-1',
    kind: 'GUARDIAN',
    purpose: '身份核验 (identity verification of a child under 14, with a guardian)',
    textZh:
      '被核验人未满十四周岁。作为其监护人，您同意我们通过微信人脸核身服务，使用被核验人的姓名、身份证号码和人脸信息' +
      '进行比对，仅用于本次身份核验。您可以拒绝，并选择其他方式完成验证。点击“同意”即表示您作为监护人单独同意上述处理。',
    textEn:
      'The person being verified is under 14. As their guardian you agree that we compare their name, resident ID ' +
      'number and face using WeChat face verification, for this verification only. You may refuse and use ' +
      'another way to verify. Tapping "Agree" is your separate consent, as guardian, to this processing.',
  },
];
