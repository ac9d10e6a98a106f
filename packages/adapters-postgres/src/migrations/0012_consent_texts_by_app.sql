-- Consent texts of an app: a text is the deployment's (app NULL: every app without a text of its own of that
-- kind uses it) or one app's. Versions stay unique across apps (the primary key), so a receipt's version still
-- names one text. See the domain's privacy/consent.ports.ts.

-- A nullable column without a default: no row is rewritten (and none updated, so the row trigger of 0007,
-- consent_texts_immutable, has nothing to refuse); every text published before reads as the deployment's.
-- The trigger stays: a text, its app included, never changes once published.
ALTER TABLE consent_texts
  ADD COLUMN app text NULL CONSTRAINT consent_texts_app_slug CHECK (app ~ '^[a-z][a-z0-9-]{0,31}$');

-- The current text of a kind for an app: its own latest, else the deployment's (app IS NULL) latest.
DROP INDEX consent_texts_current_idx;
CREATE INDEX consent_texts_current_idx ON consent_texts (kind, app, seq DESC);
