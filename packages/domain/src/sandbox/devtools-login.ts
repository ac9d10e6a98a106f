import type { LoginAnswer, LoginPort } from '../ports/login.port.js';

/**
 * The openid every WeChat DevTools login gets from a gateway in sandbox mode: one fixed, unmistakable test
 * user (not derived from the code, which DevTools makes up anew on each wx.login).
 */
export const SANDBOX_DEVTOOLS_OPENID = 'sandbox-devtools-user';

/**
 * Sandbox mode only: WeChat DevTools without an approved AppID (the tourist AppID) hands out wx.login codes the
 * sandbox never issued. A code the sandbox does not know signs in as SANDBOX_DEVTOOLS_OPENID, so the mini
 * program can be clicked through before any approval. Every other answer (a known code, a used code, a
 * blocked user, trouble) is the sandbox's own. Production never composes this: it would let anyone sign in.
 */
export class SandboxDevToolsLogin implements LoginPort {
  constructor(private readonly sandbox: LoginPort) {}

  async exchange(code: string, app: string): Promise<LoginAnswer> {
    const answer = await this.sandbox.exchange(code, app);
    if (!answer.ok && answer.refusal === 'CODE_INVALID') return { ok: true, openid: SANDBOX_DEVTOOLS_OPENID };
    return answer;
  }
}
