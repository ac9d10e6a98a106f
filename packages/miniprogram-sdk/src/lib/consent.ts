/**
 * 个人信息/人脸信息处理告知与同意. Shown, and explicitly agreed to, before any face API is called
 * (个人信息保护法 第十四、二十八、二十九条: sensitive personal information needs separate consent).
 * Bump CONSENT_VERSION whenever the text changes so earlier agreement no longer counts.
 */
export const CONSENT_VERSION = '2025-01';

export const CONSENT_TITLE = '个人信息及人脸信息处理告知与同意';

export const CONSENT_PARAGRAPHS: readonly string[] = [
  '为核验您的身份，我们需要处理您的姓名、居民身份证号码和人脸图像（人脸信息属于敏感个人信息）。',
  '处理目的与方式：您的姓名和身份证号码将发送至我们的核验服务，并由微信人脸核身服务与权威数据源比对；人脸图像由微信客户端采集并直接交由微信处理，我们不接收、不保存您的人脸图像。',
  '保存期限：核验结束后，我们仅保存核验结果、脱敏后的姓名与证件号（如 张*、1101**********002X）及不可逆的摘要，不保存明文姓名和身份证号码。',
  '您可以拒绝同意，但将无法完成本次人脸核验；您可随时通过本小程序的客服渠道查询、更正或删除您的个人信息，或撤回同意。',
  '点击“同意”即表示您已阅读并单独同意上述人脸信息处理规则。',
];

export const CONSENT_AGREE_LABEL = '我已阅读并同意《个人信息及人脸信息处理告知与同意》';

let agreedVersion: string | null = null;

/**
 * The user's agreement, for this app launch only (in memory): a business-started session asks once, and the
 * form's checkbox counts. Bump CONSENT_VERSION and earlier agreement no longer counts.
 */
export const consentStore = {
  record(version: string = CONSENT_VERSION): void {
    agreedVersion = version;
  },
  has(version: string = CONSENT_VERSION): boolean {
    return agreedVersion === version;
  },
  clear(): void {
    agreedVersion = null;
  },
};
