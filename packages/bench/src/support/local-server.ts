import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server the bench runs as a baseline: where it listens, and how to stop it. */
export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on loopback (port 0: any free one); close() drops kept-alive connections, then `after`. */
export async function listenLocally(
  server: Server,
  options: { port?: number; host?: string },
  after: () => Promise<void> = async () => {},
): Promise<LocalServer> {
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await after();
    },
  };
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
