/**
 * Consent and the other way to verify, as the mini program handles them (PIPL art. 28-29 and 31; the 2025 face
 * recognition measures): the text comes from the gateway, which records a receipt for the version the user
 * agreed to; the alternative is offered before the face check and after every failure.
 */
import { GatewayRequestError } from './graphql-client';
import type { UserMessage } from './messages';
import type {
  ConsentKind,
  ConsentTextData,
  VerificationAlternativeData,
  VerificationOptionsData,
} from './privacy-types';

export const DEFAULT_ALTERNATIVE_LABEL = '使用其他方式验证';
/** Shown when the operator configured neither an alternative nor a contact text. */
export const DEFAULT_CONTACT = '如需使用其他方式完成验证，请联系本小程序的客服。';

/** The gateway's word for an error: its `extensions.code`, or the rule/reason of a BAD_USER_INPUT. */
function reasonsOf(error: unknown): string[] {
  if (!(error instanceof GatewayRequestError)) return [];
  const { rule, reason } = error.extensions;
  return [error.code, rule, reason].filter((r): r is string => typeof r === 'string');
}

export interface ConsentRequired {
  /** The version to show now; null when the operator has published none. */
  readonly currentVersion: string | null;
  readonly kind: ConsentKind;
}

/** CONSENT_REQUIRED: no, an unknown or an outdated version was sent; the gateway names the text to show. */
export function consentRequiredOf(error: unknown): ConsentRequired | null {
  if (!reasonsOf(error).includes('CONSENT_REQUIRED')) return null;
  const ext = (error as GatewayRequestError).extensions;
  return {
    currentVersion: typeof ext.currentVersion === 'string' ? ext.currentVersion : null,
    kind: ext.consentKind === 'GUARDIAN' ? 'GUARDIAN' : 'STANDARD',
  };
}

export const MINOR_NEEDS_GUARDIAN_TEXT =
  '未满十四周岁的用户需由监护人陪同并同意后方可进行人脸核身，请使用其他方式验证或联系客服。';

/** MINOR_NEEDS_GUARDIAN: the holder is under 14 and this deployment refuses minors. The gateway's zh-CN text. */
export function minorRefusalOf(error: unknown): UserMessage | null {
  if (!reasonsOf(error).includes('MINOR_NEEDS_GUARDIAN')) return null;
  const zh = (error as GatewayRequestError).extensions.messageZh;
  return {
    code: 'MINOR_NEEDS_GUARDIAN',
    text: typeof zh === 'string' && zh !== '' ? zh : MINOR_NEEDS_GUARDIAN_TEXT,
    retryable: false,
  };
}

export const NO_CONSENT_TEXT: UserMessage = {
  code: 'CONSENT_UNAVAILABLE',
  text: '暂时无法获取个人信息处理告知，请稍后重试',
  retryable: true,
};

export type Language = 'zh' | 'en';

/** The mini program's language (WeChat's setting): English when it is English, else Chinese. */
export function languageOf(wxApi: unknown): Language {
  const api = wxApi as {
    getAppBaseInfo?: () => { language?: string };
    getSystemInfoSync?: () => { language?: string };
  } | null;
  let language: string | undefined;
  try {
    language = api?.getAppBaseInfo?.()?.language ?? api?.getSystemInfoSync?.()?.language;
  } catch {
    language = undefined;
  }
  return typeof language === 'string' && /^en/i.test(language) ? 'en' : 'zh';
}

/** What the consent screen shows: the text in the user's language when the operator published it. */
export interface ConsentView {
  readonly version: string;
  readonly kind: ConsentKind;
  readonly language: Language;
  readonly title: string;
  readonly purpose: string;
  readonly paragraphs: readonly string[];
  readonly agreeLabel: string;
  readonly declineLabel: string;
  readonly checkboxLabel: string;
}

const LABELS = {
  zh: {
    STANDARD: '个人信息及人脸信息处理告知与同意',
    GUARDIAN: '监护人同意：未满十四周岁用户的人脸信息处理',
    agree: '同意并开始核验',
    decline: '不同意',
    checkbox: '我已阅读并同意《个人信息及人脸信息处理告知与同意》',
    purpose: '处理目的：',
  },
  en: {
    STANDARD: 'Notice and consent: personal and face information',
    GUARDIAN: "Guardian's consent: face information of a child under 14",
    agree: 'Agree and start',
    decline: 'Decline',
    checkbox: 'I have read and agree to the notice above',
    purpose: 'Purpose: ',
  },
} as const;

export function consentViewOf(text: ConsentTextData, language: Language): ConsentView {
  const lang: Language = language === 'en' && text.textEn ? 'en' : 'zh';
  const body = lang === 'en' && text.textEn ? text.textEn : text.textZh;
  const labels = LABELS[lang];
  return {
    version: text.version,
    kind: text.kind,
    language: lang,
    title: labels[text.kind],
    purpose: `${labels.purpose}${text.purpose}`,
    paragraphs: body
      .split(/\n+/)
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    agreeLabel: labels.agree,
    declineLabel: labels.decline,
    checkboxLabel: labels.checkbox,
  };
}

/** The alternative as the component offers it: a button with the operator's label, or whom to contact. */
export interface AlternativeView {
  /** The button's label; '' when there is no alternative to open. */
  readonly alternativeLabel: string;
  /** Shown when there is no alternative: the operator's contact text. */
  readonly alternativeContact: string;
}

export function alternativeViewOf(options: VerificationOptionsData | null): AlternativeView {
  const alternative = options?.alternative ?? null;
  if (alternative) {
    return { alternativeLabel: alternative.label || DEFAULT_ALTERNATIVE_LABEL, alternativeContact: '' };
  }
  return { alternativeLabel: '', alternativeContact: options?.contact || DEFAULT_CONTACT };
}

/** What opening the alternative did. */
export type AlternativeOpened =
  | { readonly kind: 'PAGE'; readonly target: string; readonly notice: '' }
  /** A web page: a mini program can open only its own business domains in a web-view, so the link is copied. */
  | { readonly kind: 'URL'; readonly target: string; readonly notice: string }
  | { readonly kind: 'NONE'; readonly target: ''; readonly notice: string };

type WxNavigation = {
  navigateTo(options: { url: string; success?: () => void; fail?: (e: { errMsg: string }) => void }): void;
  setClipboardData?(options: {
    data: string;
    success?: () => void;
    fail?: (e: { errMsg: string }) => void;
  }): void;
};

const call = <O extends { success?: () => void; fail?: (e: { errMsg: string }) => void }>(
  fn: (options: O) => void,
  options: Omit<O, 'success' | 'fail'>,
): Promise<boolean> =>
  new Promise((resolve) => {
    try {
      fn({ ...options, success: () => resolve(true), fail: () => resolve(false) } as unknown as O);
    } catch {
      resolve(false);
    }
  });

/**
 * Opens the alternative: a page of this mini program with wx.navigateTo; a web page's link copied with
 * wx.setClipboardData and a sentence saying so (a web-view can open only domains the mini program registered,
 * which a FaceGate deployment cannot know). Without an alternative: the contact text.
 */
export async function openAlternative(
  wxApi: WxNavigation,
  options: VerificationOptionsData | null,
): Promise<AlternativeOpened> {
  const alternative: VerificationAlternativeData | null = options?.alternative ?? null;
  if (!alternative) {
    return { kind: 'NONE', target: '', notice: options?.contact || DEFAULT_CONTACT };
  }
  if (alternative.kind === 'PAGE') {
    const url = alternative.target.startsWith('/') ? alternative.target : `/${alternative.target}`;
    await call(wxApi.navigateTo.bind(wxApi), { url });
    return { kind: 'PAGE', target: url, notice: '' };
  }
  const copied = wxApi.setClipboardData
    ? await call(wxApi.setClipboardData.bind(wxApi), { data: alternative.target })
    : false;
  return {
    kind: 'URL',
    target: alternative.target,
    notice: copied
      ? `链接已复制，请在浏览器中打开以使用其他方式验证：${alternative.target}`
      : `请在浏览器中打开以下链接以使用其他方式验证：${alternative.target}`,
  };
}
