import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  type Bucket,
  CONSOLE_TIME_ZONE,
  chartFormats,
  X_TICK_STEPS,
  xRange,
  Y_TICK_STEPS,
} from './chart-format';
import { useI18n } from './i18n';

export interface ChartSeries {
  label: string;
  stroke: string;
  values: number[];
}

/** Height follows width so a phone gets a plot it can read and a wide screen no letterbox. */
const heightFor = (width: number) => Math.round(Math.min(300, Math.max(200, width * 0.32)));

/**
 * A uPlot line chart of counts per bucket (x in seconds since the epoch), as wide as its card: it is sized
 * from the card's content box and resized when the card is (window, sidebar, phone rotation).
 */
export function OutcomeChart(props: { x: number[]; series: ChartSeries[]; bucket: Bucket; testId: string }) {
  const { lang, t } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  // redrawn when the numbers or the language change, not on every render of the page
  const data = JSON.stringify([props.x, props.series, props.bucket, lang]);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const format = chartFormats(lang, props.bucket);
    const width = Math.max(1, element.clientWidth);
    const span = xRange(props.bucket, props.x);
    const plot = new uPlot(
      {
        width,
        height: heightFor(width),
        scales: {
          x: { time: true, range: () => span },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        // the axis in China Standard Time, like the day buckets and every date on the page
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), CONSOLE_TIME_ZONE),
        axes: [
          {
            incrs: X_TICK_STEPS[props.bucket],
            space: props.bucket === 'HOUR' ? 56 : 64,
            values: (_u, splits) => {
              const labels = format.xTicks(splits);
              // what was drawn on the canvas, for the browser test to read
              element.dataset.xTicks = JSON.stringify(labels);
              return labels;
            },
          },
          { incrs: Y_TICK_STEPS, values: (_u, splits) => splits.map(format.count) },
        ],
        series: [
          { label: t('chartTime'), value: (_u, v) => format.legendTime(v) },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: 2,
            points: { show: true },
            value: (_u: uPlot, v: number | null) => format.count(v),
          })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)],
      element,
    );
    const resize = new ResizeObserver(() => {
      const next = Math.max(1, element.clientWidth);
      if (next !== plot.width) plot.setSize({ width: next, height: heightFor(next) });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);
  return (
    <div class="chart" data-testid={props.testId}>
      <div class="chart-plot" ref={host} />
    </div>
  );
}
