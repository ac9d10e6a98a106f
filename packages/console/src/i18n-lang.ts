/** The console's languages; the first is the default. Also the BCP 47 tags handed to Intl. */
export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];
