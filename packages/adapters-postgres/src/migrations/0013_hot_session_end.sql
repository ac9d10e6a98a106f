-- Ending a session as a HOT update (docs/performance.md, "Third pass"). PostgreSQL writes an update without new
-- index entries only when no column any index names changes, index predicates included, and the new version
-- fits on the row's page. Ending a session changes status, attempts, binding_sealed, last_error, verified_at,
-- ended_at and version; of those only status was named by an index: the expiry sweeper's partial index
-- (expires_at, id) WHERE status = 'PENDING' (0001). It is replaced by a plain (expires_at, id) index, and the
-- sweeper keeps a low-water mark so it does not rescan every session that ever expired.

-- Room on each page for the updated versions (acceptance of consent, then the ending): without it an update
-- moves the row to another page, which is not HOT. Applies to pages filled from now on.
ALTER TABLE verification_sessions SET (fillfactor = 90);

CREATE INDEX verification_sessions_expiry_idx ON verification_sessions (expires_at, id);

-- The expiry sweeper's low-water mark: no session with expires_at <= swept_to is PENDING. An ended session never
-- becomes PENDING again, and a new session expires after the clock that starts it, so the sweeper scans only
-- expires_at in (swept_to, now]. SqlVerificationSessionRepository keeps it: findExpirable advances it past
-- what it found ended, and a PENDING session written with expires_at <= swept_to lowers it (see there).
-- One row; fillfactor 50 so that its updates are HOT.
CREATE TABLE expiry_sweep_position (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  swept_to timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);

-- Everything before the first PENDING session (or now, when none is PENDING) is ended already. least()
-- ignores the NULL of an empty table.
INSERT INTO expiry_sweep_position (swept_to)
SELECT least(
  (SELECT min(expires_at) FROM verification_sessions WHERE status = 'PENDING') - interval '1 microsecond',
  now()
);

DROP INDEX verification_sessions_pending_expiry_idx;
