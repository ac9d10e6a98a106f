-- Privacy by law (PIPL, the 2025 face recognition measures): consent receipts, minors, the alternative to the
-- face, redaction. See docs/compliance.md.

ALTER TABLE verification_sessions
  -- the receipt that let the face check run; kept after redaction (the proof of consent)
  ADD COLUMN consent_receipt_id text NULL,
  -- the holder was under 14 at the start: only a guardian text will do
  ADD COLUMN guardian_required boolean NOT NULL DEFAULT false,
  ADD COLUMN cancel_reason text NULL
    CHECK (cancel_reason IN ('REQUESTED', 'CONSENT_WITHDRAWN', 'ALTERNATIVE_CHOSEN', 'SUBJECT_ERASED')),
  ADD COLUMN redacted_at timestamptz NULL;
-- Sessions canceled before this migration were canceled on request.
UPDATE verification_sessions SET cancel_reason = 'REQUESTED' WHERE status = 'CANCELED';
ALTER TABLE verification_sessions ADD CONSTRAINT verification_sessions_redacted_holds_nothing CHECK (
  redacted_at IS NULL OR (openid = '' AND masked_name = '' AND masked_id_card_number = '' AND id_number_hmac = ''
    AND client_reference_id IS NULL AND binding_sealed IS NULL AND status <> 'PENDING')
);
-- Retention: the unredacted sessions, oldest first (redacted_at changes once, off the hot path).
CREATE INDEX verification_sessions_unredacted_idx ON verification_sessions (created_at, id) WHERE redacted_at IS NULL;
-- The console's "alternative chosen" count, answered from the index alone.
CREATE INDEX verification_sessions_alternative_idx ON verification_sessions (created_at)
  WHERE cancel_reason = 'ALTERNATIVE_CHOSEN';

-- Redaction and a person's copy find a session's deliveries (the existing session index covers PENDING only).
CREATE INDEX webhook_deliveries_by_session_idx ON webhook_deliveries (session_id);

-- Published consent texts: never changed nor deleted once published (a receipt names its version and hash).
CREATE TABLE consent_texts (
  version text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('STANDARD', 'GUARDIAN')),
  purpose text NOT NULL,
  text_zh text NOT NULL,
  text_en text NULL,
  sha256 text NOT NULL,
  published_at timestamptz NOT NULL,
  -- the current text of a kind is the latest published: ties broken by insertion order
  seq bigserial NOT NULL
);
CREATE INDEX consent_texts_current_idx ON consent_texts (kind, seq DESC);

CREATE FUNCTION facegate_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows never change once written', TG_TABLE_NAME USING ERRCODE = 'FGIMM';
END
$$;
CREATE TRIGGER consent_texts_immutable BEFORE UPDATE OR DELETE ON consent_texts
  FOR EACH ROW EXECUTE FUNCTION facegate_refuse_change();

-- One row per acceptance. The openid is kept only as a keyed HMAC: the receipt outlives the session's
-- redaction, and whoever holds the openid can still find and prove that person's consent.
CREATE TABLE consent_receipts (
  id text PRIMARY KEY,
  session_id text NOT NULL,
  openid_hmac text NOT NULL,
  version text NOT NULL REFERENCES consent_texts (version),
  text_sha256 text NOT NULL,
  purpose text NOT NULL,
  guardian boolean NOT NULL,
  accepted_at timestamptz NOT NULL,
  client_address_hmac text NULL,
  withdrawn_at timestamptz NULL
);
CREATE INDEX consent_receipts_session_idx ON consent_receipts (session_id);
CREATE INDEX consent_receipts_openid_idx ON consent_receipts (openid_hmac);
CREATE INDEX consent_receipts_accepted_idx ON consent_receipts (accepted_at);

-- Distinct people processed, for the provincial filing threshold (100,000): a digest of each ID-number HMAC,
-- counted once and kept after redaction. It links to no session once that session is redacted (the session's
-- HMAC is gone) and reveals nothing the HMAC did not.
CREATE TABLE people_seen (
  digest text PRIMARY KEY,
  first_seen_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO people_seen (digest)
  SELECT DISTINCT encode(sha256(convert_to(id_number_hmac, 'UTF8')), 'hex') FROM verification_sessions
  WHERE id_number_hmac <> ''
  ON CONFLICT DO NOTHING;
