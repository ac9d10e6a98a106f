import {
  auditTarget,
  clientParamsOf,
  describeFailure,
  type VerificationFailure,
  type VerificationSessionSnapshot,
} from '@facegate/domain';
import { auditRequest } from '../audit';
import { hasScope, isOwner, loadSessionFor } from '../authorization';
import { builder } from '../builder';
import type { GatewayContext } from '../context';
import { DateTimeScalar } from '../date-time.scalar';
import {
  FailureCodeEnum,
  LivenessTypeEnum,
  VerificationProtocolEnum,
  VerificationStatusEnum,
} from '../enums';

export interface LegacyClientParamsShape {
  readonly protocol: 'LEGACY';
  readonly checkAliveType: number;
  readonly userIdKey: string | null;
  readonly name: string | null;
  readonly idCardNumber: string | null;
}
export interface V2ClientParamsShape {
  readonly protocol: 'V2';
  readonly verifyId: string;
}

export const VerificationRef = builder.objectRef<VerificationSessionSnapshot>('Verification');
const VerificationErrorRef = builder.objectRef<VerificationFailure>('VerificationError');
const LegacyClientParamsRef = builder.objectRef<LegacyClientParamsShape>('LegacyClientParams');
const V2ClientParamsRef = builder.objectRef<V2ClientParamsShape>('V2ClientParams');

VerificationErrorRef.implement({
  description: 'Why the latest attempt failed. An outcome, not a request error.',
  fields: (t) => ({
    code: t.field({ type: FailureCodeEnum, resolve: (f) => f.code }),
    message: t.string({ description: 'English, for developers', resolve: (f) => describeFailure(f.code).en }),
    messageZh: t.string({
      description: 'zh-CN, for showing to the user',
      resolve: (f) => describeFailure(f.code).zh,
    }),
    retryable: t.boolean({
      description: 'Whether another attempt of the same session may succeed',
      resolve: (f) => f.retryable,
    }),
    upstreamCode: t.int({
      nullable: true,
      description: 'The raw WeChat code (identify_ret, verify_ret, errcode or client errCode)',
      // GraphQL Int is 32-bit; a code WeChat should never send (9e15) must not fail the whole answer
      resolve: (f) =>
        f.upstreamCode !== null && Number.isInteger(f.upstreamCode) && Math.abs(f.upstreamCode) < 2 ** 31
          ? f.upstreamCode
          : null,
    }),
  }),
});

LegacyClientParamsRef.implement({
  description:
    'For wx.startFacialRecognitionVerify. userIdKey stands for the name and ID number; name and idCardNumber are only echoed in the response of the startVerification that sent them, when WeChat gave no userIdKey.',
  fields: (t) => ({
    checkAliveType: t.exposeInt('checkAliveType'),
    name: t.exposeString('name', { nullable: true }),
    idCardNumber: t.exposeString('idCardNumber', { nullable: true }),
    userIdKey: t.exposeString('userIdKey', { nullable: true }),
  }),
});

V2ClientParamsRef.implement({
  description: 'For wx.requestFacialVerify.',
  fields: (t) => ({ verifyId: t.exposeString('verifyId') }),
});

const ClientParamsUnion = builder.unionType('ClientParams', {
  types: [LegacyClientParamsRef, V2ClientParamsRef],
  resolveType: (params) => (params.protocol === 'LEGACY' ? LegacyClientParamsRef : V2ClientParamsRef),
});

/**
 * Who may see who a session is about: its owner, or a service that may read verifications. A write-only
 * key gets what it needs to act (id, status, attempts, lastError), not the openid or the masked identity.
 */
function mayReadSubject(ctx: GatewayContext, s: VerificationSessionSnapshot): boolean {
  return isOwner(ctx.viewer, s) || mayReadOpenid(ctx, s);
}

/** Services that may read, or the one whose startVerification just gave the openid itself. */
function mayReadOpenid(ctx: GatewayContext, s: VerificationSessionSnapshot): boolean {
  return (
    ctx.viewer.kind === 'service' &&
    (hasScope(ctx.viewer, 'verifications:read') ||
      hasScope(ctx.viewer, 'privacy:read') ||
      ctx.startedByCaller.has(s))
  );
}

/** In place of a masked value the caller may not see (the fields are non-null in the contract). */
const WITHHELD = '*';

VerificationRef.implement({
  description:
    'One verification session: a name + ID number to be confirmed by a face check of one WeChat user.',
  fields: (t) => ({
    id: t.exposeID('id'),
    app: t.exposeString('app', { description: 'The app (mini program) the session belongs to' }),
    status: t.field({ type: VerificationStatusEnum, resolve: (s) => s.status }),
    protocol: t.field({ type: VerificationProtocolEnum, resolve: (s) => s.protocol }),
    livenessType: t.field({
      type: LivenessTypeEnum,
      nullable: true,
      description: 'Legacy only: the requested liveness interaction',
      resolve: (s) => s.livenessType,
    }),
    maskedName: t.string({
      description: 'e.g. 张*; "*" for a service without verifications:read',
      resolve: (s, _args, ctx) => (mayReadSubject(ctx, s) ? s.maskedName : WITHHELD),
    }),
    maskedIdCardNumber: t.string({
      description: 'e.g. 1101**********002X; "*" for a service without verifications:read',
      resolve: (s, _args, ctx) => (mayReadSubject(ctx, s) ? s.maskedIdCardNumber : WITHHELD),
    }),
    attempts: t.exposeInt('attempts'),
    maxAttempts: t.exposeInt('maxAttempts'),
    lastError: t.field({
      type: VerificationErrorRef,
      nullable: true,
      description: 'The latest failed attempt, if any',
      resolve: (s) => s.lastError,
    }),
    createdAt: t.field({ type: DateTimeScalar, resolve: (s) => s.createdAt }),
    expiresAt: t.field({ type: DateTimeScalar, resolve: (s) => s.expiresAt }),
    verifiedAt: t.field({ type: DateTimeScalar, nullable: true, resolve: (s) => s.verifiedAt }),
    clientReferenceId: t.string({
      nullable: true,
      description: 'Null for a service without verifications:read',
      resolve: (s, _args, ctx) => (mayReadSubject(ctx, s) ? s.clientReferenceId : null),
    }),
    openid: t.string({
      nullable: true,
      description: 'Services with verifications:read only; null for users and write-only keys',
      // a redacted session's openid is gone (empty in storage): null, as for a caller who may not read it
      resolve: (s, _args, ctx) => (mayReadOpenid(ctx, s) && s.openid !== '' ? s.openid : null),
    }),
    clientParams: t.field({
      type: ClientParamsUnion,
      nullable: true,
      description: 'What the mini program passes to WeChat. The owning user only, only while PENDING.',
      resolve: (s, _args, ctx) => {
        if (!isOwner(ctx.viewer, s)) return null;
        // the domain decides what the client runs; the gateway only adds the echo of this request's input
        const params = clientParamsOf(s);
        if (params === null || params.protocol === 'V2') return params;
        const echoed = params.userIdKey === null ? ctx.echoedIdentity.get(s) : undefined;
        return { ...params, name: echoed?.name ?? null, idCardNumber: echoed?.idCardNumber ?? null };
      },
    }),
  }),
});

builder.queryField('verification', (t) =>
  t.field({
    type: VerificationRef,
    nullable: true,
    description: 'The owning user, or a service with verifications:read',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const session = await loadSessionFor(ctx, String(id), 'verifications:read');
      auditRequest(ctx, 'session.read', [auditTarget('session', session.id)]);
      return session;
    },
  }),
);
