import { describe, expect, it } from 'vitest';
import { advancePosition, MAX_OUTBOX_GAPS, NEW_GAP } from '../src/sql-webhook-delivery-queue';

describe("the webhook relay's outbox position", () => {
  it('moves past what it read and keeps the ids it passed over as new gaps', () => {
    const next = advancePosition({ position: 10, gaps: [] }, [11, 13, 16], 100n);
    expect(next).toEqual({
      position: 16,
      gaps: [
        { id: 12, horizon: NEW_GAP },
        { id: 14, horizon: NEW_GAP },
        { id: 15, horizon: NEW_GAP },
      ],
      taken: 3,
      changed: true,
    });
  });

  it('fans out a gap once found; keeps one not found while a writer older than its horizon may run', () => {
    const from = {
      position: 20,
      gaps: [
        { id: 12, horizon: 500n },
        { id: 14, horizon: 500n },
        { id: 15, horizon: 400n },
      ],
    };
    // xmin 450: every transaction before 450 has ended, so 15 (horizon 400) can never appear; 14 still may
    const next = advancePosition(from, [12, 21], 450n);
    expect(next.position).toBe(21);
    expect(next.gaps).toEqual([{ id: 14, horizon: 500n }]);
    expect(next.taken).toBe(2);
    // xmin at the horizon: the writer of 14 may still be running
    expect(advancePosition(from, [], 500n).gaps.map((g) => g.id)).toEqual([12, 14]);
    expect(advancePosition(from, [], 501n).gaps).toEqual([]);
  });

  it('writes nothing when nothing moved', () => {
    const from = { position: 7, gaps: [{ id: 5, horizon: 90n }] };
    expect(advancePosition(from, [], 10n).changed).toBe(false);
  });

  it('stops before an event that would leave more gaps than it keeps, and fans out the ones before it', () => {
    const next = advancePosition({ position: 0, gaps: [] }, [2, 3 + MAX_OUTBOX_GAPS], 1n);
    expect(next.taken).toBe(1);
    expect(next.position).toBe(2);
    expect(next.gaps).toEqual([{ id: 1, horizon: NEW_GAP }]);
  });
});
