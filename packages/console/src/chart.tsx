import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  stroke: string;
  values: number[];
}

/** A uPlot line chart of counts per bucket (x in seconds since the epoch). */
export function OutcomeChart(props: { x: number[]; series: ChartSeries[]; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  // redrawn when the numbers change, not on every render of the page
  const data = JSON.stringify([props.x, props.series]);
  useEffect(() => {
    if (!host.current) return;
    const width = Math.max(320, Math.min(960, host.current.clientWidth || 800));
    const plot = new uPlot(
      {
        width,
        height: 260,
        scales: { x: { time: true } },
        // the axis in China Standard Time, like the day buckets and every date on the page
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Shanghai'),
        axes: [{}, { label: '' }],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: 2,
            points: { show: true },
          })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)],
      host.current,
    );
    return () => plot.destroy();
  }, [data]);
  return <div class="chart" data-testid={props.testId} ref={host} />;
}
