import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WeChatApiClient } from '../../src/http/index';

/**
 * A WeChat stand-in that holds every getinfo call until `release()` and records how many were waiting at
 * once: the number of calls the client's default dispatcher lets run side by side.
 */
async function holdingUpstream() {
  let waiting: (() => void)[] = [];
  let maxWaiting = 0;
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    maxWaiting: () => maxWaiting,
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

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
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
    await until(() => upstream.waiting() === 3);
    // give a fourth connection every chance to open, were it allowed
    await new Promise((r) => setTimeout(r, 100));
    expect(upstream.maxWaiting()).toBe(3);
    for (let done = 0; done < 10; done += 3) {
      await until(() => upstream.waiting() > 0);
      upstream.release();
    }
    const answers = await Promise.allSettled(calls);
    expect(answers.every((a) => a.status === 'fulfilled')).toBe(true);
  });

  it('lets 300 calls wait on a slow WeChat at once by default (no queue behind a small pool)', async () => {
    const { upstream, client } = await clientOn();
    const calls = Array.from({ length: 300 }, (_, i) => client.getLegacyVerifyInfo(`vr-${i}`));
    await until(() => upstream.waiting() === 300);
    expect(upstream.maxWaiting()).toBe(300);
    upstream.release();
    const answers = await Promise.allSettled(calls);
    expect(answers.every((a) => a.status === 'fulfilled')).toBe(true);
  });
});
