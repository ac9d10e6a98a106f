import { describeFailure, FAILURE_CODES, type FailureCode } from '@facegate/domain';
import type { Lang } from './i18n-lang';

const KNOWN: ReadonlySet<string> = new Set(FAILURE_CODES);

/**
 * The reason a verification attempt failed, in the operator's language: the one formatter every page uses
 * (Failures, Sessions, a session's timeline), read from the domain's failure taxonomy, the same table the
 * gateway answers the mini program from. A code this build does not know (a newer gateway) shows as itself.
 */
export function failureReason(code: string, lang: Lang): string {
  if (!KNOWN.has(code)) return code;
  const description = describeFailure(code as FailureCode);
  if (lang === 'zh-CN') return description.zh;
  // the taxonomy's English is a sentence fragment for logs; a table cell starts with a capital
  return description.en.charAt(0).toUpperCase() + description.en.slice(1);
}
