import type {
  NewWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointChange,
  WebhookEndpointOwner,
  WebhookEndpointRepository,
} from '@facegate/domain';
import { EVERY_ENDPOINT_OWNER } from '@facegate/domain';
import type { FieldCipher } from './crypto/aes-gcm-field-cipher';
import type { Database } from './database/database';
import {
  ENDPOINT_COLUMNS,
  type EndpointRow,
  failPendingOf,
  SECRET_CONTEXT,
  toEndpoint,
} from './sql-webhook-rows';

/**
 * Webhook endpoints in PostgreSQL (PGlite too). Secrets are sealed with the cipher and never read back here:
 * only a claim of the delivery queue opens them. Ownership is part of each statement's WHERE clause.
 */
export class SqlWebhookEndpointRepository implements WebhookEndpointRepository {
  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
  ) {}

  async create(input: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    const rows = await this.db.query<EndpointRow>(
      `INSERT INTO webhook_endpoints
         (id, url, description, events, apps, secret_sealed, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4::text::jsonb, $8::text[], $5, $6, $7, $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [
        input.id,
        input.url,
        input.description,
        JSON.stringify(input.events),
        this.cipher.encrypt(input.secret, SECRET_CONTEXT),
        input.createdBy,
        input.now,
        input.apps == null ? null : [...input.apps],
      ],
    );
    return toEndpoint(rows[0]!);
  }

  async list(owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER): Promise<WebhookEndpoint[]> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE ($1::text IS NULL OR created_by = $1)
       ORDER BY created_at, id`,
      [owner],
    );
    return rows.map(toEndpoint);
  }

  async find(
    id: string,
    owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER,
  ): Promise<WebhookEndpoint | null> {
    const rows = await this.db.query<EndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND ($2::text IS NULL OR created_by = $2)`,
      [id, owner],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async update(
    id: string,
    change: WebhookEndpointChange,
    now: Date,
    owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER,
  ): Promise<WebhookEndpoint | null> {
    // one transaction: nobody sees the endpoint disabled while its deliveries are still pending
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<EndpointRow>(
        `UPDATE webhook_endpoints SET
         url = coalesce($2, url),
         description = coalesce($3, description),
         events = coalesce($4::text::jsonb, events),
         -- apps: absent leaves it, null = every app ($9 says which)
         apps = CASE WHEN $9::boolean THEN $8::text[] ELSE apps END,
         enabled = coalesce($5, enabled),
         disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason WHEN $5 THEN NULL ELSE 'MANUAL' END,
         disabled_at = CASE WHEN $5 IS NULL THEN disabled_at WHEN $5 THEN NULL ELSE $6 END,
         failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
         updated_at = $6
       WHERE id = $1 AND ($7::text IS NULL OR created_by = $7) RETURNING ${ENDPOINT_COLUMNS}`,
        [
          id,
          change.url ?? null,
          change.description ?? null,
          change.events === undefined ? null : JSON.stringify(change.events),
          change.enabled ?? null,
          now,
          owner,
          change.apps == null ? null : [...change.apps],
          change.apps !== undefined,
        ],
      );
      if (rows[0] === undefined) return null;
      if (change.enabled === false) await failPendingOf(tx, id, 'ENDPOINT_DISABLED', now);
      return toEndpoint(rows[0]);
    });
  }

  async rotateSecret(
    id: string,
    secret: string,
    previousUntil: Date,
    now: Date,
    owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER,
  ): Promise<WebhookEndpoint | null> {
    const rows = await this.db.query<EndpointRow>(
      `UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, secret_sealed = $2,
         previous_secret_expires_at = $3, updated_at = $4
       WHERE id = $1 AND ($5::text IS NULL OR created_by = $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [id, this.cipher.encrypt(secret, SECRET_CONTEXT), previousUntil, now, owner],
    );
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async delete(id: string, owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      'DELETE FROM webhook_endpoints WHERE id = $1 AND ($2::text IS NULL OR created_by = $2) RETURNING id',
      [id, owner],
    );
    return rows.length > 0;
  }

  async disableIfFailingSince(endpointId: string, failingBefore: Date, now: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'FAILING', disabled_at = $3, updated_at = $3
         WHERE id = $1 AND enabled AND failing_since IS NOT NULL AND failing_since <= $2 RETURNING id`,
        [endpointId, failingBefore, now],
      );
      if (rows.length === 0) return false;
      await failPendingOf(tx, endpointId, 'ENDPOINT_FAILING', now);
      return true;
    });
  }
}
