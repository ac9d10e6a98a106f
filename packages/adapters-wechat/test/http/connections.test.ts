import { createServer, type Server } from 'node:http';
import { listenOnLoopback, waitFor } from '@facegate/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { WeChatApiClient } from '../../src/http/index';

/**
 * A WeChat stand-in that holds every getinfo call until `release()` and records how many were waiting at
 * once, and how many connections were open at once: the calls the client's default dispatcher lets run side
 * by side, and the connections it opened for them.
 */
async function holdingUpstream() {
  let waiting: (() => void)[] = [];
  let maxWaiting = 0;
  let open = 0;
  let maxOpen = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/cgi-bin/stable_token')) {
        res.end(JSON.stringify({ access_token: 'token', expires_in: 7200 }));
        return;
      }
      waiting.push(() => res.end(JSON.stringify({ errcode: 0, errmsg: 'ok', identify_ret: 0 })));
      maxWaiting = Math.max(maxWaiting, waiting.length);
    });
  });
  server.on('connection', (socket) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    socket.once('close', () => {
      open -= 1;
    });
  });
  return {
    url: await listenOnLoopback(server),
    maxWaiting: () => maxWaiting,
    maxOpenConnections: () => maxOpen,
    waiting: () => waiting.length,
    release: () => {
      const all = waiting;
      waiting = [];
      for (const answer of all) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('WeChatApiClient connections', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function clientOn(maxConnections?: number) {
    const upstream = await holdingUpstream();
    const client = new WeChatApiClient({
      appId: 'wx0123456789abcdef',
      appSecret: 'secret',
      baseUrl: upstream.url,
      deadlineMs: 10_000,
      ...(maxConnections === undefined ? {} : { maxConnections }),
    });
    cleanups.push(async () => {
      await client.close();
      await upstream.close();
    });
    return { upstream, client };
  }

  it('runs at most maxConnections calls at once; the rest wait their turn and still complete', async () => {
    const { upstream, client } = await clientOn(3);
    const calls = Array.from({ length: 10 }, (_, i) => client.getLegacyVerifyInfo(`vr-${i}`));
    // release whatever is held once a full turn (3, or the last call) has arrived, until all ten are answered
    for (let released = 0; released < 10; ) {
      const turn = Math.min(3, 10 - released);
      await waitFor(`${turn} calls held upstream`, () => upstream.waiting() >= turn);
      released += upstream.waiting();
      upstream.release();
    }
    const answers = await Promise.allSettled(calls);
    expect(answers.every((a) => a.status === 'fulfilled')).toBe(true);
    // Every call has been answered, so every connection the client opened for them has reached the server
    // (all ten were dispatched before the first was released, and the held ones kept theirs open): a fourth
    // connection, had the limit allowed one, would be counted here.
    expect(upstream.maxOpenConnections()).toBe(3);
    expect(upstream.maxWaiting()).toBe(3);
  });

  it('lets 300 calls wait on a slow WeChat at once by default (no queue behind a small pool)', async () => {
    const { upstream, client } = await clientOn();
    const calls = Array.from({ length: 300 }, (_, i) => client.getLegacyVerifyInfo(`vr-${i}`));
    await waitFor('300 calls held upstream', () => upstream.waiting() === 300);
    expect(upstream.maxWaiting()).toBe(300);
    upstream.release();
    const answers = await Promise.allSettled(calls);
    expect(answers.every((a) => a.status === 'fulfilled')).toBe(true);
  });
});
