import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenOnLoopback } from '@facegate/test-support';

export interface ReceivedWebhook {
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads are asserted by the tests
  readonly json: any;
  /** What this receiver answered. */
  readonly status: number;
  readonly at: number;
}

/** A real HTTP receiver on loopback; `answer` picks each response's status (default 200). */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  answer: (request: { id: string; json: unknown; count: number }) => number | Promise<number>;
  /** Those answered 2xx. */
  accepted(): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    received,
    answer: () => 200,
    accepted: () => received.filter((r) => r.status >= 200 && r.status < 300),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // recorded as null; the test sees it
      }
      const count = received.filter((r) => r.id === id).length;
      const status = await receiver.answer({ id, json, count });
      received.push({ id, headers: req.headers, body, json, status, at: Date.now() });
      res
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(status < 300 ? 'ok' : `failing with ${status}`);
    });
  });
  server.keepAliveTimeout = 1000;
  (receiver as { url: string }).url = `${await listenOnLoopback(server)}${path}`;
  return receiver;
}
