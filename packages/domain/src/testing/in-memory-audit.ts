import {
  type AuditChainHead,
  type CheckpointPolicy,
  type CheckpointSignatureCheck,
  type CheckpointSigner,
  chainAuditEvents,
  checkpointDue,
  checkpointEvent,
  EMPTY_CHAIN,
  retentionEvent,
  type Sha256Hex,
} from '../audit/audit-chain.js';
import type { AuditEvent, NewAuditEvent } from '../audit/audit-event.js';
import type {
  AuditEventFilter,
  AuditEventPage,
  AuditLog,
  AuditRetentionResult,
  AuditTrail,
} from '../audit/audit-trail.port.js';
import { hmacSha256Hex, sha256Hex } from './hash-functions.js';

/**
 * The audit store in memory: the same chain rule as the SQL adapter (the domain's), appends one at a time.
 * `rows` is exposed so tests can tamper with it as someone with the database's files could.
 */
export class InMemoryAuditLog implements AuditLog {
  rows: AuditEvent[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly sha256: Sha256Hex = sha256Hex) {}

  append(events: readonly NewAuditEvent[], checkpoint?: CheckpointPolicy): Promise<AuditEvent[]> {
    return this.serialized(() => {
      const written = chainAuditEvents(this.sha256, this.currentHead(), events);
      this.rows.push(...written);
      if (checkpoint !== undefined) {
        const head = this.currentHead();
        const last = lastWhere(this.rows, (r) => r.action === 'audit.checkpoint');
        if (checkpointDue(head, last, checkpoint)) {
          const signed = chainAuditEvents(this.sha256, head, [
            checkpointEvent(checkpoint.signer, head, checkpoint.now),
          ]);
          this.rows.push(...signed);
          written.push(...signed);
        }
      }
      return written;
    });
  }

  async head(): Promise<AuditChainHead> {
    return this.currentHead();
  }

  async read(fromSequence: number, toSequence: number, limit: number): Promise<AuditEvent[]> {
    return this.rows
      .filter((r) => r.sequence >= fromSequence && r.sequence <= toSequence)
      .sort((a, b) => a.sequence - b.sequence)
      .slice(0, limit);
  }

  async sequenceBounds(from: Date | null, to: Date | null): Promise<{ first: number; last: number } | null> {
    const inside = this.rows.filter(
      (r) => (from === null || r.occurredAt >= from) && (to === null || r.occurredAt < to),
    );
    if (inside.length === 0) return null;
    const sequences = inside.map((r) => r.sequence);
    return { first: Math.min(...sequences), last: Math.max(...sequences) };
  }

  async query(filter: AuditEventFilter, first: number, after: number | null): Promise<AuditEventPage> {
    const matching = this.rows
      .filter(
        (r) =>
          (after === null || r.sequence < after) &&
          (filter.actor === undefined || r.actor === filter.actor) &&
          (filter.action === undefined || r.action === filter.action) &&
          (filter.target === undefined || r.targets.includes(filter.target)) &&
          (filter.from === undefined || r.occurredAt >= filter.from) &&
          (filter.to === undefined || r.occurredAt < filter.to),
      )
      .sort((a, b) => b.sequence - a.sequence);
    return { items: matching.slice(0, first), hasNextPage: matching.length > first };
  }

  removeSegmentsBefore(cutoff: Date, now: Date): Promise<AuditRetentionResult> {
    return this.serialized(() => {
      const anchor =
        lastWhere(this.rows, (r) => r.action === 'audit.checkpoint' && r.occurredAt < cutoff) ?? undefined;
      const removed = anchor === undefined ? [] : this.rows.filter((r) => r.sequence < anchor.sequence);
      if (anchor === undefined || removed.length === 0) return { removedRows: 0, throughSequence: null };
      this.rows = this.rows.filter((r) => r.sequence >= anchor.sequence);
      const result = { removedRows: removed.length, throughSequence: anchor.sequence - 1 };
      this.rows.push(
        ...chainAuditEvents(this.sha256, this.currentHead(), [retentionEvent(result, cutoff, now)]),
      );
      return result;
    });
  }

  private currentHead(): AuditChainHead {
    const last = this.rows.at(-1);
    return last === undefined ? EMPTY_CHAIN : { sequence: last.sequence, hash: last.hash };
  }

  private serialized<T>(fn: () => T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => {});
    return run;
  }
}

/** An AuditTrail that keeps what was recorded (and appends it to `log` on flush, when given). */
export class RecordingAuditTrail implements AuditTrail {
  readonly recorded: NewAuditEvent[] = [];
  private pending: NewAuditEvent[] = [];

  constructor(private readonly log?: AuditLog) {}

  record(event: NewAuditEvent): void {
    this.recorded.push(event);
    this.pending.push(event);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (this.log !== undefined && batch.length > 0) await this.log.append(batch);
  }
}

function lastWhere<T>(items: readonly T[], test: (item: T) => boolean): T | null {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i]!;
  return null;
}

/**
 * A stand-in for the gateway's Ed25519 checkpoint signer: an HMAC under a test key (not a signature anyone
 * could check without the key; the real one is tested in the gateway). `check` is its CheckpointSignatureCheck.
 */
export class FakeCheckpointSigner implements CheckpointSigner {
  constructor(
    readonly keyId = 'test-key',
    private readonly secret = 'audit-checkpoint-test-secret',
  ) {}

  sign(message: string): string {
    return hmacSha256Hex(this.secret, message);
  }

  readonly check: CheckpointSignatureCheck = (message, signature, keyId) =>
    keyId === this.keyId && signature === this.sign(message);
}
