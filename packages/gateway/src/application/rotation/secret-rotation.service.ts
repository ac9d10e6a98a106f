import {
  type Clock,
  KEYED_ROW_KINDS,
  type KeyedRowCount,
  type KeyedRowKind,
  type SecretRotationStore,
} from '@facegate/domain';

/** One step of a secret rotation, for the audit trail: counts and key ids only, never a secret. */
export interface RotationAuditEvent {
  readonly action:
    | 'secrets.rotate.started'
    | 'secrets.rotate.batch'
    | 'secrets.rotate.finished'
    | 'secrets.fallback.removable'
    | 'secrets.startup.refused';
  readonly details: Readonly<Record<string, string | number | null>>;
}

/** Where rotation steps are recorded; wired to the audit trail by the composition root. */
export interface RotationAuditSink {
  record(event: RotationAuditEvent): Promise<void>;
}

/** Records nothing: the default until an audit trail is wired in. */
export const NO_ROTATION_AUDIT: RotationAuditSink = { record: async () => {} };

/** A live key of the ring, as the rotation sees it: its id, and which secret made it (0 = current). */
export interface LiveKey {
  readonly id: string;
  readonly generation: number;
}

/** What still depends on what, per kind and key. */
export interface RotationReport {
  /** Rows made with the current secret's keys. */
  readonly current: readonly KeyedRowCount[];
  /** For each fallback (FACEGATE_SECRET_FALLBACKS entry n, from 1), the rows that still need it. */
  readonly fallbacks: readonly { readonly entry: number; readonly rows: readonly KeyedRowCount[] }[];
  /**
   * Rows written before key ids that the rotation cannot attribute (API key hashes, evidence hashes): made
   * with FACEGATE_SECRET or a fallback, FaceGate cannot tell which. Sealed values are attributed by opening.
   */
  readonly unattributed: readonly KeyedRowCount[];
  /** Rows whose key id no live key has: their secret was removed too early. */
  readonly orphaned: readonly KeyedRowCount[];
}

export interface SecretRotationDeps {
  readonly store: SecretRotationStore;
  /** The live keys for each kind of row, current first. */
  readonly keys: Readonly<Record<KeyedRowKind, readonly LiveKey[]>>;
  readonly clock: Clock;
  readonly audit?: RotationAuditSink;
}

const KIND_NAMES: Record<KeyedRowKind, [string, string]> = {
  'session-binding': ['open session binding', 'open session bindings'],
  'webhook-secret': ['webhook secret', 'webhook secrets'],
  'api-key': ['API key', 'API keys'],
  'evidence-claim': [
    'evidence claim an open session could still be shown',
    'evidence claims an open session could still be shown',
  ],
};

/** "2 API keys (key 1a2b3c4d), 1 webhook secret (key 5e6f7a8b)": what rows, made with which key. */
export function describeRows(rows: readonly KeyedRowCount[]): string {
  return rows
    .map((r) => {
      const [one, many] = KIND_NAMES[r.kind];
      return `${r.rows} ${r.rows === 1 ? one : many}${r.keyId === null ? '' : ` (key ${r.keyId})`}`;
    })
    .join(', ');
}

/**
 * `facegate secrets rotate` and the start-up check. Sealed fields (open sessions' bindings, webhook secrets)
 * are re-sealed under the current secret in bounded, resumable batches, each row only if unchanged meanwhile,
 * so gateways keep serving. Keyed hashes of values FaceGate never keeps cannot be re-made: an API key's is
 * re-made at its next use; an evidence claim stops mattering once no open session could accept the evidence.
 * The report counts, per kind and key id, what still needs each fallback.
 */
export class SecretRotation {
  private readonly audit: RotationAuditSink;

  constructor(private readonly deps: SecretRotationDeps) {
    this.audit = deps.audit ?? NO_ROTATION_AUDIT;
  }

  async report(): Promise<RotationReport> {
    const counts = (await this.deps.store.countByKey(this.deps.clock.now())).filter((c) => c.rows > 0);
    const fallbackCount = Math.max(...KEYED_ROW_KINDS.map((k) => this.deps.keys[k].length)) - 1;
    const generationOf = (c: KeyedRowCount) =>
      this.deps.keys[c.kind].find((k) => k.id === c.keyId)?.generation;
    return {
      current: counts.filter((c) => generationOf(c) === 0),
      fallbacks: Array.from({ length: Math.max(0, fallbackCount) }, (_, i) => ({
        entry: i + 1,
        rows: counts.filter((c) => generationOf(c) === i + 1),
      })),
      unattributed: counts.filter(
        (c) => c.keyId === null && (c.kind === 'api-key' || c.kind === 'evidence-claim'),
      ),
      // only rows that name their key can be known orphaned (one from before key ids may be the current's)
      orphaned: counts.filter((c) => c.keyId !== null && generationOf(c) === undefined),
    };
  }

  /**
   * Re-seals what can be re-sealed, `batchSize` rows a statement, and answers what still depends on a
   * fallback. Safe to stop and run again: each pass looks only at rows not yet under the current key.
   */
  async rotate(options: {
    batchSize: number;
    onBatch?: (kind: KeyedRowKind, resealed: number, skipped: number) => void;
  }): Promise<RotationReport> {
    const before = await this.report();
    await this.audit.record({
      action: 'secrets.rotate.started',
      details: { fallbacks: before.fallbacks.length, currentKeys: this.currentKeyIds() },
    });
    for (const kind of ['session-binding', 'webhook-secret'] as const) {
      let after: string | null = null;
      do {
        const batch = await this.deps.store.reseal(kind, after, options.batchSize);
        options.onBatch?.(kind, batch.resealed, batch.skipped);
        await this.audit.record({
          action: 'secrets.rotate.batch',
          details: { kind, resealed: batch.resealed, skipped: batch.skipped },
        });
        after = batch.next;
      } while (after !== null);
    }
    const report = await this.report();
    await this.audit.record({
      action: 'secrets.rotate.finished',
      details: {
        stillDependent: report.fallbacks.reduce((n, f) => n + f.rows.reduce((m, r) => m + r.rows, 0), 0),
        unattributed: report.unattributed.reduce((n, r) => n + r.rows, 0),
      },
    });
    return report;
  }

  /**
   * At start-up: a line naming what still needs a secret that is no longer configured (start-up then stops),
   * or null; and which fallbacks nothing depends on any more (they can be removed).
   */
  async startupCheck(): Promise<{ refusal: string | null; removable: number[] }> {
    const report = await this.report();
    if (report.orphaned.length > 0) {
      const refusal =
        `a secret still needed was removed (it made ${describeRows(report.orphaned)}); ` +
        'put it back in FACEGATE_SECRET_FALLBACKS, run `facegate secrets rotate`, and remove it once that reports nothing depends on it';
      await this.audit.record({
        action: 'secrets.startup.refused',
        details: { orphanedRows: report.orphaned.reduce((n, r) => n + r.rows, 0) },
      });
      return { refusal, removable: [] };
    }
    const removable =
      report.unattributed.length > 0
        ? []
        : report.fallbacks.filter((f) => f.rows.length === 0).map((f) => f.entry);
    for (const entry of removable) {
      await this.audit.record({ action: 'secrets.fallback.removable', details: { entry } });
    }
    return { refusal: null, removable };
  }

  private currentKeyIds(): string {
    return KEYED_ROW_KINDS.map((k) => `${k}=${this.deps.keys[k][0]?.id ?? '?'}`).join(' ');
  }
}
