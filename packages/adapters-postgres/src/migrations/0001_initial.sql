-- FaceGate's first schema. Tables hold no raw name or ID number (see shared/architecture.md "Data and privacy").

CREATE TABLE verification_sessions (
  id text PRIMARY KEY,
  protocol text NOT NULL CHECK (protocol IN ('LEGACY', 'V2')),
  status text NOT NULL CHECK (status IN ('PENDING', 'VERIFIED', 'FAILED', 'CANCELED', 'EXPIRED')),
  -- Kept in clear on purpose: openid is WeChat's app-scoped pseudonymous user id (not a name or ID number),
  -- and the list / "is this user verified?" queries filter on it.
  openid text NOT NULL,
  liveness_type text NULL,
  observed_liveness text NULL,
  masked_name text NOT NULL,
  masked_id_card_number text NOT NULL,
  -- Keyed HMAC of the ID number: comparable, not recoverable.
  id_number_hmac text NOT NULL,
  -- The rules' hashes (MD5s or cert_hash, userIdKey, verifyId) sealed with the FieldCipher (AES-256-GCM);
  -- dropped as soon as the session ends, which the constraint below enforces.
  binding_sealed text NULL,
  attempts integer NOT NULL CHECK (attempts >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts >= 0),
  last_error jsonb NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  verified_at timestamptz NULL,
  ended_at timestamptz NULL,
  client_reference_id text NULL,
  -- 'user', or the id of the service API key that started it.
  initiator text NOT NULL,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT verification_sessions_binding_only_while_pending CHECK (status = 'PENDING' OR binding_sealed IS NULL)
);

-- list(): newest first by (created_at, id), optionally narrowed by openid or status.
CREATE INDEX verification_sessions_created_idx ON verification_sessions (created_at DESC, id DESC);
CREATE INDEX verification_sessions_openid_created_idx ON verification_sessions (openid, created_at DESC, id DESC);
CREATE INDEX verification_sessions_status_created_idx ON verification_sessions (status, created_at DESC, id DESC);
-- findExpirable(): the PENDING ones, oldest expiry first.
CREATE INDEX verification_sessions_pending_expiry_idx ON verification_sessions (expires_at, id)
  WHERE status = 'PENDING';
-- findLatestVerified(): a user's most recent VERIFIED session.
CREATE INDEX verification_sessions_verified_idx ON verification_sessions (openid, verified_at DESC, created_at DESC)
  WHERE status = 'VERIFIED';

-- One row per piece of evidence ever presented: the replay guard. The primary key on the evidence hash makes a
-- second claim of the same evidence fail atomically, across any number of gateway instances.
-- No foreign key to the session: a claim is taken before the upstream call and may outlive nothing else.
CREATE TABLE evidence_claims (
  -- HMAC of the evidence (legacy verifyResult, v2 verifyId); the evidence itself is never stored.
  evidence_hash text PRIMARY KEY,
  session_id text NOT NULL,
  claimed_at timestamptz NOT NULL,
  completed_at timestamptz NULL,
  outcome_status text NULL CHECK (outcome_status IN ('PENDING', 'VERIFIED', 'FAILED', 'CANCELED', 'EXPIRED')),
  outcome_failure jsonb NULL,
  outcome_attempt integer NULL,
  CONSTRAINT evidence_claims_outcome_when_completed CHECK ((completed_at IS NULL) = (outcome_status IS NULL))
);

CREATE INDEX evidence_claims_session_idx ON evidence_claims (session_id);

-- Service API keys. The secret is stored only as the gateway's hash of it; the prefix finds the row.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  prefix text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  scopes jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz NULL,
  last_used_at timestamptz NULL
);

-- Every published event, also announced with NOTIFY facegate_events. Payloads carry ids, status and counts only.
CREATE TABLE event_outbox (
  id bigserial PRIMARY KEY,
  event_type text NOT NULL,
  session_id text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX event_outbox_created_idx ON event_outbox (created_at);
CREATE INDEX event_outbox_session_idx ON event_outbox (session_id, id);
