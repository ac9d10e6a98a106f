import { checkLoginCode } from '@facegate/domain';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { mapThrown, toRequestError } from '../domain-error.mapper';
import { rateLimited } from '../errors';

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
    args: {
      code: t.arg.string({ required: true }),
      app: t.arg.string({
        description:
          "The mini program signing in: its WeChat appid (wx.getAccountInfoSync().miniProgram.appId) or its FaceGate app id. Omitted: the `default` app. The code is exchanged with that app's credentials; the token is bound to it.",
      }),
    },
    resolve: async (_root, { code, app }, ctx) => {
      const { services } = ctx;
      // a malformed code is refused before it uses up the address's allowance
      const malformed = checkLoginCode(code);
      if (malformed) throw toRequestError(malformed);
      const wait = await services.rateLimits.signIn(ctx.clientAddress);
      if (wait > 0) throw rateLimited(wait);
      const result = await mapThrown(() => services.signIn.execute({ code, app: app ?? null }));
      if (!result.ok) throw toRequestError(result.error);
      return services.userTokens.issue(result.value.openid, services.clock.now(), result.value.app);
    },
  }),
);
