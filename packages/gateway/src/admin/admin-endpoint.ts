import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ApiKeyRecord } from '@facegate/domain';
import { ApiKeyInputError, ApiKeyService } from '../auth/api-key.service';
import type { Logger } from '../observability/logger';

/**
 * The embedded database can be opened by one process only, so while the gateway serves, `facegate keys`
 * asks the gateway itself. The gateway listens on a random loopback port and writes the port and a fresh
 * random token into DATA_DIR/admin.json, readable by the local user only (0600, in a 0700 folder):
 * whoever can read that file could open the database folder anyway. Nothing else is reachable there.
 */
export const ADMIN_FILE = 'admin.json';

export interface AdminFile {
  readonly pid: number;
  readonly url: string;
  readonly token: string;
}

/** An API key as the admin endpoint sends it (dates as ISO strings). */
export type WireApiKey = Omit<ApiKeyRecord, 'createdAt' | 'revokedAt' | 'lastUsedAt'> & {
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

export const toWire = (k: ApiKeyRecord): WireApiKey => ({
  ...k,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
});

const MAX_BODY_BYTES = 16 * 1024;

class AdminRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  // read to the end even when too large (kept: nothing), so the client gets the 413 rather than a reset
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) throw new AdminRequestError(413, 'request body too large');
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      return body as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new AdminRequestError(400, 'the body must be a JSON object');
}

const stringField = (body: Record<string, unknown>, field: string): string => {
  const value = body[field];
  if (typeof value !== 'string') throw new AdminRequestError(400, `"${field}" must be a string`);
  return value;
};

export interface RunningAdminEndpoint {
  readonly url: string;
  readonly file: string;
  close(): Promise<void>;
}

/** Starts the admin endpoint for this DATA_DIR and writes its admin.json. */
export async function startAdminEndpoint(options: {
  dataDir: string;
  apiKeys: ApiKeyService;
  logger: Logger;
}): Promise<RunningAdminEndpoint> {
  const token = randomBytes(32).toString('base64url');
  const expected = digest(token);
  const { apiKeys, logger } = options;

  const route = async (request: IncomingMessage): Promise<[number, unknown]> => {
    const given = request.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new AdminRequestError(401, `the admin token of ${ADMIN_FILE} is required`);
    }
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    if (path === '/keys' && request.method === 'GET') {
      return [200, { keys: (await apiKeys.list()).map(toWire) }];
    }
    if (path === '/keys' && request.method === 'POST') {
      const body = await readJson(request);
      const scopes = ApiKeyService.parseScopes(stringField(body, 'scopes'));
      const { key, record } = await apiKeys.create(stringField(body, 'name'), scopes);
      logger.info({ keyId: record.id, prefix: record.prefix }, 'API key created through the admin endpoint');
      return [201, { key, record: toWire(record) }];
    }
    if (path === '/keys/revoke' && request.method === 'POST') {
      const target = stringField(await readJson(request), 'target');
      const revoked = await apiKeys.revoke(target);
      if (revoked) logger.info({ target }, 'API key revoked through the admin endpoint');
      return [200, { revoked }];
    }
    throw new AdminRequestError(404, 'not found');
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    route(request).then(
      ([status, body]) => send(status, body),
      (error: unknown) => {
        if (error instanceof AdminRequestError) return send(error.status, { error: error.message });
        if (error instanceof ApiKeyInputError) {
          return send(400, { error: error.message, field: error.field });
        }
        logger.error({ err: error }, 'admin endpoint error');
        send(500, { error: 'internal error (see the gateway log)' });
      },
    );
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // loopback only, random port: the address is published in admin.json, not configured
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = join(options.dataDir, ADMIN_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  const content: AdminFile = { pid: process.pid, url, token };
  try {
    await writeFile(temporary, `${JSON.stringify(content)}\n`, { mode: 0o600 });
    // the mode of writeFile is masked by umask; only ever tighter, but say it exactly
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    server.close();
    await rm(temporary, { force: true });
    throw error;
  }

  let closing: Promise<void> | null = null;
  return {
    url,
    file,
    close() {
      closing ??= (async () => {
        await rm(file, { force: true });
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
