import type { LoginPort, LoginRefusal } from '../ports/login.port.js';
import { err, ok, type Result } from '../shared/result.js';
import { InvalidInputError } from '../verification/verification.errors.js';
import { checkLoginCode } from './command-validation.js';

/** WeChat refused the login code: why, and its raw code. */
export class LoginRefusedError extends Error {
  readonly code = 'LOGIN_REFUSED' as const;
  constructor(
    readonly refusal: LoginRefusal,
    readonly upstreamCode: number,
  ) {
    super(`WeChat refused the login (${refusal})`);
    this.name = 'LoginRefusedError';
  }
}

export type SignInError = InvalidInputError | LoginRefusedError;

/** A wx.login code for the user's openid. Issuing a token for it is the caller's business. */
export class SignIn {
  constructor(private readonly deps: { readonly login: LoginPort }) {}

  async execute(command: { readonly code: string }): Promise<Result<{ openid: string }, SignInError>> {
    const invalid = checkLoginCode(command.code);
    if (invalid) return err(invalid);
    const answer = await this.deps.login.exchange(command.code);
    if (!answer.ok) {
      if (answer.refusal === 'CODE_INVALID' || answer.refusal === 'CODE_USED') {
        return err(
          new InvalidInputError(
            'code',
            answer.refusal,
            answer.refusal === 'CODE_USED'
              ? 'the wx.login code was already used; call wx.login again'
              : 'the wx.login code is invalid or expired; call wx.login again',
          ),
        );
      }
      return err(new LoginRefusedError(answer.refusal, answer.upstreamCode));
    }
    return ok({ openid: answer.openid });
  }
}
