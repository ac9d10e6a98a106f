import type { VerificationSessionSnapshot } from '@facegate/domain';
import { requireScope } from './authorization';
import { builder } from './builder';
import { DateTimeScalar } from './date-time.scalar';
import { badUserInput } from './errors';

interface IdentityStatusShape {
  readonly openid: string;
  readonly latest: VerificationSessionSnapshot | null;
}

const IdentityStatusRef = builder.objectRef<IdentityStatusShape>('IdentityStatus').implement({
  description: 'Whether a WeChat user has passed a verification. Carries no personal data.',
  fields: (t) => ({
    openid: t.exposeString('openid'),
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
    args: { openid: t.arg.string({ required: true }) },
    resolve: async (_root, { openid }, ctx) => {
      requireScope(ctx.viewer, 'verifications:read');
      if (openid.trim() === '' || openid.length > 128 || openid.includes('\u0000')) {
        throw badUserInput('openid', 'OPENID_FORMAT', 'openid must be 1-128 characters');
      }
      return { openid, latest: await ctx.services.repository.findLatestVerified(openid) };
    },
  }),
);
