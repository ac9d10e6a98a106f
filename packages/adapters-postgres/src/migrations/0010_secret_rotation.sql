-- Secret rotation: which replay-guard claims could still be shown to an open session is asked by claim time
-- (at start-up and by `facegate secrets rotate`), so those claims are found without reading the whole table.
CREATE INDEX evidence_claims_claimed_at_idx ON evidence_claims (claimed_at);
