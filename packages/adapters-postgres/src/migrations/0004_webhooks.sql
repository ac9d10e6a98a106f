-- Webhooks: endpoints as data, one delivery per (endpoint, outbox event), every attempt recorded.

-- The outbox gets a reader: dispatched_at is set once the event has been fanned out to the endpoints
-- subscribed to it (NULL = not yet). Rows written before this migration had no reader and are dispatched.
ALTER TABLE event_outbox ADD COLUMN dispatched_at timestamptz NULL;
-- What a webhook says about the session, read from its row by the statement that writes the event (so a later
-- change cannot alter an earlier event's payload): protocol, openid, the last failure, dates. No PII.
ALTER TABLE event_outbox ADD COLUMN session_details jsonb NULL;
UPDATE event_outbox SET dispatched_at = created_at;
CREATE INDEX event_outbox_undispatched_idx ON event_outbox (id) WHERE dispatched_at IS NULL;
CREATE INDEX event_outbox_undispatched_session_idx ON event_outbox (session_id, id) WHERE dispatched_at IS NULL;

CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- the event types delivered, e.g. ["verification.verified"]
  events jsonb NOT NULL,
  -- signing secrets sealed with the FieldCipher (AES-256-GCM), never stored in clear
  secret_sealed text NOT NULL,
  -- after a rotation the previous secret keeps signing (a second v1 signature) until previous_secret_expires_at
  previous_secret_sealed text NULL,
  previous_secret_expires_at timestamptz NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- why it was disabled: 'MANUAL', or 'FAILING' (every delivery failed for the failure window)
  disabled_reason text NULL,
  disabled_at timestamptz NULL,
  -- the first failed attempt since the last success; NULL while healthy
  failing_since timestamptz NULL,
  -- the API key id that created it, or 'cli'
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  -- the outbox row: per (endpoint, session), deliveries go out in event_id order
  event_id bigint NOT NULL,
  event_type text NOT NULL,
  session_id text NOT NULL,
  -- the exact body signed and sent on every attempt (ids, status, codes, dates; no name, ID number or evidence)
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
  attempts integer NOT NULL DEFAULT 0,
  -- when it is next due; while an instance holds it, the end of that instance's lease
  next_attempt_at timestamptz NOT NULL,
  -- set by each claim; a finish that does not carry the current token is from a lease that was lost
  claim_token text NULL,
  last_status_code integer NULL,
  last_error text NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz NULL,
  UNIQUE (endpoint_id, event_id)
);

-- the relay's claim: due pending deliveries
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
-- order per session: is an earlier delivery of this session still pending?
CREATE INDEX webhook_deliveries_session_idx ON webhook_deliveries (endpoint_id, session_id, event_id)
  WHERE status = 'PENDING';
-- webhookDeliveries(endpointId, status): newest first
CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- retention
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (finished_at) WHERE status <> 'PENDING';

CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  -- NULL when no answer came (refused address, connection error, timeout)
  status_code integer NULL,
  latency_ms integer NOT NULL,
  -- the first bytes of the answer, bounded
  response_excerpt text NULL,
  error text NULL
);

CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
