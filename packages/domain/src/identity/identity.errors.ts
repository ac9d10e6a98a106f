/** Each rejection of an identity names the rule that failed. */
export const ID_NUMBER_RULES = [
  'ID_REQUIRED',
  'ID_LEGACY_15_DIGIT',
  'ID_LENGTH',
  'ID_CHARACTERS',
  'ID_PROVINCE',
  'ID_BIRTH_DATE',
  'ID_BIRTH_DATE_IN_FUTURE',
  'ID_CHECK_DIGIT',
] as const;
export const NAME_RULES = [
  'NAME_REQUIRED',
  'NAME_TOO_SHORT',
  'NAME_TOO_LONG',
  'NAME_CHARACTERS',
  /** A middle dot at the start or end, or two in a row. */
  'NAME_MIDDLE_DOT',
] as const;

export type IdNumberRule = (typeof ID_NUMBER_RULES)[number];
export type NameRule = (typeof NAME_RULES)[number];
export type IdentityRule = IdNumberRule | NameRule;

export class IdentityValidationError extends Error {
  readonly code = 'IDENTITY_INVALID' as const;
  constructor(
    readonly field: 'name' | 'idCardNumber',
    readonly rule: IdentityRule,
    /** zh-CN, shown to the user. */
    readonly messageZh: string,
    /** English, for developers and logs (never contains the input). */
    message: string,
  ) {
    super(message);
    this.name = 'IdentityValidationError';
  }
}

/** zh-CN and English text for each rule. Fixed strings: they never contain the rejected input. */
export const IDENTITY_RULE_MESSAGES: Readonly<
  Record<IdentityRule, { readonly zh: string; readonly en: string }>
> = {
  ID_REQUIRED: { zh: '请填写身份证号码', en: 'the ID card number is required' },
  ID_LEGACY_15_DIGIT: {
    zh: '不支持15位旧身份证号码，请使用18位第二代居民身份证号码',
    en: 'old 15-digit ID numbers are not supported; use the 18-character second-generation ID number',
  },
  ID_LENGTH: { zh: '身份证号码应为18位', en: 'the ID card number must have 18 characters' },
  ID_CHARACTERS: {
    zh: '身份证号码只能包含数字，最后一位可以是X',
    en: 'the ID card number may contain only digits, with an optional final X',
  },
  ID_PROVINCE: { zh: '身份证号码的地区代码无效', en: 'the ID card number has no valid province code' },
  ID_BIRTH_DATE: {
    zh: '身份证号码中的出生日期无效',
    en: 'the birth date in the ID card number is not a real date',
  },
  ID_BIRTH_DATE_IN_FUTURE: {
    zh: '身份证号码中的出生日期晚于今天',
    en: 'the birth date in the ID card number is in the future',
  },
  ID_CHECK_DIGIT: {
    zh: '身份证号码校验位不正确，请核对后重新输入',
    en: 'the check digit of the ID card number is wrong',
  },
  NAME_REQUIRED: { zh: '请填写姓名', en: 'the name is required' },
  NAME_TOO_SHORT: { zh: '姓名至少2个字', en: 'the name must have at least 2 characters' },
  NAME_TOO_LONG: { zh: '姓名不能超过30个字', en: 'the name must have at most 30 characters' },
  NAME_CHARACTERS: {
    zh: '姓名只能包含文字和间隔号“·”，不能包含数字、空格或符号',
    en: 'the name may contain only letters and the middle dot; no digits, spaces, symbols or control characters',
  },
  NAME_MIDDLE_DOT: {
    zh: '间隔号“·”只能出现在姓名中间，且不能连续',
    en: 'a middle dot may only separate parts of the name, never start or end it or repeat',
  },
};

export function identityValidationError(
  field: 'name' | 'idCardNumber',
  rule: IdentityRule,
): IdentityValidationError {
  const text = IDENTITY_RULE_MESSAGES[rule];
  return new IdentityValidationError(field, rule, text.zh, text.en);
}
