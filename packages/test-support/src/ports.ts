import { createServer, type Server } from 'node:net';

/**
 * Listens on 127.0.0.1 at port 0, so the system picks a free port at the moment of listening (no port is
 * chosen first and bound later, which another process could take in between); resolves with the base URL.
 */
export function listenOnLoopback(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`not a TCP address: ${String(address)}`));
        return;
      }
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

/** The port of a URL such as listenOnLoopback's. */
export const portOf = (url: string): number => Number(new URL(url).port);

export interface OccupiedPort {
  readonly port: number;
  release(): Promise<void>;
}

/**
 * A loopback port this process listens on until `release()`: another process that tries to listen there
 * fails (EADDRINUSE). For proving that a process never listens, which a probe of a free port cannot show
 * (it would have to be watching at the right moment).
 */
export async function occupiedPort(): Promise<OccupiedPort> {
  const server = createServer((socket) => socket.destroy());
  const port = portOf(await listenOnLoopback(server));
  return {
    port,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
