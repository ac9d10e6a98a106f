import type {
  AppChange,
  AppOverrides,
  AppRecord,
  AppSecretSource,
  AppStore,
  NewApp,
  VerificationProtocol,
} from '@facegate/domain';
import { AppExistsError } from '@facegate/domain';
import type { FieldCipher } from './crypto/aes-gcm-field-cipher';
import type { Database } from './database/database';

interface AppRow {
  id: string;
  app_id: string;
  display_name: string;
  protocols: VerificationProtocol[];
  secret_env: string | null;
  has_stored_secret: boolean;
  overrides: AppOverrides;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

/** Never the sealed secret: only storedSecret reads it. */
const COLUMNS = `id, app_id, display_name, protocols, secret_env, secret_sealed IS NOT NULL AS has_stored_secret,
  overrides, disabled, created_at, updated_at`;

/**
 * A stored secret is sealed with this context and the app's slug, so a sealed value opens only as that app's
 * secret (it cannot be copied into another app's row, nor into a webhook endpoint's). The slug never changes.
 */
export const appSecretContext = (id: string) => `app-secret:${id}`;

/**
 * The apps managed at run time (migration 0011), in PostgreSQL and PGlite alike. A STORED WeChat secret is
 * sealed with the cipher before it is written and opened only by storedSecret; an ENV one is a variable's
 * name. The secret rotation re-seals stored secrets with the webhook secrets (SqlSecretRotation), so the cipher
 * given here must be the webhook secrets' one (the same key ring).
 */
export class SqlAppStore implements AppStore {
  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async list(): Promise<AppRecord[]> {
    const rows = await this.db.query<AppRow>(`SELECT ${COLUMNS} FROM apps ORDER BY id`);
    return rows.map(toRecord);
  }

  async add(app: NewApp): Promise<AppRecord> {
    const [env, sealed] = this.secretColumns(app.id, app.secret);
    const rows = await this.db
      .query<AppRow>(
        `INSERT INTO apps (id, app_id, display_name, protocols, secret_env, secret_sealed, overrides, disabled,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4::text[], $5, $6, $7::text::jsonb, false, $8, $8)
         RETURNING ${COLUMNS}`,
        [
          app.id,
          app.appId,
          app.displayName,
          [...app.protocols],
          env,
          sealed,
          JSON.stringify(app.overrides ?? {}),
          app.now,
        ],
      )
      .catch(rethrowTaken);
    return toRecord(rows[0]!);
  }

  async update(id: string, change: AppChange, now: Date): Promise<AppRecord | null> {
    const secret = change.secret === undefined ? null : this.secretColumns(id, change.secret);
    const rows = await this.db
      .query<AppRow>(
        `UPDATE apps SET
           app_id = coalesce($2, app_id),
           display_name = coalesce($3, display_name),
           protocols = coalesce($4::text[], protocols),
           overrides = coalesce($5::text::jsonb, overrides),
           secret_env = CASE WHEN $6::boolean THEN $7 ELSE secret_env END,
           secret_sealed = CASE WHEN $6::boolean THEN $8 ELSE secret_sealed END,
           disabled = coalesce($9, disabled),
           updated_at = $10
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          change.appId ?? null,
          change.displayName ?? null,
          change.protocols === undefined ? null : [...change.protocols],
          change.overrides === undefined ? null : JSON.stringify(change.overrides),
          secret !== null,
          secret?.[0] ?? null,
          secret?.[1] ?? null,
          change.disabled ?? null,
          now,
        ],
      )
      .catch(rethrowTaken);
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async storedSecret(id: string): Promise<string | null> {
    const rows = await this.db.query<{ secret_sealed: string | null }>(
      'SELECT secret_sealed FROM apps WHERE id = $1',
      [id],
    );
    const sealed = rows[0]?.secret_sealed ?? null;
    return sealed === null ? null : this.cipher.decrypt(sealed, appSecretContext(id));
  }

  /** [secret_env, secret_sealed]: exactly one is set (the table's apps_one_secret_source). */
  private secretColumns(id: string, secret: NewApp['secret']): [string | null, string | null] {
    return secret.kind === 'ENV'
      ? [secret.variable, null]
      : [null, this.cipher.encrypt(secret.value, appSecretContext(id))];
  }
}

/** A unique violation: the slug (primary key) or the WeChat appid is another app's. */
function rethrowTaken(error: unknown): never {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  if (e?.code === '23505') {
    throw new AppExistsError(e.constraint === 'apps_pkey' ? 'id' : 'appId');
  }
  throw error;
}

function toRecord(row: AppRow): AppRecord {
  const secretSource: AppSecretSource =
    row.secret_env !== null ? { kind: 'ENV', variable: row.secret_env } : { kind: 'STORED' };
  return {
    id: row.id,
    appId: row.app_id,
    displayName: row.display_name,
    protocols: [...row.protocols],
    disabled: row.disabled,
    secretSource,
    overrides: row.overrides ?? {},
    origin: 'DATABASE',
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
