-- Webhook endpoints belong to the API key that created them (created_by): an owner's listing reads this index.
CREATE INDEX webhook_endpoints_created_by_idx ON webhook_endpoints (created_by, created_at, id);

-- Attempt errors are short categories from now on (TIMEOUT, TLS_ERROR, HTTP_503, ...), never the text of a
-- connect or TLS error, which could name a certificate's hosts or an internal address. Earlier rows are
-- rewritten to the category their text falls in.
CREATE FUNCTION pg_temp.webhook_error_category(error text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN error IS NULL THEN NULL
    WHEN error ~ '^HTTP [0-9]{3}$' THEN 'HTTP_' || substr(error, 6)
    WHEN error = 'timed out' OR error ~ 'TIMEOUT' THEN 'TIMEOUT'
    WHEN error = 'address not allowed' THEN 'ADDRESS_NOT_ALLOWED'
    WHEN error = 'endpoint disabled' THEN 'ENDPOINT_DISABLED'
    WHEN error = 'endpoint disabled after failing continuously' THEN 'ENDPOINT_FAILING'
    WHEN error ~ '^ECONNREFUSED' THEN 'CONNECTION_REFUSED'
    WHEN error ~ '^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)' THEN 'CONNECTION_CLOSED'
    WHEN error ~ '^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|ENODATA)' THEN 'DNS_ERROR'
    WHEN error ~ '^(ENETUNREACH|EHOSTUNREACH|EHOSTDOWN|ENETDOWN)' THEN 'NETWORK_UNREACHABLE'
    WHEN error ~ '^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|EPROTO|ERR_OSSL)' THEN 'TLS_ERROR'
    WHEN error ~ '^UND_ERR_HEADERS_OVERFLOW' THEN 'RESPONSE_TOO_LARGE'
    ELSE 'REQUEST_FAILED'
  END
$$;
UPDATE webhook_attempts SET error = pg_temp.webhook_error_category(error) WHERE error IS NOT NULL;
UPDATE webhook_deliveries SET last_error = pg_temp.webhook_error_category(last_error) WHERE last_error IS NOT NULL;

-- Answers are kept only when they came from a public address; earlier excerpts were kept from any address
-- (outside production, a loopback service's answer), and which address answered was not recorded: drop them.
UPDATE webhook_attempts SET response_excerpt = NULL WHERE response_excerpt IS NOT NULL;
DROP FUNCTION pg_temp.webhook_error_category(text);

-- From now on only a category fits: an error's text (a certificate's names, an address) cannot be stored.
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_error_is_category
  CHECK (error IS NULL OR error ~ '^[A-Z][A-Z0-9_]{0,39}$');
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_last_error_is_category
  CHECK (last_error IS NULL OR last_error ~ '^[A-Z][A-Z0-9_]{0,39}$');
