import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiKeyRecord } from '@facegate/domain';
import { ApiKeyInputError } from '../auth/api-key.service';
import type { ApiKeyScope } from '../auth/viewer';
import { ADMIN_FILE, type AdminFile, type WireApiKey } from './admin-endpoint';

/** What `facegate keys` needs, from the database directly or from the running gateway. */
export interface KeyAdministration {
  create(name: string, scopes: readonly ApiKeyScope[]): Promise<{ key: string; record: ApiKeyRecord }>;
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

/** Key administration through the admin endpoint of the gateway that holds the embedded database. */
export class AdminEndpointClient implements KeyAdministration {
  constructor(private readonly admin: AdminFile) {}

  async create(name: string, scopes: readonly ApiKeyScope[]) {
    const body = await this.call<{ key: string; record: WireApiKey }>('POST', '/keys', {
      name,
      scopes: scopes.join(','),
    });
    return { key: body.key, record: fromWire(body.record) };
  }

  async list() {
    return (await this.call<{ keys: WireApiKey[] }>('GET', '/keys')).keys.map(fromWire);
  }

  async revoke(idOrPrefix: string) {
    return (await this.call<{ revoked: boolean }>('POST', '/keys/revoke', { target: idOrPrefix })).revoked;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.admin.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.admin.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new AdminEndpointError(
        `the gateway (process ${this.admin.pid}) holds the database but its admin endpoint ${this.admin.url} does not answer (${(error as Error).cause ?? (error as Error).message})`,
      );
    }
    const answer = (await response.json().catch(() => ({}))) as T & { error?: string; field?: string };
    // the same input errors as without a server, so the same exit code
    if (response.status === 400 && (answer.field === 'name' || answer.field === 'scopes')) {
      throw new ApiKeyInputError(answer.field, answer.error ?? 'invalid input');
    }
    if (!response.ok) {
      throw new AdminEndpointError(
        `the gateway's admin endpoint answered ${response.status}: ${answer.error ?? 'no reason given'}`,
      );
    }
    return answer;
  }
}
