import type { IdentityStatus } from '@facegate/domain';
import { auditTarget } from '@facegate/domain';
import { auditRequest } from '../audit';
import { requireScope, serviceApp } from '../authorization';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { toRequestError } from '../domain-error.mapper';

const IdentityStatusRef = builder.objectRef<IdentityStatus>('IdentityStatus').implement({
  description: 'Whether a WeChat user has passed a verification. Carries no personal data.',
  fields: (t) => ({
    openid: t.exposeString('openid'),
    app: t.exposeString('app', { description: 'The app (mini program) the openid belongs to' }),
    verified: t.boolean({ resolve: (s) => s.latest !== null }),
    verifiedAt: t.field({
      type: DateTimeScalar,
      nullable: true,
      resolve: (s) => s.latest?.verifiedAt ?? null,
    }),
    verificationId: t.id({ nullable: true, resolve: (s) => s.latest?.id ?? null }),
  }),
});

builder.queryField('identityStatus', (t) =>
  t.field({
    type: IdentityStatusRef,
    description: 'Services with verifications:read',
    args: {
      openid: t.arg.string({ required: true }),
      app: t.arg.string({
        description:
          "The app the openid belongs to (the same openid in another app is another person); default the key's only app, else `default`",
      }),
    },
    resolve: async (_root, { openid, app }, ctx) => {
      const viewer = requireScope(ctx.viewer, 'verifications:read');
      const result = await ctx.services.getIdentityStatus.execute({ openid, app: serviceApp(viewer, app) });
      if (!result.ok) throw toRequestError(result.error);
      // the openid as a keyed HMAC: the trail names whose status was read, never the openid itself
      const latest = result.value.latest;
      auditRequest(ctx, 'identity-status.read', [
        auditTarget('openid-hmac', ctx.services.digests.hmacHex('openid', openid)),
        ...(latest ? [auditTarget('session', latest.id)] : []),
      ]);
      return result.value;
    },
  }),
);
