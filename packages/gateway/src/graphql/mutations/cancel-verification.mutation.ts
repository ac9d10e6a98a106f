import { loadSessionFor } from '../authorization';
import { builder } from '../builder';
import { mapThrown, toRequestError } from '../domain-error.mapper';
import { VerificationRef } from '../types/verification.type';

builder.mutationField('cancelVerification', (t) =>
  t.field({
    type: VerificationRef,
    description: 'Ends a PENDING verification. The owning user, or a service with verifications:write.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const session = await loadSessionFor(ctx, String(id), 'verifications:write');
      const result = await mapThrown(() =>
        ctx.services.cancelVerification.execute({ sessionId: session.id }),
      );
      if (!result.ok) throw toRequestError(result.error);
      return result.value;
    },
  }),
);
