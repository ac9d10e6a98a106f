import type { KeyedRowCount, KeyedRowKind, ResealBatch, SecretRotationStore } from '@facegate/domain';
import type { AesGcmFieldCipher } from './crypto/aes-gcm-field-cipher';
import type { Database } from './database/database';
import { appSecretContext } from './sql-app-store';
import { SECRET_CONTEXT } from './sql-webhook-rows';

export interface SqlSecretRotationOptions {
  /** The sessions' binding cipher (its first key seals). */
  readonly sessionCipher: AesGcmFieldCipher;
  /**
   * The webhook endpoints' secret cipher, which also seals the apps' stored WeChat secrets (SqlAppStore): both
   * are counted and re-sealed as the kind 'webhook-secret'.
   */
  readonly webhookCipher: AesGcmFieldCipher;
  /**
   * How far before the oldest open session's start a piece of evidence may have been made and still pass
   * that session's rules (the result rules' clock skew): claims older than that can no longer matter.
   */
  readonly evidenceSkewMs: number;
}

/** `v2.<key id>.` and `<key id>:` as stored; anything else was written before key ids. */
const SEALED_KEY_ID = (column: string) =>
  `CASE WHEN ${column} ~ '^v2\\.[0-9a-f]{8}\\.' THEN substr(${column}, 4, 8) END`;
const HASH_KEY_ID = (column: string) =>
  `CASE WHEN ${column} ~ '^[0-9a-f]{8}:' THEN substr(${column}, 1, 8) END`;

/**
 * Counts per kind and key id in one statement. An evidence claim still matters while an open session could be
 * shown that evidence: a legacy session started before the evidence was made, or one started from now on, within
 * the clock skew the rules allow (an older verifyResult fails a session's time rule whatever the replay guard
 * says); or the claim's own session. A v2 verifyId passes only the session whose out_seq_no it was issued for, so an open v2 session
 * holds only its own claims.
 */
const COUNT_SQL = `
SELECT 'session-binding' AS kind, ${SEALED_KEY_ID('binding_sealed')} AS key_id, count(*)::int AS rows
  FROM verification_sessions WHERE status = 'PENDING' AND binding_sealed IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'webhook-secret', key_id, count(*)::int FROM (
  SELECT ${SEALED_KEY_ID('secret_sealed')} AS key_id FROM webhook_endpoints
  UNION ALL
  SELECT ${SEALED_KEY_ID('previous_secret_sealed')} FROM webhook_endpoints
   WHERE previous_secret_sealed IS NOT NULL AND previous_secret_expires_at > $1
  UNION ALL
  SELECT ${SEALED_KEY_ID('secret_sealed')} FROM apps WHERE secret_sealed IS NOT NULL
) w GROUP BY 2
UNION ALL
SELECT 'api-key', ${HASH_KEY_ID('secret_hash')}, count(*)::int FROM api_keys WHERE revoked_at IS NULL GROUP BY 2
UNION ALL
SELECT 'evidence-claim', ${HASH_KEY_ID('evidence_hash')}, count(*)::int FROM (
  SELECT evidence_hash FROM evidence_claims
   WHERE claimed_at >= LEAST($1, (SELECT min(created_at) FROM verification_sessions
                                   WHERE status = 'PENDING' AND protocol = 'LEGACY')) - $2::interval
  UNION
  SELECT c.evidence_hash FROM evidence_claims c JOIN verification_sessions s ON s.id = c.session_id
   WHERE s.status = 'PENDING'
) e GROUP BY 2`;

/**
 * The 'webhook-secret' kind's cursor once the endpoints are done: the apps' stored secrets follow, from the
 * slug after it ('app:' alone: the first). Endpoint ids (we_ and base64url) never start with it.
 */
const APPS_CURSOR = 'app:';

/** The SQL side of a secret rotation (PGlite and PostgreSQL alike). */
export class SqlSecretRotation implements SecretRotationStore {
  constructor(
    private readonly db: Database,
    private readonly options: SqlSecretRotationOptions,
  ) {}

  async countByKey(now: Date): Promise<KeyedRowCount[]> {
    const rows = await this.db.query<{ kind: KeyedRowKind; key_id: string | null; rows: number }>(COUNT_SQL, [
      now,
      `${this.options.evidenceSkewMs} milliseconds`,
    ]);
    return rows.map((r) => ({ kind: r.kind, keyId: r.key_id, rows: r.rows }));
  }

  reseal(
    kind: 'session-binding' | 'webhook-secret',
    after: string | null,
    limit: number,
  ): Promise<ResealBatch> {
    return kind === 'session-binding' ? this.resealSessions(after, limit) : this.resealSecrets(after, limit);
  }

  /**
   * The endpoints' secrets, then the apps' stored secrets (one cipher seals both); the batch in which the
   * endpoints end goes on with the apps, up to `limit` rows in all.
   */
  private async resealSecrets(after: string | null, limit: number): Promise<ResealBatch> {
    if (after?.startsWith(APPS_CURSOR))
      return this.resealApps(after.slice(APPS_CURSOR.length) || null, limit);
    const endpoints = await this.resealWebhooks(after, limit);
    if (endpoints.next !== null) return endpoints;
    // the endpoints' last batch looked at fewer than `limit` rows (each resealed or skipped)
    const room = limit - endpoints.resealed - endpoints.skipped;
    if (room <= 0) return { ...endpoints, next: APPS_CURSOR };
    const apps = await this.resealApps(null, room);
    return {
      resealed: endpoints.resealed + apps.resealed,
      skipped: endpoints.skipped + apps.skipped,
      next: apps.next,
    };
  }

  /**
   * Open sessions whose binding another key sealed, by id from `after`: each opened and sealed again with the
   * current key, and written only while the stored value is unchanged (a confirmation that ended the session
   * meanwhile wins; the binding is gone then anyway). The version is not bumped: the session did not change.
   */
  private async resealSessions(after: string | null, limit: number): Promise<ResealBatch> {
    const { sessionCipher } = this.options;
    const rows = await this.db.query<{ id: string; binding_sealed: string }>(
      `SELECT id, binding_sealed FROM verification_sessions
       WHERE status = 'PENDING' AND binding_sealed IS NOT NULL AND binding_sealed NOT LIKE $1
         AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [`v2.${sessionCipher.currentKeyId}.%`, after, limit],
    );
    let resealed = 0;
    let skipped = 0;
    for (const row of rows) {
      let sealed: string;
      try {
        sealed = sessionCipher.encrypt(sessionCipher.decrypt(row.binding_sealed, row.id), row.id);
      } catch {
        skipped++;
        continue;
      }
      const updated = await this.db.query(
        'UPDATE verification_sessions SET binding_sealed = $3 WHERE id = $1 AND binding_sealed = $2 RETURNING id',
        [row.id, row.binding_sealed, sealed],
      );
      if (updated.length === 1) resealed++;
      else skipped++;
    }
    return { resealed, skipped, next: rows.length < limit ? null : rows.at(-1)!.id };
  }

  /** Webhook endpoints whose secrets (current and previous) another key sealed; as resealSessions. */
  private async resealWebhooks(after: string | null, limit: number): Promise<ResealBatch> {
    const { webhookCipher } = this.options;
    const current = `v2.${webhookCipher.currentKeyId}.%`;
    const rows = await this.db.query<{
      id: string;
      secret_sealed: string;
      previous_secret_sealed: string | null;
    }>(
      `SELECT id, secret_sealed, previous_secret_sealed FROM webhook_endpoints
       WHERE (secret_sealed NOT LIKE $1 OR previous_secret_sealed NOT LIKE $1)
         AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [current, after, limit],
    );
    const reseal = (value: string) =>
      webhookCipher.encrypt(webhookCipher.decrypt(value, SECRET_CONTEXT), SECRET_CONTEXT);
    let resealed = 0;
    let skipped = 0;
    for (const row of rows) {
      let secret: string;
      let previous: string | null;
      try {
        secret = reseal(row.secret_sealed);
        previous = row.previous_secret_sealed === null ? null : reseal(row.previous_secret_sealed);
      } catch {
        skipped++;
        continue;
      }
      const updated = await this.db.query(
        `UPDATE webhook_endpoints SET secret_sealed = $4, previous_secret_sealed = $5
         WHERE id = $1 AND secret_sealed = $2 AND previous_secret_sealed IS NOT DISTINCT FROM $3 RETURNING id`,
        [row.id, row.secret_sealed, row.previous_secret_sealed, secret, previous],
      );
      if (updated.length === 1) resealed++;
      else skipped++;
    }
    return { resealed, skipped, next: rows.length < limit ? null : rows.at(-1)!.id };
  }

  /** Apps whose stored secret another key sealed; as resealSessions (updated_at stays: the app did not change). */
  private async resealApps(after: string | null, limit: number): Promise<ResealBatch> {
    const { webhookCipher } = this.options;
    const rows = await this.db.query<{ id: string; secret_sealed: string }>(
      `SELECT id, secret_sealed FROM apps
       WHERE secret_sealed IS NOT NULL AND secret_sealed NOT LIKE $1 AND ($2::text IS NULL OR id > $2)
       ORDER BY id LIMIT $3`,
      [`v2.${webhookCipher.currentKeyId}.%`, after, limit],
    );
    let resealed = 0;
    let skipped = 0;
    for (const row of rows) {
      let sealed: string;
      try {
        const context = appSecretContext(row.id);
        sealed = webhookCipher.encrypt(webhookCipher.decrypt(row.secret_sealed, context), context);
      } catch {
        skipped++;
        continue;
      }
      const updated = await this.db.query(
        'UPDATE apps SET secret_sealed = $3 WHERE id = $1 AND secret_sealed = $2 RETURNING id',
        [row.id, row.secret_sealed, sealed],
      );
      if (updated.length === 1) resealed++;
      else skipped++;
    }
    return { resealed, skipped, next: rows.length < limit ? null : `${APPS_CURSOR}${rows.at(-1)!.id}` };
  }
}
