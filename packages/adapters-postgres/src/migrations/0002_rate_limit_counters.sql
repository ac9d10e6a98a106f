-- Fixed-window abuse counters shared by every gateway instance on this database. Keys are keyed hashes
-- (HMACs of ID numbers, openids, client addresses), never the values themselves.
CREATE TABLE rate_limit_counters (
  scope text NOT NULL,
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL CHECK (count > 0),
  -- the end of the window: rows past it only wait to be pruned
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key, window_start)
);

CREATE INDEX rate_limit_counters_expires_idx ON rate_limit_counters (expires_at);
