import type { WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '@facegate/domain';
import type { Queryable } from './database/database';

/** The webhook tables' rows and their mapping, shared by the webhook adapters (not exported by the package). */
export interface EndpointRow {
  id: string;
  url: string;
  description: string;
  events: string[];
  apps: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  session_id: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const ENDPOINT_COLUMNS = `id, url, description, events, apps, enabled, disabled_reason, disabled_at, failing_since,
  previous_secret_expires_at, created_by, created_at, updated_at`;
export const DELIVERY_COLUMNS = `id, endpoint_id, event_id::text AS event_id, event_type, session_id, status, attempts,
  next_attempt_at, last_status_code, last_error, created_at, finished_at`;
/** Secrets are sealed with this context, so a sealed value cannot be moved into another column's place. */
export const SECRET_CONTEXT = 'webhook-endpoint-secret';

/** Ends an endpoint's pending deliveries (it was disabled): FAILED with `reason`, redeliver sends them again. */
export async function failPendingOf(q: Queryable, endpointId: string, reason: string, now: Date) {
  await q.query(
    `UPDATE webhook_deliveries SET status = 'FAILED', last_error = $2, finished_at = $3, updated_at = $3,
       claim_token = NULL
     WHERE endpoint_id = $1 AND status = 'PENDING'`,
    [endpointId, reason, now],
  );
}

export function toEndpoint(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: r.events,
    apps: r.apps === null ? null : [...r.apps],
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    disabledAt: dateOrNull(r.disabled_at),
    failingSince: dateOrNull(r.failing_since),
    previousSecretExpiresAt: dateOrNull(r.previous_secret_expires_at),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/** What a delivery row and a claimed delivery both carry: which event, for which endpoint, tried how often. */
export function deliveryIdentityOf(
  r: Pick<DeliveryRow, 'id' | 'endpoint_id' | 'event_id' | 'event_type' | 'session_id' | 'attempts'>,
) {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: Number(r.event_id),
    eventType: r.event_type,
    sessionId: r.session_id,
    attempts: r.attempts,
  };
}

export function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    ...deliveryIdentityOf(r),
    status: r.status,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    finishedAt: dateOrNull(r.finished_at),
  };
}

function dateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}
