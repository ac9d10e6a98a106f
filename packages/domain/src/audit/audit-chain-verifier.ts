import {
  type AuditChainHead,
  auditRowHash,
  type CheckpointSignatureCheck,
  checkpointMessage,
  GENESIS_HASH,
  type Sha256Hex,
} from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';

/**
 * How a link broke:
 * - `changed`: a row's content no longer matches its hash (a value was changed);
 * - `rewritten`: a row matches its own hash but the next row was chained to another one (the row was changed
 *   and its hash recomputed, or replaced);
 * - `deleted`: sequences are missing (rows deleted), or later rows were renumbered to close the gap;
 * - `swapped`: two rows sit at each other's place;
 * - `moved`: a row sits at a place other than the one it was written at;
 * - `checkpoint`: a checkpoint's signature does not sign the chain's head before it.
 */
export type AuditChainBreakKind = 'changed' | 'rewritten' | 'deleted' | 'swapped' | 'moved' | 'checkpoint';

/** The first broken link: its kind, the sequence it was found at, and one line that says it. */
export interface AuditChainBreak {
  readonly kind: AuditChainBreakKind;
  readonly sequence: number;
  /** For `swapped` and `moved`: the other place; for `deleted`: the last missing sequence. */
  readonly otherSequence?: number;
  readonly message: string;
}

export interface AuditChainSummary {
  readonly rows: number;
  readonly firstSequence: number | null;
  readonly lastSequence: number | null;
  readonly checkpoints: number;
  /** The last sequence a verified checkpoint signs (everything up to it is signed), or null. */
  readonly signedThrough: number | null;
  /**
   * What the walk's first row was checked against: `genesis` (the trail's first row), `checkpoint` (the
   * first row left by the retention, a signed checkpoint) or `given` (a range's first row: its previous hash
   * is taken as given; the rows are vouched for from the first checkpoint on).
   */
  readonly anchor: 'genesis' | 'checkpoint' | 'given' | null;
}

export type AuditChainVerdict =
  | ({ readonly ok: true } & AuditChainSummary)
  | ({ readonly ok: false; readonly broken: AuditChainBreak } & AuditChainSummary);

export interface AuditChainVerifierOptions {
  readonly sha256: Sha256Hex;
  readonly checkSignature: CheckpointSignatureCheck;
  /**
   * `trail`: the rows start where the trail starts (sequence 1, or the checkpoint the retention left, which a
   * retention row must account for); `range`: the rows start anywhere (an export, --from).
   */
  readonly start: 'trail' | 'range';
}

/**
 * Walks the chain in sequence order, page by page (`add`), and stops at the first broken link. Pure: the
 * hash function and the signature check are given. Telling a swap or a renumbering from a changed value looks
 * at the rows of the page being checked.
 */
export class AuditChainVerifier {
  private previous: AuditChainHead | null = null;
  private broken: AuditChainBreak | null = null;
  private rows = 0;
  private firstSequence: number | null = null;
  private checkpoints = 0;
  private signedThrough: number | null = null;
  private anchor: AuditChainSummary['anchor'] = null;
  /** After the retention removed rows 1..n: a retention row must say so. */
  private unaccountedRemoval: number | null = null;

  constructor(private readonly options: AuditChainVerifierOptions) {}

  /** Checks the next rows (ascending sequence, following the previous page). The first break, or null. */
  add(page: readonly AuditEvent[]): AuditChainBreak | null {
    if (this.broken !== null) return this.broken;
    const bySequence = new Map(page.map((row) => [row.sequence, row]));
    for (const row of page) {
      const found = this.check(row, bySequence);
      if (found !== null) {
        this.broken = found;
        return found;
      }
      this.rows++;
      this.previous = { sequence: row.sequence, hash: row.hash };
    }
    return null;
  }

  /** The verdict over every row added. */
  finish(): AuditChainVerdict {
    if (this.broken === null && this.unaccountedRemoval !== null) {
      this.broken = {
        kind: 'deleted',
        sequence: 1,
        otherSequence: this.unaccountedRemoval,
        message: `rows 1-${this.unaccountedRemoval} are missing and no audit.retention row records removing them`,
      };
    }
    const summary: AuditChainSummary = {
      rows: this.rows,
      firstSequence: this.firstSequence,
      lastSequence: this.previous?.sequence ?? null,
      checkpoints: this.checkpoints,
      signedThrough: this.signedThrough,
      anchor: this.anchor,
    };
    return this.broken === null ? { ok: true, ...summary } : { ok: false, broken: this.broken, ...summary };
  }

  private check(row: AuditEvent, page: ReadonlyMap<number, AuditEvent>): AuditChainBreak | null {
    const { sha256 } = this.options;
    const intact = auditRowHash(sha256, row.previousHash, row) === row.hash;
    let expectedPrevious: string;
    if (this.previous === null) {
      this.firstSequence = row.sequence;
      const start = this.startOf(row, intact);
      if ('kind' in start) return start;
      expectedPrevious = start.previousHash;
    } else {
      const expected = this.previous.sequence + 1;
      if (row.sequence > expected) {
        return {
          kind: 'deleted',
          sequence: expected,
          otherSequence: row.sequence - 1,
          message:
            row.sequence - 1 === expected
              ? `row ${expected} is missing (deleted)`
              : `rows ${expected}-${row.sequence - 1} are missing (deleted)`,
        };
      }
      expectedPrevious = this.previous.hash;
    }
    if (!intact) return this.diagnose(row, page);
    if (row.previousHash !== expectedPrevious) {
      const before = row.sequence - 1;
      return {
        kind: 'rewritten',
        sequence: before,
        message: `row ${before} was rewritten or replaced: it is not the row ${row.sequence} was chained to`,
      };
    }
    if (row.action === 'audit.checkpoint') {
      const broken = this.checkCheckpoint(row);
      if (broken !== null) return broken;
    }
    if (row.action === 'audit.retention' && row.details.removedThroughSequence === this.unaccountedRemoval) {
      this.unaccountedRemoval = null;
    }
    return null;
  }

  /** The first row: what its previous hash must be, or why the start itself is broken. */
  private startOf(row: AuditEvent, intact: boolean): { previousHash: string } | AuditChainBreak {
    if (this.options.start === 'range') {
      this.anchor = 'given';
      return { previousHash: row.previousHash };
    }
    if (row.sequence === 1) {
      this.anchor = 'genesis';
      return { previousHash: GENESIS_HASH };
    }
    // the retention keeps the checkpoint that ends the removed segments: its signature vouches for the hash
    // of the last removed row
    if (row.action === 'audit.checkpoint' && intact) {
      this.anchor = 'checkpoint';
      this.unaccountedRemoval = row.sequence - 1;
      return { previousHash: row.previousHash };
    }
    return {
      kind: 'deleted',
      sequence: 1,
      otherSequence: row.sequence - 1,
      message: `the trail starts at row ${row.sequence}: rows 1-${row.sequence - 1} are missing (deleted), and no signed checkpoint starts it`,
    };
  }

  private checkCheckpoint(row: AuditEvent): AuditChainBreak | null {
    const { headSequence, headHash, signature, keyId } = row.details;
    const head = { sequence: row.sequence - 1, hash: row.previousHash };
    const valid =
      headSequence === head.sequence &&
      headHash === head.hash &&
      typeof signature === 'string' &&
      typeof keyId === 'string' &&
      this.options.checkSignature(checkpointMessage(head), signature, keyId);
    if (!valid) {
      return {
        kind: 'checkpoint',
        sequence: row.sequence,
        message: `the checkpoint at row ${row.sequence} does not sign the chain's head (row ${head.sequence}): rows before it were rewritten, or the signature was`,
      };
    }
    this.checkpoints++;
    this.signedThrough = head.sequence;
    return null;
  }

  /** A row whose content does not match its hash: written at another place, or changed. */
  private diagnose(row: AuditEvent, page: ReadonlyMap<number, AuditEvent>): AuditChainBreak {
    const { sha256 } = this.options;
    const writtenAs = (candidate: AuditEvent, sequence: number) =>
      auditRowHash(sha256, candidate.previousHash, { ...candidate, sequence }) === candidate.hash;
    for (const sequence of page.keys()) {
      if (sequence === row.sequence || !writtenAs(row, sequence)) continue;
      const other = page.get(sequence)!;
      if (writtenAs(other, row.sequence)) {
        return {
          kind: 'swapped',
          sequence: row.sequence,
          otherSequence: sequence,
          message: `rows ${row.sequence} and ${sequence} are swapped: each sits at the other's place`,
        };
      }
      return sequence > row.sequence
        ? {
            kind: 'deleted',
            sequence: row.sequence,
            otherSequence: sequence,
            message: `row ${row.sequence} was written as row ${sequence}: rows before it were deleted and later rows renumbered`,
          }
        : {
            kind: 'moved',
            sequence: row.sequence,
            otherSequence: sequence,
            message: `row ${row.sequence} was written as row ${sequence}: rows were moved`,
          };
    }
    return {
      kind: 'changed',
      sequence: row.sequence,
      message: `row ${row.sequence} does not match its hash: a value was changed`,
    };
  }
}
