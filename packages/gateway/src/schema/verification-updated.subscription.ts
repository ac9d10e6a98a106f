import { TERMINAL_STATUSES, type VerificationSessionSnapshot } from '@facegate/domain';
import { loadSessionFor } from './authorization';
import { builder } from './builder';
import type { GatewayContext } from './context';
import { VerificationRef } from './verification.type';

async function* updatesOf(ctx: GatewayContext, id: string): AsyncGenerator<VerificationSessionSnapshot> {
  const first = await loadSessionFor(ctx, id, 'verifications:read');
  // listen before yielding the current state, so a change in between is not lost
  const events = ctx.services.eventBus.subscribe(first.id);
  try {
    let lastVersion = first.version;
    yield first;
    if (TERMINAL_STATUSES.has(first.status)) return;
    for await (const _event of events) {
      const result = await ctx.services.getVerification.execute({ sessionId: first.id });
      if (!result.ok) return;
      if (result.value.version === lastVersion) continue;
      lastVersion = result.value.version;
      yield result.value;
      if (TERMINAL_STATUSES.has(result.value.status)) return;
    }
  } finally {
    await events.return?.();
  }
}

builder.subscriptionField('verificationUpdated', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'The current state at once, then every change, until the verification ends (over SSE or WebSocket). Same access rules as Query.verification.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) => updatesOf(ctx, String(id)),
    resolve: (session) => session,
  }),
);
