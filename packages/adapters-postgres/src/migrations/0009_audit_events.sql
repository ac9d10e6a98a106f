-- The audit trail: who read or changed what (ids, never contents), one row per event, each chained to the one
-- before by hash = SHA-256(previous_hash || canonical JSON of the row) (the domain's auditRowHash). Writers
-- append in batches under an advisory lock, so sequences are consecutive whoever writes.
CREATE TABLE audit_events (
  sequence bigint PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_name text,
  action text NOT NULL,
  targets jsonb NOT NULL,
  request_id text,
  client_address_hmac text,
  outcome text NOT NULL,
  details jsonb NOT NULL,
  previous_hash text NOT NULL CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, sequence);
CREATE INDEX audit_events_action_idx ON audit_events (action, sequence);
CREATE INDEX audit_events_targets_idx ON audit_events USING gin (targets jsonb_path_ops);

-- Append-only: UPDATE, DELETE and TRUNCATE are refused. The one exception is the trail's own retention,
-- which removes whole old segments inside a transaction that set facegate.audit_retention (set_config(...,
-- true): it ends with the transaction) and appends a row saying what it removed. Whoever can set that can
-- also drop the trigger: the trigger stops mistakes and ordinary writers, the hash chain and the signed
-- checkpoints are what make tampering by a superuser visible.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('facegate.audit_retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'FGAUD', MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
