/**
 * Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h), carried on for about 3 days:
 * 12 attempts over roughly 68 hours; then the delivery has failed.
 */
export const STANDARD_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
];

export interface RetrySchedule {
  /** Delay before each retry; its length is the number of retries. */
  readonly delaysMs: readonly number[];
  /** Each delay is stretched or shrunk at random by up to this fraction (0.2 = ±20 %). */
  readonly jitter: number;
}

export const STANDARD_RETRY_SCHEDULE: RetrySchedule = { delaysMs: STANDARD_RETRY_DELAYS_MS, jitter: 0.2 };

/** When to try again after `attemptsMade` failed attempts, or null when the retries are used up. */
export function nextRetryAt(
  schedule: RetrySchedule,
  attemptsMade: number,
  now: Date,
  random: () => number = Math.random,
): Date | null {
  const base = schedule.delaysMs[attemptsMade - 1];
  if (base === undefined) return null;
  const factor = 1 + schedule.jitter * (2 * random() - 1);
  return new Date(now.getTime() + Math.max(0, Math.round(base * factor)));
}
