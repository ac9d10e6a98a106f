-- The operator console's read paths. Its period aggregates scan verification_sessions by created_at: this
-- index carries every column they read, so they are answered from the index alone (no table visits).
CREATE INDEX verification_sessions_console_idx ON verification_sessions (created_at)
  INCLUDE (protocol, status, attempts, ended_at);
-- Sessions filtered by the business's own reference (few rows carry one, so only those are indexed).
CREATE INDEX verification_sessions_client_reference_idx
  ON verification_sessions (client_reference_id, created_at DESC, id DESC)
  WHERE client_reference_id IS NOT NULL;
