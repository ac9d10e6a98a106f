/**
 * What a secret rotation re-keys or waits for, by kind of stored row:
 * - `session-binding`: an open session's sealed binding (re-sealed by the rotation);
 * - `webhook-secret`: an endpoint's sealed signing secrets (re-sealed by the rotation);
 * - `api-key`: an active API key's secret hash (re-made at the key's next use: the secret is never kept);
 * - `evidence-claim`: the replay guard's hash of a piece of evidence that an open session could still be
 *   shown (it cannot be re-made: the evidence is never kept; it stops mattering once no session that could
 *   accept that evidence is open).
 */
export type KeyedRowKind = 'session-binding' | 'webhook-secret' | 'api-key' | 'evidence-claim';

export const KEYED_ROW_KINDS: readonly KeyedRowKind[] = [
  'session-binding',
  'webhook-secret',
  'api-key',
  'evidence-claim',
];

/** How many stored rows of one kind were made with one key. */
export interface KeyedRowCount {
  readonly kind: KeyedRowKind;
  /** The key id stored with the rows; null for rows written before key ids. */
  readonly keyId: string | null;
  readonly rows: number;
}

/** One batch of a rotation: rows re-sealed under the current key, rows looked at that could not be. */
export interface ResealBatch {
  readonly resealed: number;
  /** Rows that no live key opens, or that changed meanwhile (the next pass looks again). */
  readonly skipped: number;
  /** Where the next batch starts (resumable); null once the kind is done. */
  readonly next: string | null;
}

/**
 * Stored rows by the key that made them, and the re-sealing of sealed fields under the current key, in
 * bounded batches that are safe while gateways serve (each row is rewritten only if unchanged meanwhile).
 */
export interface SecretRotationStore {
  /** Rows that still matter, per kind and key id (the current key's included). */
  countByKey(now: Date): Promise<KeyedRowCount[]>;
  /** Re-seals up to `limit` rows of `kind` not sealed with the current key, after `after` (null: the start). */
  reseal(
    kind: 'session-binding' | 'webhook-secret',
    after: string | null,
    limit: number,
  ): Promise<ResealBatch>;
}
