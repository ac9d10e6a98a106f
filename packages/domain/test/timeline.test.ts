import { describe, expect, it } from 'vitest';
import { assembleTimeline, type ConsoleSessionRow } from '../src/index.js';

const at = (seconds: number) => new Date(Date.UTC(2025, 2, 1, 8, 0, seconds));

const session: ConsoleSessionRow = {
  id: 's1',
  app: 'default',
  status: 'FAILED',
  protocol: 'V2',
  maskedName: '*三',
  maskedIdCardNumber: '1*****************X',
  attempts: 2,
  maxAttempts: 3,
  lastErrorCode: 'FACE_MISMATCH',
  openid: 'o1',
  clientReferenceId: null,
  createdAt: at(10),
  endedAt: at(40),
  verifiedAt: null,
};

describe('assembleTimeline', () => {
  it('puts the start first and the end last whatever the clocks say; the rest by time', () => {
    const timeline = assembleTimeline(
      session,
      [
        // stamped by the database's clock, a little behind the session's
        {
          claimedAt: at(9),
          completedAt: at(41),
          outcomeStatus: 'FAILED',
          outcomeAttempt: 2,
          failureCode: 'FACE_MISMATCH',
        },
        {
          claimedAt: at(20),
          completedAt: null,
          outcomeStatus: null,
          outcomeAttempt: null,
          failureCode: null,
        },
      ],
      [{ at: at(20), status: 'PENDING', attempts: 1 }],
    );
    expect(timeline.map((e) => [e.kind, e.at.getUTCSeconds()])).toEqual([
      ['STARTED', 10],
      ['ATTEMPT_CLAIMED', 9],
      // same instant: the claim before the event, in the order they were given
      ['ATTEMPT_CLAIMED', 20],
      ['EVENT', 20],
      ['ATTEMPT_COMPLETED', 41],
      ['ENDED', 40],
    ]);
    expect(timeline.at(-1)).toMatchObject({ status: 'FAILED', attempt: 2, failureCode: 'FACE_MISMATCH' });
    expect(timeline[4]).toMatchObject({ status: 'FAILED', attempt: 2, failureCode: 'FACE_MISMATCH' });
  });

  it('has no end while the session is pending', () => {
    const pending = { ...session, status: 'PENDING', endedAt: null, lastErrorCode: null };
    expect(assembleTimeline(pending, [], []).map((e) => e.kind)).toEqual(['STARTED']);
  });
});
