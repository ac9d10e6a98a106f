-- What a confirmation writes, made cheaper for PostgreSQL (measured in docs/performance.md, "Third pass").

-- Indexes no query needs any more. Ending a session is an update that changes its status, attempts,
-- verified_at and ended_at: every index holding one of those gets a new entry on each confirmation.
-- list(status) is served by verification_sessions_created_idx (newest first, filtered), findLatestVerified by
-- verification_sessions_openid_created_idx (a user's few sessions, filtered and sorted), and the console's
-- period aggregates by verification_sessions_created_idx (they now visit the rows they count; closed days come
-- from the daily rollups).
DROP INDEX verification_sessions_status_created_idx;
DROP INDEX verification_sessions_verified_idx;
DROP INDEX verification_sessions_console_idx;

-- A claim is inserted before the upstream call and completed after it (completed_at and the outcome, which no
-- index holds): with room left on the page, that second write is a HOT update (no index entry written).
ALTER TABLE evidence_claims SET (fillfactor = 70);

-- The webhook relay's reading position in the outbox, instead of marking every outbox row fanned out
-- (dispatched_at: one more non-HOT update per event). One row per consumer, advanced once per batch.
-- Outbox ids come from a sequence, so a row can commit after a higher id was read: the ids passed over and not
-- seen yet are kept in gap_ids, each with gap_horizons = the xmax of the snapshot that passed it over. A gap is
-- read again by every batch until it is found (then fanned out) or until the oldest running transaction is
-- newer than its horizon (every transaction that could have written it has ended: it was rolled back).
-- Fanned out = id <= position and not in gap_ids.
CREATE TABLE outbox_positions (
  consumer text PRIMARY KEY,
  position bigint NOT NULL,
  gap_ids bigint[] NOT NULL DEFAULT '{}',
  gap_horizons bigint[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT outbox_positions_gaps_paired CHECK (cardinality(gap_ids) = cardinality(gap_horizons))
) WITH (fillfactor = 50);

-- Rows not fanned out yet stay to be fanned out: they start as gaps (horizon 0: found, since they exist).
INSERT INTO outbox_positions (consumer, position, gap_ids, gap_horizons)
SELECT 'webhooks', coalesce(max(id), 0),
       coalesce(array_agg(id ORDER BY id) FILTER (WHERE dispatched_at IS NULL), '{}'),
       coalesce(array_agg(0::bigint ORDER BY id) FILTER (WHERE dispatched_at IS NULL), '{}')
FROM event_outbox;

DROP INDEX event_outbox_undispatched_idx;
DROP INDEX event_outbox_undispatched_session_idx;
ALTER TABLE event_outbox DROP COLUMN dispatched_at;
