import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ApiKeyRecord,
  err,
  ok,
  type Result,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '@facegate/domain';
import type { ApiKeyInputFailure, CreatedApiKey } from '../application/auth/api-key.service';
import type { ApiKeyScope } from '../application/auth/viewer';
import type { WebhookAdministration } from '../application/webhooks/webhook-administration';
import type {
  EndpointWithSecret,
  WebhookError,
  WebhookResult,
} from '../application/webhooks/webhook-endpoints.service';
import {
  ADMIN_FILE,
  type AdminFile,
  type Wire,
  type WireApiKey,
  type WireKeyInputError,
  type WireWebhookError,
} from '../http/admin-endpoint';

/** What `facegate keys` needs, from the database directly or from the running gateway. */
export interface KeyAdministration {
  create(
    name: string,
    scopes: readonly ApiKeyScope[],
    apps?: readonly string[] | null,
  ): Promise<Result<CreatedApiKey, ApiKeyInputFailure>>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(idOrPrefix: string): Promise<boolean>;
}

/** The running gateway refused or could not be reached; the message is for the operator, one line. */
export class AdminEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminEndpointError';
  }
}

const fromWire = (k: WireApiKey): ApiKeyRecord => ({
  ...k,
  createdAt: new Date(k.createdAt),
  revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt),
  lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt),
});

/** Reads DATA_DIR/admin.json, written by the gateway holding that folder; null when there is none. */
export async function readAdminFile(dataDir: string): Promise<AdminFile | null> {
  let text: string;
  try {
    text = await readFile(join(dataDir, ADMIN_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AdminEndpointError(
      `cannot read ${join(dataDir, ADMIN_FILE)} (${(error as NodeJS.ErrnoException).code}): run this as the user running the gateway`,
    );
  }
  const parsed = JSON.parse(text) as Partial<AdminFile>;
  if (typeof parsed.url !== 'string' || typeof parsed.token !== 'string' || typeof parsed.pid !== 'number') {
    throw new AdminEndpointError(`${join(dataDir, ADMIN_FILE)} is not an admin file of this gateway`);
  }
  return parsed as AdminFile;
}

/** What the admin endpoint answered: its status and JSON body (empty when it sent none). */
type AdminAnswer = { status: number; ok: boolean; body: Record<string, unknown> };

/** One request to the admin endpoint; only "cannot reach it" is thrown here, answers are the caller's. */
async function callAdmin(
  admin: AdminFile,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminAnswer> {
  let response: Response;
  try {
    response = await fetch(`${admin.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new AdminEndpointError(
      `the gateway (process ${admin.pid}) holds the database but its admin endpoint ${admin.url} does not answer (${(error as Error).cause ?? (error as Error).message})`,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, ok: response.ok, body: answer };
}

function refused(answer: AdminAnswer): AdminEndpointError {
  const reason = typeof answer.body.error === 'string' ? answer.body.error : 'no reason given';
  return new AdminEndpointError(`the gateway's admin endpoint answered ${answer.status}: ${reason}`);
}

/** Key administration through the admin endpoint of the gateway that holds the embedded database. */
export class AdminEndpointClient implements KeyAdministration {
  constructor(private readonly admin: AdminFile) {}

  async create(
    name: string,
    scopes: readonly ApiKeyScope[],
    apps: readonly string[] | null = null,
  ): Promise<Result<CreatedApiKey, ApiKeyInputFailure>> {
    const answer = await callAdmin(this.admin, 'POST', '/keys', {
      name,
      scopes: scopes.join(','),
      ...(apps !== null ? { apps } : {}),
    });
    // the same input failures as without a server, so the same output and exit code
    const failure = (answer.body as Partial<WireKeyInputError>).keyInput;
    if (answer.status === 400 && failure?.code === 'INVALID_INPUT') return err(failure);
    if (!answer.ok) throw refused(answer);
    const body = answer.body as { key: string; record: WireApiKey };
    return ok({ key: body.key, record: fromWire(body.record) });
  }

  async list() {
    return (await this.call<{ keys: WireApiKey[] }>('GET', '/keys')).keys.map(fromWire);
  }

  async revoke(idOrPrefix: string) {
    return (await this.call<{ revoked: boolean }>('POST', '/keys/revoke', { target: idOrPrefix })).revoked;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await callAdmin(this.admin, method, path, body);
    if (!answer.ok) throw refused(answer);
    return answer.body as T;
  }
}

const date = (value: string) => new Date(value);
const dateOrNull = (value: string | null) => (value === null ? null : new Date(value));

const endpointFromWire = (e: Wire<WebhookEndpoint>): WebhookEndpoint => ({
  ...e,
  disabledAt: dateOrNull(e.disabledAt),
  failingSince: dateOrNull(e.failingSince),
  previousSecretExpiresAt: dateOrNull(e.previousSecretExpiresAt),
  createdAt: date(e.createdAt),
  updatedAt: date(e.updatedAt),
});

const deliveryFromWire = (d: Wire<WebhookDelivery>): WebhookDelivery => ({
  ...d,
  nextAttemptAt: date(d.nextAttemptAt),
  createdAt: date(d.createdAt),
  finishedAt: dateOrNull(d.finishedAt),
});

type WireWithSecret = { endpoint: Wire<WebhookEndpoint>; secret: string };
const withSecretFromWire = (w: WireWithSecret): EndpointWithSecret => ({
  endpoint: endpointFromWire(w.endpoint),
  secret: w.secret,
});

const WEBHOOK_ERROR_CODES: readonly WebhookError['code'][] = [
  'INVALID_INPUT',
  'WEBHOOK_NOT_FOUND',
  'WEBHOOK_CONFLICT',
];

/**
 * `facegate webhooks` through the admin endpoint of the gateway that holds the embedded database: the same
 * operations, values and expected failures (the WebhookError the endpoint answered) as on the database, so
 * the command behaves the same in both cases.
 */
export class AdminWebhookClient implements WebhookAdministration {
  constructor(private readonly admin: AdminFile) {}

  async add(input: {
    url: string;
    events: readonly string[];
    description: string;
    apps?: readonly string[] | null;
  }) {
    return map(await this.call<WireWithSecret>('POST', '/webhooks', input), withSecretFromWire);
  }

  async list() {
    const answer = await this.call<{ endpoints: Wire<WebhookEndpoint>[] }>('GET', '/webhooks');
    if (!answer.ok) throw new AdminEndpointError(answer.error.message);
    return answer.value.endpoints.map(endpointFromWire);
  }

  async rotate(endpointId: string) {
    return map(
      await this.call<WireWithSecret>('POST', '/webhooks/rotate', { id: endpointId }),
      withSecretFromWire,
    );
  }

  async setEnabled(endpointId: string, enabled: boolean) {
    const path = enabled ? '/webhooks/enable' : '/webhooks/disable';
    const answer = await this.call<{ endpoint: Wire<WebhookEndpoint> }>('POST', path, { id: endpointId });
    return map(answer, ({ endpoint }) => endpointFromWire(endpoint));
  }

  async delete(endpointId: string) {
    return map(await this.call('POST', '/webhooks/delete', { id: endpointId }), () => undefined);
  }

  async deliveries(endpointId: string, status: WebhookDelivery['status'] | null) {
    const answer = await this.call<{ deliveries: Wire<WebhookDelivery>[] }>('POST', '/webhooks/deliveries', {
      endpointId,
      status,
    });
    return map(answer, ({ deliveries }) => deliveries.map(deliveryFromWire));
  }

  async redeliver(deliveryId: string) {
    const answer = await this.call<{ delivery: Wire<WebhookDelivery> }>('POST', '/webhooks/redeliver', {
      id: deliveryId,
    });
    return map(answer, ({ delivery }) => deliveryFromWire(delivery));
  }

  /** The answer's body, or the WebhookError it carries; any other refusal is thrown. */
  private async call<T>(method: string, path: string, body?: unknown): Promise<WebhookResult<T>> {
    const answer = await callAdmin(this.admin, method, path, body);
    if (answer.ok) return ok(answer.body as T);
    const failure = (answer.body as Partial<WireWebhookError>).webhook;
    if (failure !== undefined && WEBHOOK_ERROR_CODES.includes(failure.code)) return err(failure);
    throw refused(answer);
  }
}

const map = <T, U>(result: WebhookResult<T>, f: (value: T) => U): WebhookResult<U> =>
  result.ok ? ok(f(result.value)) : result;
