import { OutcomeChart } from '../chart';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { percent, seconds } from '../format';
import { graphql, type ResultOf } from '../graphql';
import { type MessageKey, useI18n } from '../i18n';
import { bucketsOf, type PeriodName, periodOf } from '../period';
import { AlternativeChosenCard } from '../privacy/alternative-chosen';
import { useQuery } from '../use-query';

// @_unmask: the fields are read where the query is, not through readFragment
const COUNTS = graphql(`fragment Counts on ConsoleCounts @_unmask {
  started pending verified failed canceled expired deviceRan confirmed passRate medianSecondsToOutcome p95SecondsToOutcome
}`);
const QUERY = graphql(
  `query ConsoleOverview($from: DateTime!, $to: DateTime!, $bucket: ConsoleBucket!, $app: String) {
  consoleOverview(from: $from, to: $to, bucket: $bucket, app: $app) {
    total { ...Counts }
    byProtocol { protocol counts { ...Counts } }
    series { bucket status count }
  } }`,
  [COUNTS],
);

type Counts = ResultOf<typeof COUNTS>;

const STATUS_COLORS: Record<string, string> = {
  VERIFIED: '#2e7d32',
  FAILED: '#c62828',
  CANCELED: '#757575',
  EXPIRED: '#ef6c00',
  PENDING: '#1565c0',
};

export function PeriodPicker(props: { value: PeriodName; onChange: (p: PeriodName) => void }) {
  const { t } = useI18n();
  return (
    <label class="period">
      {t('period')}{' '}
      <select
        data-testid="period"
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value as PeriodName)}
      >
        {(['today', 'last24h', 'last7d', 'last30d'] as const).map((p) => (
          <option value={p}>{t(p)}</option>
        ))}
      </select>
    </label>
  );
}

export function OverviewPage(props: {
  period: PeriodName;
  setPeriod: (p: PeriodName) => void;
  app: string | null;
}) {
  const { t } = useI18n();
  const period = periodOf(props.period);
  const { data, error, reload } = useQuery(QUERY, { ...period, app: props.app });
  const o = data?.consoleOverview;
  // every bucket of the period, empty ones as zeros, so the axis spans the period asked for
  const x = bucketsOf(period.from, period.to, period.bucket).map((at) => at / 1000);
  const series = Object.keys(STATUS_COLORS).map((status) => ({
    label: t(status.toLowerCase() as MessageKey),
    stroke: STATUS_COLORS[status] ?? '#000',
    values: x.map(
      (at) => o?.series.find((p) => p.status === status && Date.parse(p.bucket) / 1000 === at)?.count ?? 0,
    ),
  }));
  return (
    <section class="page" data-testid="page-overview">
      <div class="page-head">
        <h2>{t('overview')}</h2>
        <PeriodPicker value={props.period} onChange={props.setPeriod} />
      </div>
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {!o && !error && <p>{t('loading')}</p>}
      {o && (
        <>
          <div class="cards">
            {(['started', 'verified', 'failed', 'canceled', 'expired', 'pending'] as const).map((k) => (
              <div class={`card ${k}`} data-testid={`count-${k}`}>
                <span class="label">{t(k)}</span>
                <span class="value">{o.total[k]}</span>
              </div>
            ))}
            <AlternativeChosenCard period={props.period} app={props.app} />
            <div class="card" data-testid="pass-rate">
              <span class="label">{t('passRate')}</span>
              <span class="value">{percent(o.total.passRate)}</span>
            </div>
            <div class="card" data-testid="median">
              <span class="label">{t('median')}</span>
              <span class="value">{seconds(o.total.medianSecondsToOutcome)}</span>
            </div>
            <div class="card" data-testid="p95">
              <span class="label">{t('p95')}</span>
              <span class="value">{seconds(o.total.p95SecondsToOutcome)}</span>
            </div>
          </div>
          <h3>{t('funnel')}</h3>
          <Funnel counts={o.total} />
          <p class="note">{t('funnelNote')}</p>
          <h3>{t('byProtocol')}</h3>
          <DataTable
            testId="by-protocol"
            rows={o.byProtocol}
            columns={[
              { label: t('protocol'), cell: (p) => p.protocol },
              { label: t('started'), cell: (p) => p.counts.started },
              { label: t('verified'), cell: (p) => p.counts.verified },
              { label: t('failed'), cell: (p) => p.counts.failed },
              { label: t('passRate'), cell: (p) => percent(p.counts.passRate) },
              { label: t('median'), cell: (p) => seconds(p.counts.medianSecondsToOutcome) },
              { label: t('p95'), cell: (p) => seconds(p.counts.p95SecondsToOutcome) },
            ]}
          />
          <h3>{t('outcomes')}</h3>
          {x.length === 0 ? (
            <p>{t('none')}</p>
          ) : (
            <OutcomeChart x={x} series={series} bucket={period.bucket} testId="outcome-chart" />
          )}
        </>
      )}
    </section>
  );
}

function Funnel(props: { counts: Counts }) {
  const { t } = useI18n();
  const c = props.counts;
  const steps: [MessageKey, number][] = [
    ['funnelStarted', c.started],
    ['funnelDevice', c.deviceRan],
    ['funnelConfirmed', c.confirmed],
    ['funnelVerified', c.verified],
  ];
  return (
    <div class="funnel" data-testid="funnel">
      {steps.map(([label, value]) => (
        <div class="step">
          <span class="label">{t(label)}</span>
          <span class="bar" style={{ width: `${c.started === 0 ? 0 : (value / c.started) * 100}%` }} />
          <span class="value">
            {value} ({percent(c.started === 0 ? null : value / c.started)})
          </span>
        </div>
      ))}
    </div>
  );
}
