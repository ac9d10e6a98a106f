import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore, CreateApiKeyInput } from '@facegate/domain';
import type { Database } from './database/database';

export class ApiKeyPrefixTakenError extends Error {
  readonly code = 'API_KEY_PREFIX_TAKEN' as const;
  constructor() {
    super('an API key with this prefix already exists');
    this.name = 'ApiKeyPrefixTakenError';
  }
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string[];
  apps: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'id, name, prefix, secret_hash, scopes, apps, created_at, revoked_at, last_used_at';

/** Service API keys, stored as prefix + secret hash. */
export class SqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Database) {}

  async create(input: CreateApiKeyInput): Promise<ApiKeyRecord> {
    try {
      const rows = await this.db.query<ApiKeyRow>(
        `INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, apps)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[])
         RETURNING ${COLUMNS}`,
        [
          randomUUID(),
          input.name,
          input.prefix,
          input.secretHash,
          JSON.stringify(input.scopes),
          input.apps == null ? null : [...input.apps],
        ],
      );
      return toRecord(rows[0]!);
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') throw new ApiKeyPrefixTakenError();
      throw error;
    }
  }

  /** The key with this prefix, unless revoked; with its secret hash for the caller to compare. */
  async findActiveByPrefix(prefix: string): Promise<(ApiKeyRecord & { secretHash: string }) | null> {
    const rows = await this.db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`,
      [prefix],
    );
    const row = rows[0];
    return row === undefined ? null : { ...toRecord(row), secretHash: row.secret_hash };
  }

  /** Every key, revoked ones included, oldest first. Never the secret hash. */
  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map(toRecord);
  }

  /** True when an active key with this id or prefix was revoked now; false when none (or already revoked). */
  async revoke(idOrPrefix: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE api_keys SET revoked_at = now() WHERE (id = $1 OR prefix = $1) AND revoked_at IS NULL RETURNING id`,
      [idOrPrefix],
    );
    return rows.length > 0;
  }

  /** Replaces the secret hash only while it is still `expected` (two instances may re-key at once). */
  async rekey(id: string, expected: string, secretHash: string): Promise<boolean> {
    const rows = await this.db.query(
      'UPDATE api_keys SET secret_hash = $3 WHERE id = $1 AND secret_hash = $2 RETURNING id',
      [id, expected, secretHash],
    );
    return rows.length > 0;
  }

  /** Records a successful use. At most one write a minute per key, so busy keys do not write on every request. */
  async markUsed(id: string, at: Date = new Date()): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = $2
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, at],
    );
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: [...row.scopes],
    apps: row.apps === null ? null : [...row.apps],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
