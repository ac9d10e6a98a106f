import { describe, expect, it } from 'vitest';
import { summarizeStatement } from '../src/database/statement-span';

/** A statement's span is named by what it does to which tables: never a value, whatever the text holds. */
describe('summarizeStatement (the name of a SQL statement’s span)', () => {
  it.each([
    ['SELECT 1', 'SELECT', 'SELECT'],
    ['SELECT max(id)::text AS id FROM event_outbox', 'SELECT', 'SELECT event_outbox'],
    ['INSERT INTO api_keys (id, name) VALUES ($1, $2)', 'INSERT', 'INSERT api_keys'],
    ['UPDATE webhook_endpoints SET disabled_at = $2 WHERE id = $1', 'UPDATE', 'UPDATE webhook_endpoints'],
    [
      'DELETE FROM event_outbox WHERE id IN (SELECT id FROM event_outbox LIMIT $1)',
      'DELETE',
      'DELETE event_outbox SELECT event_outbox',
    ],
    [
      `WITH s AS (SELECT * FROM verification_sessions WHERE id = $1), claimed AS (
         INSERT INTO evidence_claims (evidence_hash) SELECT $2 FROM s ON CONFLICT (evidence_hash) DO NOTHING RETURNING 1)
       SELECT s.*, EXISTS (SELECT 1 FROM claimed) AS claimed FROM s`,
      'WITH',
      'SELECT verification_sessions INSERT evidence_claims',
    ],
    [
      `WITH updated AS (UPDATE verification_sessions SET status = $2 WHERE id = $1 RETURNING id)
       INSERT INTO evidence_claims (session_id) SELECT id FROM updated
       ON CONFLICT (evidence_hash) DO UPDATE SET session_id = EXCLUDED.session_id`,
      'WITH',
      'UPDATE verification_sessions INSERT evidence_claims',
    ],
    ['-- a comment\nBEGIN', 'BEGIN', 'BEGIN'],
  ])('%s', (sql, operation, name) => {
    expect(summarizeStatement(sql)).toMatchObject({ operation, name });
  });

  it('a literal in the text never reaches the name: only keywords and the tables they name', () => {
    const summary = summarizeStatement(
      "SELECT * FROM verification_sessions WHERE name_md5 = '张三' AND id = '110101199003070011'",
    );
    expect(summary.name).toBe('SELECT verification_sessions');
  });
});
