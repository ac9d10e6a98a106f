import { waitFor } from '@facegate/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from './support/flows';
import { type Json, startTestGateway, type TestGateway } from './support/test-gateway';

const SUBSCRIBE = 'subscription($id: ID!) { verificationUpdated(id: $id) { id status } }';

interface OpenStream {
  /** The first `next` payload, or the errors the stream answered with. */
  first: Json;
  headers: Headers;
  close(): void;
}

/** Opens an SSE subscription and reads until its first event (data or errors). */
async function subscribe(t: TestGateway, token: string, id: string): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await t.gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    signal: abort.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: SUBSCRIBE, variables: { id } }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before an event: ${buffer}`);
    buffer += decoder.decode(value, { stream: true });
    const data = /event: next\ndata: (.*)\n\n/.exec(buffer)?.[1];
    if (data !== undefined) {
      return {
        first: JSON.parse(data) as Json,
        headers: response.headers,
        close: () => {
          void reader.cancel().catch(() => {});
          abort.abort();
        },
      };
    }
  }
}

describe('subscription caps (attack: 300 SSE streams on one token)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      database: 'pglite',
      env: { FACEGATE_MAX_SUBSCRIPTIONS_PER_CALLER: '2', FACEGATE_MAX_SUBSCRIPTIONS: '3' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a caller past its cap and everyone past the instance cap, and frees a slot when a stream closes', async () => {
    const alice = await t.signIn('o_sub_alice');
    const bob = await t.signIn('o_sub_bob');
    const carol = await t.signIn('o_sub_carol');
    const idOf = async (token: string) => String((await start(t, token, { protocol: 'V2' })).session!.id);
    const [a, b, c] = [await idOf(alice), await idOf(bob), await idOf(carol)];

    const a1 = await subscribe(t, alice, a);
    const a2 = await subscribe(t, alice, a);
    expect(a1.first.data.verificationUpdated).toMatchObject({ id: a, status: 'PENDING' });
    expect(a2.first.data.verificationUpdated).toMatchObject({ id: a, status: 'PENDING' });

    const a3 = await subscribe(t, alice, a);
    expect(a3.first.errors[0]).toMatchObject({
      message: expect.stringMatching(/too many open subscriptions for this caller/),
      extensions: { code: 'RATE_LIMITED', scope: 'caller', limit: 2, retryAfterSeconds: 5 },
    });
    expect(a3.headers.get('retry-after')).toBe('5');

    const b1 = await subscribe(t, bob, b);
    expect(b1.first.data.verificationUpdated).toMatchObject({ id: b });
    const c1 = await subscribe(t, carol, c);
    expect(c1.first.errors[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      scope: 'instance',
      retryAfterSeconds: 5,
    });
    expect(c1.headers.get('retry-after')).toBe('5');

    // a client going away gives its slot back without waiting for the session to change
    a1.close();
    await waitFor('a freed slot', async () => {
      const again = await subscribe(t, carol, c);
      const ok = again.first.data?.verificationUpdated?.id === c;
      again.close();
      return ok;
    });
    a2.close();
    b1.close();
  });
});
