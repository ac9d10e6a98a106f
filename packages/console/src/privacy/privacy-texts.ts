/**
 * The console's words for issue 20 (consent, the alternative, redaction, the filing threshold), zh-CN and
 * English, in the console's current language. Kept beside the main dictionary so the two grow apart cleanly.
 */
import { type Lang, useI18n } from '../i18n';

const zh = {
  consent: '告知同意',
  consentTexts: '告知文本',
  consentReceipts: '同意凭证',
  receiptId: '凭证 ID',
  version: '版本',
  acceptedAt: '同意时间',
  guardian: '监护人同意',
  withdrawnAt: '撤回时间',
  yes: '是',
  no: '否',
  noReceipts: '此会话没有同意凭证（未同意，未进行人脸核验）',
  kind: '类型',
  STANDARD: '本人',
  GUARDIAN: '监护人（未满十四周岁）',
  purpose: '处理目的',
  publishedAt: '发布时间',
  sha256: 'SHA-256',
  current: '当前',
  textZh: '中文文本',
  textEn: '英文文本（可选）',
  publish: '发布',
  publishTitle: '发布新的告知文本',
  publishNote: '文本发布后不可修改：修改即发布新版本。新版本立即成为当前版本，之前的同意不再适用于新会话。',
  published: '已发布',
  noTexts: '尚未发布告知文本（使用内置默认文本）',
  versionRule: '版本号为 1-32 位字母、数字或 . _ -',
  required: '必填',
  alternativeChosen: '选择其他方式',
  redact: '删除个人信息',
  redactNote:
    '删除此会话中的 openid、脱敏姓名与证件号、客户端参考号等个人信息，未结束的会话将先被取消。此操作不可撤销；同意凭证按法律要求保留。',
  redactConfirmLabel: '请输入会话 ID 以确认',
  redactConfirm: '确认删除',
  redactMismatch: '输入的会话 ID 不一致',
  redacted: '个人信息已删除',
  redactedAt: '删除时间',
  cancel: '取消',
  distinctPeople: '已处理人数（不同身份证号）',
  filingThreshold: '备案门槛',
  filingNote: '依据《人脸识别技术应用安全管理办法》，存储人脸信息达 10 万人时，应向所在地省级网信部门备案。',
  filingReached: '已达到备案门槛：请向省级网信部门办理备案。',
};

type PrivacyKey = keyof typeof zh;

const en: Record<PrivacyKey, string> = {
  consent: 'Consent',
  consentTexts: 'Consent texts',
  consentReceipts: 'Consent receipts',
  receiptId: 'Receipt ID',
  version: 'Version',
  acceptedAt: 'Accepted at',
  guardian: 'Guardian',
  withdrawnAt: 'Withdrawn at',
  yes: 'Yes',
  no: 'No',
  noReceipts: 'No consent receipt for this session (not accepted; no face check ran)',
  kind: 'Kind',
  STANDARD: 'Holder',
  GUARDIAN: 'Guardian (holder under 14)',
  purpose: 'Purpose',
  publishedAt: 'Published at',
  sha256: 'SHA-256',
  current: 'current',
  textZh: 'Chinese text',
  textEn: 'English text (optional)',
  publish: 'Publish',
  publishTitle: 'Publish a new consent text',
  publishNote:
    'A published text never changes: a change is a new version. The new version is current at once; earlier consent does not count for new sessions.',
  published: 'Published',
  noTexts: 'No consent text published yet (the built-in default is in use)',
  versionRule: 'The version is 1-32 letters, digits or . _ -',
  required: 'Required',
  alternativeChosen: 'Alternative chosen',
  redact: 'Redact personal data',
  redactNote:
    "Removes this session's openid, masked name and ID number, client reference and other personal fields; an open session is canceled first. This cannot be undone; consent receipts are kept as the law requires.",
  redactConfirmLabel: 'Type the session ID to confirm',
  redactConfirm: 'Redact',
  redactMismatch: 'The session ID does not match',
  redacted: 'Personal data redacted',
  redactedAt: 'Redacted at',
  cancel: 'Cancel',
  distinctPeople: 'People processed (distinct ID numbers)',
  filingThreshold: 'Filing threshold',
  filingNote:
    'The 2025 face recognition measures: file with the provincial CAC once face information of 100,000 people is held.',
  filingReached: 'The filing threshold is reached: file with the provincial CAC.',
};

export const PRIVACY_MESSAGES: Record<Lang, Record<PrivacyKey, string>> = { 'zh-CN': zh, en };

export type { PrivacyKey };

/** `p(key)` in the console's language, plus the console's own i18n (t, date, lang). */
export function usePrivacyI18n() {
  const i18n = useI18n();
  return { ...i18n, p: (key: PrivacyKey) => PRIVACY_MESSAGES[i18n.lang][key] };
}
