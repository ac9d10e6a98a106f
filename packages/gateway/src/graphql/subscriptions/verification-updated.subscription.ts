import { TERMINAL_STATUSES, type VerificationSessionSnapshot } from '@facegate/domain';
import { loadSessionFor } from '../authorization';
import { builder } from '../builder';
import type { GatewayContext } from '../context';
import { rateLimited } from '../errors';
import { VerificationRef } from '../types/verification.type';

function callerOf(ctx: GatewayContext): string {
  const { viewer } = ctx;
  return viewer.kind === 'user'
    ? `user:${viewer.app}:${viewer.openid}`
    : viewer.kind === 'service'
      ? `key:${viewer.keyId}`
      : '';
}

/**
 * When to try again after a refused subscription: a slot frees when a stream closes, which nothing here can
 * predict, so a short wait that still keeps a retrying client from hammering the server.
 */
export const SUBSCRIPTION_RETRY_AFTER_SECONDS = 5;

function subscriptionRefused(refusal: 'caller' | 'instance', limit: number) {
  return rateLimited(
    SUBSCRIPTION_RETRY_AFTER_SECONDS,
    refusal === 'caller'
      ? `too many open subscriptions for this caller (at most ${limit}); close one first`
      : 'this server has too many open subscriptions; try again shortly',
    { limit, scope: refusal },
  );
}

/**
 * Authorizes and takes a subscription slot before the stream starts, so a refusal is an answer of its own
 * (with its Retry-After header), not an event of a stream already open.
 */
async function openUpdates(
  ctx: GatewayContext,
  id: string,
): Promise<AsyncIterableIterator<VerificationSessionSnapshot>> {
  const first = await loadSessionFor(ctx, id, 'verifications:read');
  const { subscriptionSlots, config } = ctx.services;
  const slot = subscriptionSlots.acquire(callerOf(ctx));
  if (typeof slot === 'string') {
    throw subscriptionRefused(
      slot,
      slot === 'caller' ? config.subscriptions.perCaller : config.subscriptions.perInstance,
    );
  }
  return updatesOf(ctx, first, slot);
}

/**
 * The current state, then every change. A hand-written iterator rather than a bare generator: a client
 * going away calls return() while the generator waits for the next event, and a generator would only run
 * its cleanup (and give back its subscription slot) after that event came.
 */
function updatesOf(
  ctx: GatewayContext,
  first: VerificationSessionSnapshot,
  release: () => void,
): AsyncIterableIterator<VerificationSessionSnapshot> {
  // listen before yielding the current state, so a change in between is not lost
  const events: AsyncIterableIterator<unknown> = ctx.services.eventBus.subscribe(first.id);
  const inner = (async function* () {
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
      release();
      await events.return?.();
    }
  })();
  const iterator: AsyncIterableIterator<VerificationSessionSnapshot> = {
    next: () => inner.next(),
    async return() {
      release();
      // ends the wait for the next event, so the generator below can finish now
      await events.return?.();
      return inner.return(undefined);
    },
    throw: (error: unknown) => inner.throw(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

builder.subscriptionField('verificationUpdated', (t) =>
  t.field({
    type: VerificationRef,
    description:
      'The current state at once, then every change, until the verification ends (over SSE or WebSocket). Same access rules as Query.verification.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, ctx) => openUpdates(ctx, String(id)),
    resolve: (session) => session,
  }),
);
