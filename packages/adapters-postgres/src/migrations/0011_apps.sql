-- Apps: several WeChat mini programs served by one deployment. Every session belongs to one app; rows made
-- before apps belong to 'default' (the app WECHAT_APP_ID defines). See the domain's apps/app.ts.

-- The apps managed at run time (`facegate apps`, the console); those of the apps file and the environment are
-- not stored. The WeChat secret is either named (secret_env: an environment variable, the secret never reaches
-- the database) or stored sealed with the FieldCipher (AES-256-GCM, the webhook secrets' key ring), never in
-- clear.
CREATE TABLE apps (
  id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{0,31}$'),
  app_id text NOT NULL UNIQUE,
  display_name text NOT NULL,
  -- the flows WeChat approved, in order of preference
  protocols text[] NOT NULL CHECK (cardinality(protocols) > 0 AND protocols <@ ARRAY['LEGACY', 'V2']),
  secret_env text NULL,
  secret_sealed text NULL,
  -- the deployment's defaults this app overrides (alternative, start limits); no secret, no personal data
  overrides jsonb NOT NULL DEFAULT '{}'::jsonb,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT apps_one_secret_source CHECK ((secret_env IS NULL) <> (secret_sealed IS NULL))
);

-- The session's app: not personal data, so it stays after redaction (verification_sessions_redacted_holds_nothing,
-- migration 0007, names the columns a redaction empties; app is not among them). A constant default: existing
-- rows are not rewritten (PostgreSQL 11+ stores it once in the catalog), and they read as 'default'.
-- No new index: `list(app)` / `list(apps)` are served by verification_sessions_created_idx (newest first,
-- filtered, as list(status) since 0008), and `findLatestVerified(openid, app)` / `list(openid, app)` by
-- verification_sessions_openid_created_idx (one user's few sessions: WeChat's openids differ per mini program,
-- so another app's rows under the same openid are rare). An ended session is a non-HOT update that writes an
-- entry in every index of the table, and rebuilding the openid index here would lock the table's writes.
ALTER TABLE verification_sessions ADD COLUMN app text NOT NULL DEFAULT 'default';

-- The apps an API key may see and act in, and the apps whose sessions a webhook endpoint is told of; NULL
-- (every row made before apps) = every app.
ALTER TABLE api_keys ADD COLUMN apps text[] NULL;
ALTER TABLE webhook_endpoints ADD COLUMN apps text[] NULL;
