import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ApiKeyRecord, WebhookDeliveryStatus } from '@facegate/domain';
import { type ApiKeyInputFailure, ApiKeyService } from '../application/auth/api-key.service';
import type { WebhookAdministration } from '../application/webhooks/webhook-administration';
import type { WebhookError, WebhookResult } from '../application/webhooks/webhook-endpoints.service';
import type { Logger } from '../infrastructure/observability/logger';

/**
 * The embedded database can be opened by one process only, so while the gateway serves, `facegate keys` and
 * `facegate webhooks` ask the gateway itself. The gateway listens on a random loopback port and writes the port and a fresh
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

/** A value as JSON carries it: its dates as ISO strings (what JSON.stringify makes of a Date). */
export type Wire<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

/** How the admin endpoint answers a webhook operation's expected failure: the failure itself, as it is. */
export interface WireWebhookError {
  readonly error: string;
  readonly webhook: WebhookError;
}

/** How the admin endpoint answers bad input to create a key: the failure itself, as it is. */
export interface WireKeyInputError {
  readonly error: string;
  readonly field: ApiKeyInputFailure['field'];
  readonly keyInput: ApiKeyInputFailure;
}

const keyInputAnswer = (failure: ApiKeyInputFailure): [number, WireKeyInputError] => [
  400,
  { error: failure.message, field: failure.field, keyInput: failure },
];

const WEBHOOK_ERROR_STATUS: Record<WebhookError['code'], number> = {
  INVALID_INPUT: 400,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_CONFLICT: 409,
};

const DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ['PENDING', 'DELIVERED', 'FAILED'];

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

const stringListField = (body: Record<string, unknown>, field: string): string[] => {
  const value = body[field];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new AdminRequestError(400, `"${field}" must be a list of strings`);
  }
  return value;
};

const statusField = (body: Record<string, unknown>): WebhookDeliveryStatus | null => {
  const value = body.status ?? null;
  if (value !== null && !DELIVERY_STATUSES.includes(value as WebhookDeliveryStatus)) {
    throw new AdminRequestError(400, `"status" must be null or one of ${DELIVERY_STATUSES.join(', ')}`);
  }
  return value as WebhookDeliveryStatus | null;
};

/** A webhook operation's answer: `status` and what `body` makes of its value, or its failure by code. */
function webhookAnswer<T>(
  result: WebhookResult<T>,
  status: number,
  body: (value: T) => unknown,
): [number, unknown] {
  if (!result.ok) {
    const failure: WireWebhookError = { error: result.error.message, webhook: result.error };
    return [WEBHOOK_ERROR_STATUS[result.error.code], failure];
  }
  return [status, body(result.value)];
}

export interface RunningAdminEndpoint {
  readonly url: string;
  readonly file: string;
  close(): Promise<void>;
}

/** Starts the admin endpoint for this DATA_DIR and writes its admin.json. */
export async function startAdminEndpoint(options: {
  dataDir: string;
  apiKeys: Pick<ApiKeyService, 'create' | 'list' | 'revoke'>;
  webhooks: WebhookAdministration;
  logger: Logger;
}): Promise<RunningAdminEndpoint> {
  const token = randomBytes(32).toString('base64url');
  const expected = digest(token);
  const { apiKeys, webhooks, logger } = options;

  /** `facegate webhooks`: the same operations as on the database, answered as JSON (dates as ISO strings). */
  const webhookRoute = async (
    path: string,
    method: string | undefined,
    request: IncomingMessage,
  ): Promise<[number, unknown] | null> => {
    if (path === '/webhooks' && method === 'GET') return [200, { endpoints: await webhooks.list() }];
    if (method !== 'POST') return null;
    switch (path) {
      case '/webhooks': {
        const body = await readJson(request);
        const created = await webhooks.add({
          url: stringField(body, 'url'),
          events: stringListField(body, 'events'),
          description: body.description === undefined ? '' : stringField(body, 'description'),
          apps: body.apps == null ? null : stringListField(body, 'apps'),
        });
        return webhookAnswer(created, 201, (value) => {
          logger.info({ endpointId: value.endpoint.id }, 'webhook endpoint added through the admin endpoint');
          return value;
        });
      }
      case '/webhooks/rotate': {
        const rotated = await webhooks.rotate(stringField(await readJson(request), 'id'));
        return webhookAnswer(rotated, 200, (value) => {
          logger.info({ endpointId: value.endpoint.id }, 'webhook secret rotated through the admin endpoint');
          return value;
        });
      }
      case '/webhooks/enable':
      case '/webhooks/disable': {
        const enabled = path === '/webhooks/enable';
        const changed = await webhooks.setEnabled(stringField(await readJson(request), 'id'), enabled);
        return webhookAnswer(changed, 200, (endpoint) => {
          logger.info(
            { endpointId: endpoint.id },
            `webhook endpoint ${enabled ? 'enabled' : 'disabled'} through the admin endpoint`,
          );
          return { endpoint };
        });
      }
      case '/webhooks/delete': {
        const id = stringField(await readJson(request), 'id');
        return webhookAnswer(await webhooks.delete(id), 200, () => {
          logger.info({ endpointId: id }, 'webhook endpoint deleted through the admin endpoint');
          return { deleted: id };
        });
      }
      case '/webhooks/deliveries': {
        const body = await readJson(request);
        const deliveries = await webhooks.deliveries(stringField(body, 'endpointId'), statusField(body));
        return webhookAnswer(deliveries, 200, (value) => ({ deliveries: value }));
      }
      case '/webhooks/redeliver': {
        const redelivered = await webhooks.redeliver(stringField(await readJson(request), 'id'));
        return webhookAnswer(redelivered, 200, (delivery) => {
          logger.info({ deliveryId: delivery.id }, 'webhook queued again through the admin endpoint');
          return { delivery };
        });
      }
      default:
        return null;
    }
  };

  /** The Host a local client names (set once listening): a page another site serves names its own. */
  let ownHosts: readonly string[] = [];
  const route = async (request: IncomingMessage): Promise<[number, unknown]> => {
    // one gate for every route: nothing is answered, not even a 404, without the token, and nothing to a
    // request that names another host (a DNS-rebinding page; it could not know the token either)
    if (!ownHosts.includes(request.headers.host ?? '')) {
      throw new AdminRequestError(403, 'the admin endpoint answers requests to its loopback address only');
    }
    const given = request.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new AdminRequestError(401, `the admin token of ${ADMIN_FILE} is required`);
    }
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    if (path === '/webhooks' || path.startsWith('/webhooks/')) {
      const answer = await webhookRoute(path, request.method, request);
      if (answer !== null) return answer;
    }
    if (path === '/keys' && request.method === 'GET') {
      return [200, { keys: (await apiKeys.list()).map(toWire) }];
    }
    if (path === '/keys' && request.method === 'POST') {
      const body = await readJson(request);
      const scopes = ApiKeyService.parseScopes(stringField(body, 'scopes'));
      if (!scopes.ok) return keyInputAnswer(scopes.error);
      const apps = body.apps == null ? null : stringListField(body, 'apps');
      const created = await apiKeys.create(stringField(body, 'name'), scopes.value, apps);
      if (!created.ok) return keyInputAnswer(created.error);
      const { key, record } = created.value;
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
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  ownHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
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
