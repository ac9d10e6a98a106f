import { type AppDirectory, DEFAULT_APP, unknownAppError } from '../apps/app.js';
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

export interface SignInCommand {
  readonly code: string;
  /**
   * The mini program signing in: its WeChat appid (what wx.getAccountInfoSync() tells it) or its FaceGate app
   * id. Omitted: DEFAULT_APP, so mini programs built before apps keep working.
   */
  readonly app?: string | null;
}

/**
 * A wx.login code for the user's openid within one app: the code is exchanged with that app's credentials, so a
 * code from another mini program is refused by WeChat. Issuing a token for it is the caller's business.
 */
export class SignIn {
  constructor(
    private readonly deps: {
      readonly login: LoginPort;
      readonly apps?: AppDirectory;
      /**
       * Sandbox mode only: the app an appid the directory does not know signs in to (WeChat DevTools runs an
       * unapproved mini program as its tourist appid). Production never sets it: an unknown app is refused.
       */
      readonly unknownAppFallback?: string;
    },
  ) {}

  async execute(command: SignInCommand): Promise<Result<{ openid: string; app: string }, SignInError>> {
    const invalid = checkLoginCode(command.code);
    if (invalid) return err(invalid);
    const named = command.app ?? DEFAULT_APP;
    if (typeof named !== 'string' || named.length > 64) return err(unknownAppError());
    const app = this.deps.apps ? (this.deps.apps.resolve(named)?.id ?? this.deps.unknownAppFallback) : named;
    if (app === undefined) return err(unknownAppError());
    const answer = await this.deps.login.exchange(command.code, app);
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
    return ok({ openid: answer.openid, app });
  }
}
