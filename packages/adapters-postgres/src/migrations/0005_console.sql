-- The operator console's read paths. Its period aggregates scan verification_sessions by created_at: this
-- index carries every column they read, so they are answered from the index alone (no table visits).
CREATE INDEX verification_sessions_console_idx ON verification_sessions (created_at)
  INCLUDE (protocol, status, attempts, ended_at);
-- Sessions filtered by the business's own reference (few rows carry one, so only those are indexed).
CREATE INDEX verification_sessions_client_reference_idx
  ON verification_sessions (client_reference_id, created_at DESC, id DESC)
  WHERE client_reference_id IS NOT NULL;

-- Rollups of closed days (China Standard Time), so the overview of a long period reads a few thousand rows
-- instead of every session in it. A day is rolled up once it ended more than a day ago and holds no PENDING
-- session: every session in it has its final status, so its counts never change again. Filled on demand by
-- the first overview that covers the day (SqlConsoleQueries), one statement per batch of days.
CREATE TABLE console_rolled_days (
  day date PRIMARY KEY,
  rolled_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE console_daily_counts (
  day date NOT NULL,
  protocol text NOT NULL,
  status text NOT NULL,
  sessions integer NOT NULL,
  -- sessions with at least one recorded confirm attempt (the face check ran on the device)
  device_ran integer NOT NULL,
  PRIMARY KEY (day, protocol, status)
);
-- Start-to-outcome times of the VERIFIED and FAILED sessions, to the whole second, for the percentiles.
CREATE TABLE console_daily_durations (
  day date NOT NULL,
  protocol text NOT NULL,
  seconds integer NOT NULL,
  sessions integer NOT NULL,
  PRIMARY KEY (day, protocol, seconds)
);
