import { ConfigError } from '../config/env';

/** The WeChat sandbox's module, as sandbox mode uses it. */
export type SandboxModule = typeof import('@facegate/wechat-sandbox');

/**
 * Loads the WeChat sandbox only when sandbox mode needs it: it is an optional dependency, left out of the
 * production image (`pnpm deploy --no-optional`), where a fake WeChat has no business. Without it, sandbox
 * mode stops with one line saying what to set instead.
 */
export async function loadSandboxModule(): Promise<SandboxModule> {
  try {
    return await import('@facegate/wechat-sandbox');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      'WECHAT_APP_ID',
      'unset, so sandbox mode, but this installation leaves the WeChat sandbox (@facegate/wechat-sandbox) out: set WECHAT_APP_ID and WECHAT_APP_SECRET, or run from the repository for sandbox mode',
    );
  }
}
