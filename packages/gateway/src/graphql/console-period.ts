import { badUserInput } from './errors';

const DAY_MS = 86_400_000;
/** A year and a day: the longest period the console asks for. */
export const MAX_PERIOD_DAYS = 366;
/** Hour buckets up to a month (744 points); longer periods are drawn by day. */
export const MAX_HOURLY_PERIOD_DAYS = 31;

/** Checks a [from, to) period the console asks about. */
export function checkPeriod(from: Date, to: Date, bucket?: 'hour' | 'day'): void {
  if (to.getTime() <= from.getTime()) throw badUserInput('to', 'PERIOD_EMPTY', 'to must be after from');
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > MAX_PERIOD_DAYS) {
    throw badUserInput('from', 'PERIOD_TOO_LONG', `a period spans at most ${MAX_PERIOD_DAYS} days`);
  }
  if (bucket === 'hour' && days > MAX_HOURLY_PERIOD_DAYS) {
    throw badUserInput(
      'bucket',
      'TOO_MANY_BUCKETS',
      `hourly buckets cover at most ${MAX_HOURLY_PERIOD_DAYS} days; use DAY`,
    );
  }
}
