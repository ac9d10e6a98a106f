import type {
  PageCursor,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryLog,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookEndpointOwner,
} from '@facegate/domain';
import { EVERY_ENDPOINT_OWNER } from '@facegate/domain';
import type { Database } from './database/database';
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from './sql-webhook-rows';

/** Webhook deliveries and their attempts as history, in PostgreSQL (PGlite too). */
export class SqlWebhookDeliveryLog implements WebhookDeliveryLog {
  constructor(private readonly db: Database) {}

  async find(
    id: string,
    owner: WebhookEndpointOwner = EVERY_ENDPOINT_OWNER,
  ): Promise<WebhookDelivery | null> {
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE id = $1 AND ($2::text IS NULL OR endpoint_id IN (SELECT id FROM webhook_endpoints WHERE created_by = $2))`,
      [id, owner],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async listForSessions(sessionIds: readonly string[]): Promise<WebhookDelivery[]> {
    if (sessionIds.length === 0) return [];
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE session_id = ANY($1::text[])
       ORDER BY created_at DESC, id DESC`,
      [[...sessionIds]],
    );
    return rows.map(toDelivery);
  }

  async list(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    first: number,
    after: PageCursor | null,
  ): Promise<WebhookDeliveryPage> {
    const rows = await this.db.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [endpointId, status, after?.createdAt ?? null, after?.id ?? '', first + 1],
    );
    return { items: rows.slice(0, first).map(toDelivery), hasNextPage: rows.length > first };
  }

  async attemptsOf(deliveryIds: readonly string[]): Promise<WebhookAttempt[]> {
    if (deliveryIds.length === 0) return [];
    const rows = await this.db.query<{
      delivery_id: string;
      attempted_at: Date;
      status_code: number | null;
      latency_ms: number;
      response_excerpt: string | null;
      error: string | null;
    }>(
      `SELECT delivery_id, attempted_at, status_code, latency_ms, response_excerpt, error FROM webhook_attempts
       WHERE delivery_id = ANY($1::text[]) ORDER BY id`,
      [deliveryIds],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      attemptedAt: new Date(r.attempted_at),
      statusCode: r.status_code,
      latencyMs: r.latency_ms,
      responseExcerpt: r.response_excerpt,
      error: r.error,
    }));
  }

  async prune(olderThan: Date, batch = 5_000): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `WITH pruned AS (
         DELETE FROM webhook_deliveries WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE status <> 'PENDING' AND finished_at < $1 LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM pruned`,
      [olderThan, batch],
    );
    return rows[0]?.n ?? 0;
  }
}
