import {
  type LoginAnswer,
  type LoginPort,
  SANDBOX_DEVTOOLS_OPENID,
  SandboxDevToolsLogin,
  SignIn,
} from '@facegate/domain';
import { describe, expect, it } from 'vitest';

/** The sandbox's login as the gateway sees it: codes it issued, and its refusals for everything else. */
class SandboxLogins implements LoginPort {
  constructor(private readonly answers: Record<string, LoginAnswer>) {}
  async exchange(code: string): Promise<LoginAnswer> {
    return this.answers[code] ?? { ok: false, refusal: 'CODE_INVALID', upstreamCode: 40029 };
  }
}

const sandbox = new SandboxLogins({
  issued: { ok: true, openid: 'o_phone_user' },
  used: { ok: false, refusal: 'CODE_USED', upstreamCode: 40163 },
  blocked: { ok: false, refusal: 'USER_BLOCKED', upstreamCode: 40226 },
});

describe('SandboxDevToolsLogin (sandbox mode only)', () => {
  const signIn = new SignIn({ login: new SandboxDevToolsLogin(sandbox) });

  it('signs any code the sandbox never issued (a DevTools wx.login) in as the one labelled test user', async () => {
    for (const code of ['0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P', 'devtools-mock-code', 'another-code-000']) {
      expect(await signIn.execute({ code })).toEqual({
        ok: true,
        value: { openid: SANDBOX_DEVTOOLS_OPENID, app: 'default' },
      });
    }
    expect(SANDBOX_DEVTOOLS_OPENID).toMatch(/^sandbox-devtools-/);
  });

  it('leaves the sandbox its own users and refusals: issued codes, used codes, blocked users', async () => {
    expect(await signIn.execute({ code: 'issued' })).toEqual({
      ok: true,
      value: { openid: 'o_phone_user', app: 'default' },
    });
    const used = await signIn.execute({ code: 'used' });
    expect(used.ok || used.error.code).toBe('INVALID_INPUT');
    const blocked = await signIn.execute({ code: 'blocked' });
    expect(blocked.ok || blocked.error.code).toBe('LOGIN_REFUSED');
  });

  it('without it (production), an unknown code is refused as invalid', async () => {
    const plain = await new SignIn({ login: sandbox }).execute({ code: 'devtools-mock-code' });
    expect(plain.ok).toBe(false);
    expect(plain.ok || [plain.error.code, 'field' in plain.error && plain.error.field]).toEqual([
      'INVALID_INPUT',
      'code',
    ]);
  });
});
