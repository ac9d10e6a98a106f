import type { Lang } from './i18n-lang';

/** Every date on the console is China Standard Time, like the day buckets the gateway counts in. */
export const CONSOLE_TIME_ZONE = 'Asia/Shanghai';

export type Bucket = 'HOUR' | 'DAY';

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/**
 * The tick steps the x axis may choose from, in seconds: whole buckets only (an hourly chart never ticks at
 * 12:30, a daily one never at noon). uPlot picks the smallest step whose ticks keep their minimum spacing.
 */
export const X_TICK_STEPS: Record<Bucket, number[]> = {
  HOUR: [1, 2, 3, 4, 6, 12].map((h) => h * HOUR_S).concat([1, 2, 7, 14].map((d) => d * DAY_S)),
  DAY: [1, 2, 3, 7, 14, 28, 56].map((d) => d * DAY_S),
};

/**
 * The x axis spans the buckets shown, read from the buckets themselves (uPlot would widen a single point by
 * 86400/ms, a thousand days in seconds, leaving no room for any tick); a single bucket (today, just after
 * midnight) spans one bucket, so the axis still has ticks.
 */
export function xRange(bucket: Bucket, buckets: readonly number[]): [number, number] {
  const first = buckets[0] ?? 0;
  const last = buckets[buckets.length - 1] ?? first;
  return last > first ? [first, last] : [first, first + (bucket === 'HOUR' ? HOUR_S : DAY_S)];
}

/** Counts are whole numbers: the y axis never ticks at 0.5. */
export const Y_TICK_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 100_000];

export interface ChartFormats {
  /** Tick labels for the x axis (seconds since the epoch): the date on the first tick and where it changes. */
  xTicks: (splits: number[]) => string[];
  /** The x value in the legend under the cursor: the bucket, with its date. */
  legendTime: (seconds: number | null) => string;
  /** A count, as an axis tick or in the legend. */
  count: (value: number | null) => string;
}

/** The chart's labels in the console's language, through Intl: no `12am`, `12/6/26` or `Time:` in zh-CN. */
export function chartFormats(lang: Lang, bucket: Bucket): ChartFormats {
  const zone = { timeZone: CONSOLE_TIME_ZONE } as const;
  const day = new Intl.DateTimeFormat(lang, { ...zone, month: 'short', day: 'numeric' });
  const time = new Intl.DateTimeFormat(lang, {
    ...zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const fullDay = new Intl.DateTimeFormat(lang, { ...zone, year: 'numeric', month: 'short', day: 'numeric' });
  const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const at = (seconds: number) => new Date(seconds * 1000);

  const xTicks = (splits: number[]) => {
    if (bucket === 'DAY') return splits.map((s) => day.format(at(s)));
    let previousDay = '';
    return splits.map((s) => {
      const thisDay = day.format(at(s));
      const label = thisDay === previousDay ? time.format(at(s)) : `${time.format(at(s))}\n${thisDay}`;
      previousDay = thisDay;
      return label;
    });
  };
  const legendTime = (seconds: number | null) => {
    if (seconds === null) return '—';
    if (bucket === 'DAY') return fullDay.format(at(seconds));
    // an hourly bucket: its day, and the hour it starts and ends
    return `${fullDay.format(at(seconds))} ${time.format(at(seconds))}–${time.format(at(seconds + HOUR_S))}`;
  };
  const count = (value: number | null) => (value === null ? '—' : numbers.format(value));
  return { xTicks, legendTime, count };
}
