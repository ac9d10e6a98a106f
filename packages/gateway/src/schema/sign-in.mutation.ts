import { WeChatLoginError } from '@facegate/adapters-wechat/http';
import { builder } from './builder';
import { DateTimeScalar } from './date-time.scalar';
import { mapThrown } from './domain-error.mapper';
import { badUserInput, forbidden, rateLimited, upstreamUnavailable } from './errors';

const SignInPayloadRef = builder.objectRef<{ token: string; expiresAt: Date }>('SignInPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as Authorization: Bearer <token>' }),
    expiresAt: t.field({ type: DateTimeScalar, resolve: (p) => p.expiresAt }),
  }),
});

builder.mutationField('signIn', (t) =>
  t.field({
    type: SignInPayloadRef,
    description: 'Exchanges a wx.login code for a short-lived FaceGate token.',
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => {
      const { services } = ctx;
      if (!/^[\x21-\x7e]{1,256}$/.test(code)) {
        throw badUserInput('code', 'CODE_FORMAT', 'code must be the code from wx.login');
      }
      const wait = await services.rateLimits.signIn(ctx.clientAddress);
      if (wait > 0) throw rateLimited(wait);
      let openid: string;
      try {
        ({ openid } = await mapThrown(() => services.wechat.code2Session(code)));
      } catch (error) {
        if (!(error instanceof WeChatLoginError)) throw error;
        switch (error.code) {
          case 'INVALID_CODE':
            throw badUserInput(
              'code',
              'CODE_INVALID',
              'the wx.login code is invalid or expired; call wx.login again',
            );
          case 'CODE_USED':
            throw badUserInput(
              'code',
              'CODE_USED',
              'the wx.login code was already used; call wx.login again',
            );
          case 'RATE_LIMITED':
            throw rateLimited(60);
          case 'USER_BLOCKED':
            throw forbidden('WeChat refused this user (high risk)');
          default:
            throw upstreamUnavailable('WeChat refused the login', {
              upstreamCode: error.errcode,
              retryable: false,
            });
        }
      }
      return services.userTokens.issue(openid, services.clock.now());
    },
  }),
);
