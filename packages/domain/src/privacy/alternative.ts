/**
 * The other way to verify (the 2025 face recognition measures, art. 10: where another way reaches the same
 * purpose, the face must not be the only one). The operator names it; FaceGate offers it before the face
 * check and after every failure, and records when it is chosen.
 */
import { err, ok, type Result } from '../shared/result.js';

export type VerificationAlternative =
  /** A page of the mini program, e.g. /pages/counter/index. */
  | { readonly kind: 'PAGE'; readonly target: string; readonly label: string }
  /** A web page (https only). */
  | { readonly kind: 'URL'; readonly target: string; readonly label: string };

export const DEFAULT_ALTERNATIVE_LABEL = '使用其他方式验证';

const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]{1,253}(:\d{1,5})?([/?#][\x21-\x7e]{0,2000})?$/i;
const PAGE_PATH = /^\/?[A-Za-z0-9_\-./]{1,200}(\?[A-Za-z0-9_\-.=&%]{0,200})?$/;

/** Parses FACEGATE_ALTERNATIVE: a mini program page path or an https URL. The error names the rule. */
export function parseAlternative(target: string, label: string): Result<VerificationAlternative, string> {
  const trimmedLabel = label.trim();
  if (trimmedLabel === '' || trimmedLabel.length > 40) return err('the label must be 1-40 characters');
  if (/^https:\/\//i.test(target)) {
    // The domain has no URL parser (it also runs in the mini program): a host, then an optional path.
    if (!HTTPS_URL.test(target)) return err('the URL is not a valid https URL (no credentials, no spaces)');
    return ok({ kind: 'URL', target, label: trimmedLabel });
  }
  if (/^[a-z]+:/i.test(target)) return err('only https URLs or mini program page paths are allowed');
  if (!PAGE_PATH.test(target) || target.includes('..'))
    return err('the page path is not a mini program page path');
  return ok({ kind: 'PAGE', target: target.startsWith('/') ? target : `/${target}`, label: trimmedLabel });
}
