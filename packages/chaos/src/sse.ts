import { request } from 'undici';

export interface SseSubscription {
  /** Every `next` payload received so far (parsed JSON). */
  readonly payloads: unknown[];
  /** Resolves with the first payload (already received or still to come) that matches; rejects on timeout. */
  waitFor(match: (payload: unknown) => boolean, timeoutMs: number): Promise<unknown>;
  /** Whether the server ended the stream (`complete`). */
  readonly completed: boolean;
  close(): void;
}

/**
 * A GraphQL subscription over Server-Sent Events (graphql-yoga's default transport): POST with
 * `accept: text/event-stream`, then `event: next` / `data: {...}` blocks until `event: complete`.
 * Resolves once the server has answered with the stream's headers (the subscription is registered).
 */
export async function subscribeOverSse(
  graphqlUrl: string,
  query: string,
  variables: unknown,
  credential: string,
): Promise<SseSubscription> {
  const abort = new AbortController();
  const response = await request(graphqlUrl, {
    method: 'POST',
    signal: abort.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${credential}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.statusCode !== 200 || !contentType.includes('text/event-stream')) {
    const text = await response.body.text();
    throw new Error(`subscription refused: HTTP ${response.statusCode} ${text.slice(0, 300)}`);
  }
  const payloads: unknown[] = [];
  const waiters = new Set<() => void>();
  let completed = false;
  let buffer = '';
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };
  response.body.setEncoding('utf8');
  response.body.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const event = /^event: ?(.*)$/m.exec(block)?.[1]?.trim() ?? 'message';
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (event === 'complete') completed = true;
      else if (data !== '') payloads.push(JSON.parse(data));
    }
    wakeAll();
  });
  const finish = () => {
    completed = true;
    wakeAll();
  };
  response.body.on('end', finish);
  response.body.on('error', finish);

  return {
    payloads,
    get completed() {
      return completed;
    },
    waitFor(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = payloads.find(match);
          if (found !== undefined) {
            done();
            resolve(found);
          } else if (completed) {
            done();
            reject(new Error(`the stream ended without a matching event: ${JSON.stringify(payloads)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching event within ${timeoutMs} ms: ${JSON.stringify(payloads)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      abort.abort();
    },
  };
}
