export type PeriodName = 'today' | 'last24h' | 'last7d' | 'last30d';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** China Standard Time has no daylight saving: a fixed +8 h. */
const CST = 8 * HOUR;

/** [from, to) and the bucket the chart uses; `to` is the next full minute so repeated renders agree. */
export function periodOf(
  name: PeriodName,
  now = Date.now(),
): { from: string; to: string; bucket: 'HOUR' | 'DAY' } {
  const to = Math.ceil((now + 1) / 60_000) * 60_000;
  const from =
    name === 'today'
      ? Math.floor((now + CST) / DAY) * DAY - CST
      : name === 'last24h'
        ? to - DAY
        : name === 'last7d'
          ? to - 7 * DAY
          : to - 30 * DAY;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket: name === 'today' || name === 'last24h' ? 'HOUR' : 'DAY',
  };
}

/** Every bucket start in [from, to): hours, or days starting at midnight China Standard Time. */
export function bucketsOf(from: string, to: string, bucket: 'HOUR' | 'DAY'): number[] {
  const step = bucket === 'HOUR' ? HOUR : DAY;
  const offset = bucket === 'HOUR' ? 0 : CST;
  const end = Date.parse(to);
  const starts: number[] = [];
  for (let at = Math.floor((Date.parse(from) + offset) / step) * step - offset; at < end; at += step) {
    starts.push(at);
  }
  return starts;
}
