import { isEntityId, MAX_VERIFY_RESULT_LENGTH } from '@facegate/domain';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import { mapThrown, toRequestError } from '../domain-error.mapper';
import { notFound, rateLimited, unauthenticated } from '../errors';
import { VerificationRef } from '../types/verification.type';

const ConfirmVerificationInput = builder.inputType('ConfirmVerificationInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    verifyResult: t.string({
      description: `Legacy: the JSAPI's verifyResult (at most ${MAX_VERIFY_RESULT_LENGTH} characters). V2: omit it (refused).`,
    }),
    clientErrCode: t.int({ description: 'What the JSAPI reported. Can fail an attempt, never pass one.' }),
    verifyId: t.string({
      description:
        'V2: the clientParams.verifyId the client ran, so a resend after a lost answer gets the outcome of its own attempt. Legacy: omit it (refused).',
    }),
  }),
});

builder.mutationField('confirmVerification', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'Confirms the latest attempt with WeChat. The outcome is data (status, lastError); repeating it with the same evidence returns the recorded outcome.',
    args: { input: t.arg({ type: ConfirmVerificationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      // counted once the caller is known: anonymous floods are refused without using the address's allowance
      if (ctx.viewer.kind === 'anonymous') throw unauthenticated();
      const wait = await ctx.services.rateLimits.confirmVerification(ctx.clientAddress);
      if (wait > 0) throw rateLimited(wait);
      // Authorized in the use case's own read (which also claims the evidence): a user's openid must own the
      // session, which is otherwise NOT_FOUND, exactly as loadSessionFor answers.
      const { viewer } = ctx;
      if (viewer.kind === 'service') requireScope(viewer, 'verifications:write');
      const sessionId = String(input.id);
      if (!isEntityId(sessionId)) throw notFound();
      const result = await mapThrown(() =>
        ctx.services.confirmVerification.execute({
          sessionId,
          verifyResult: input.verifyResult ?? null,
          clientErrCode: input.clientErrCode ?? null,
          verifyId: input.verifyId ?? null,
          openid: viewer.kind === 'user' ? viewer.openid : null,
          app: viewer.kind === 'user' ? viewer.app : null,
          // a key limited to some apps confirms their sessions only (others are NOT_FOUND)
          apps: viewer.kind === 'service' ? viewer.apps : null,
          // a service's address is never a user's: it is not counted as one
          clientAddress: viewer.kind === 'user' ? ctx.clientAddress : null,
        }),
      );
      if (!result.ok) throw toRequestError(result.error);
      return result.value;
    },
  }),
);
