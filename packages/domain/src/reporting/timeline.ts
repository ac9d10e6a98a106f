import type { ConsoleSessionRow, TimelineEntry } from './console-read-model.types.js';

/** One evidence claim of a session: an attempt taken to WeChat, and its outcome once completed. */
export interface TimelineClaim {
  readonly claimedAt: Date;
  readonly completedAt: Date | null;
  readonly outcomeStatus: string | null;
  readonly outcomeAttempt: number | null;
  readonly failureCode: string | null;
}

/** One published status change of a session. */
export interface TimelineEvent {
  readonly at: Date;
  readonly status: string | null;
  readonly attempts: number | null;
}

/**
 * What happened to one session, oldest first: its start, each evidence claim and its completion, the
 * published status changes, and its end. The start comes first and the end last whatever the clocks say
 * (claims and events may be stamped by another clock than the session); the rest by time, same-instant
 * entries in that order.
 */
export function assembleTimeline(
  session: ConsoleSessionRow,
  claims: readonly TimelineClaim[],
  events: readonly TimelineEvent[],
): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    { at: session.createdAt, kind: 'STARTED', status: 'PENDING', attempt: null, failureCode: null },
  ];
  for (const c of claims) {
    entries.push({
      at: c.claimedAt,
      kind: 'ATTEMPT_CLAIMED',
      status: null,
      attempt: null,
      failureCode: null,
    });
    if (c.completedAt) {
      entries.push({
        at: c.completedAt,
        kind: 'ATTEMPT_COMPLETED',
        status: c.outcomeStatus,
        attempt: c.outcomeAttempt,
        failureCode: c.failureCode,
      });
    }
  }
  for (const e of events) {
    entries.push({ at: e.at, kind: 'EVENT', status: e.status, attempt: e.attempts, failureCode: null });
  }
  if (session.endedAt) {
    entries.push({
      at: session.endedAt,
      kind: 'ENDED',
      status: session.status,
      attempt: session.attempts,
      failureCode: session.lastErrorCode,
    });
  }
  const rank = (e: TimelineEntry) => (e.kind === 'STARTED' ? 0 : e.kind === 'ENDED' ? 2 : 1);
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || a.e.at.getTime() - b.e.at.getTime() || a.i - b.i)
    .map(({ e }) => e);
}
