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
export const NAME_RULES = ['NAME_REQUIRED', 'NAME_TOO_SHORT', 'NAME_TOO_LONG', 'NAME_CHARACTERS'] as const;

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
