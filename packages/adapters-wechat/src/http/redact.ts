/** Query parameters whose values are secrets: WeChat puts the access token and the app secret in URLs. */
const SECRET_QUERY_PARAMS = new Set(['access_token', 'secret', 'js_code', 'appsecret']);

/**
 * A URL safe to log: secret query values replaced. Unparseable input is reduced to a placeholder rather than
 * echoed, since it may be anything.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[unparseable url]';
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_PARAMS.has(key.toLowerCase())) parsed.searchParams.set(key, 'REDACTED');
  }
  return parsed.toString();
}
