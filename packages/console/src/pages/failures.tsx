import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { failureReason } from '../failure-reason';
import { percent } from '../format';
import { graphql, type ResultOf } from '../graphql';
import { useI18n } from '../i18n';
import type { PeriodName } from '../period';
import { periodOf } from '../period';
import { useQuery } from '../use-query';
import { PeriodPicker } from './overview';

// the reason is read from the failure taxonomy (failureReason), as on every page: not asked of the server
const QUERY = graphql(`query FailureBreakdown($from: DateTime!, $to: DateTime!, $app: String) {
  failureBreakdown(from: $from, to: $to, app: $app) {
    total
    failures { code retryable upstream count share trend { bucket count } }
    upstreamErrors { endpoint outcome count }
  } }`);

type Failure = ResultOf<typeof QUERY>['failureBreakdown']['failures'][number];

/** A tiny per-day bar strip: the trend of one code (drawn with boxes, no chart library needed). */
function Trend(props: { points: Failure['trend'] }) {
  const max = Math.max(1, ...props.points.map((p) => p.count));
  return (
    <span class="trend">
      {props.points.map((p) => (
        <span
          class="tick"
          title={`${p.bucket.slice(0, 10)}: ${p.count}`}
          style={{ height: `${(p.count / max) * 100}%` }}
        />
      ))}
    </span>
  );
}

function FailureTable(props: { rows: Failure[]; testId: string }) {
  const { t, lang } = useI18n();
  if (props.rows.length === 0) return <p data-testid={props.testId}>{t('none')}</p>;
  return (
    <DataTable
      testId={props.testId}
      rows={props.rows}
      rowAttrs={(f) => ({ 'data-code': f.code })}
      columns={[
        { label: t('code'), cell: (f) => <code>{f.code}</code> },
        {
          label: t('reason'),
          cell: (f) => failureReason(f.code, lang),
          attrs: () => ({ 'data-testid': 'reason' }),
        },
        { label: t('count'), cell: (f) => f.count },
        { label: t('share'), cell: (f) => percent(f.share) },
        { label: t('trend'), cell: (f) => <Trend points={f.trend} /> },
      ]}
    />
  );
}

export function FailuresPage(props: {
  period: PeriodName;
  setPeriod: (p: PeriodName) => void;
  app: string | null;
}) {
  const { t } = useI18n();
  const { from, to } = periodOf(props.period);
  const { data, error, reload } = useQuery(QUERY, { from, to, app: props.app });
  const b = data?.failureBreakdown;
  return (
    <section class="page" data-testid="page-failures">
      <div class="page-head">
        <h2>{t('failures')}</h2>
        <PeriodPicker value={props.period} onChange={props.setPeriod} />
      </div>
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {!b && !error && <p>{t('loading')}</p>}
      {b && (
        <>
          <h3>{t('userOutcomes')}</h3>
          <FailureTable rows={b.failures.filter((f) => !f.upstream)} testId="user-failures" />
          <h3>{t('upstreamOutcomes')}</h3>
          <FailureTable rows={b.failures.filter((f) => f.upstream)} testId="upstream-failures" />
          <h3>{t('upstreamCalls')}</h3>
          {b.upstreamErrors.length === 0 ? (
            <p>{t('none')}</p>
          ) : (
            <DataTable
              testId="upstream-calls"
              rows={b.upstreamErrors}
              columns={[
                { label: t('endpoint'), cell: (e) => <code>{e.endpoint}</code> },
                { label: t('outcome'), cell: (e) => e.outcome },
                { label: t('count'), cell: (e) => e.count },
              ]}
            />
          )}
        </>
      )}
    </section>
  );
}
