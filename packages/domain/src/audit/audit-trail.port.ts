import type { AuditChainHead, CheckpointPolicy } from './audit-chain.js';
import type { AuditAction, AuditEvent, NewAuditEvent } from './audit-event.js';

/**
 * Where the gateway's code records what happened. `record` never waits and never fails the caller: the
 * gateway buffers events in memory and appends them in batches (flushed on shutdown), so recording costs a
 * request no round trip.
 */
export interface AuditTrail {
  record(event: NewAuditEvent): void;
  /** Appends everything recorded so far; resolves once it is stored. */
  flush(): Promise<void>;
}

/** What to read: every field optional; `actor` is a label (`key:<id>`, `console:<id>`, `cli:<user>`, `system`). */
export interface AuditEventFilter {
  readonly actor?: string;
  readonly action?: AuditAction | (string & {});
  /** A target as stored, `kind:id` (auditTarget). */
  readonly target?: string;
  /** occurredAt >= from */
  readonly from?: Date;
  /** occurredAt < to */
  readonly to?: Date;
}

export interface AuditEventPage {
  readonly items: readonly AuditEvent[];
  readonly hasNextPage: boolean;
}

/** The trail as people read it: newest first. */
export interface AuditEventReader {
  /** At most `first` events matching `filter`, newest first (by sequence), with sequence < `after` if given. */
  query(filter: AuditEventFilter, first: number, after: number | null): Promise<AuditEventPage>;
}

/** What the retention removed: whole segments, rows 1..throughSequence (or none). */
export interface AuditRetentionResult {
  readonly removedRows: number;
  /** The last removed sequence; the row after it, a checkpoint, now starts the trail. */
  readonly throughSequence: number | null;
}

/**
 * The append-only store of the chain. Appends are serialized however many instances write (one writer per
 * batch), so sequences stay consecutive and each row chains to the one before.
 */
export interface AuditLog extends AuditEventReader {
  /**
   * Chains `events` after the current head and stores them in one step; then, when `checkpoint` is given and
   * one is due (checkpointDue), a checkpoint row signing the new head. The rows written, in order.
   */
  append(events: readonly NewAuditEvent[], checkpoint?: CheckpointPolicy): Promise<AuditEvent[]>;
  /** The last row's sequence and hash (EMPTY_CHAIN when there is none). */
  head(): Promise<AuditChainHead>;
  /** Up to `limit` rows with sequence >= `fromSequence` and <= `toSequence`, in sequence order. */
  read(fromSequence: number, toSequence: number, limit: number): Promise<AuditEvent[]>;
  /**
   * The sequences of the first row at or after `from` and of the last row before `to` (times as recorded),
   * or null when none is in between: a walk by time reads every row between them, so none can hide.
   */
  sequenceBounds(
    from: Date | null,
    to: Date | null,
  ): Promise<{ readonly first: number; readonly last: number } | null>;
  /**
   * The retention: removes every row before the newest checkpoint written before `cutoff` (whole segments;
   * the checkpoint stays and starts the trail), and appends an audit.retention row saying what it removed.
   * Nothing happens when no such checkpoint exists.
   */
  removeSegmentsBefore(cutoff: Date, now: Date): Promise<AuditRetentionResult>;
}
