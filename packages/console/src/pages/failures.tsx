import { percent } from '../format';
import { graphql, type ResultOf } from '../graphql';
import { useI18n } from '../i18n';
import type { PeriodName } from '../period';
import { periodOf } from '../period';
import { useQuery } from '../use-query';
import { PeriodPicker } from './overview';

const QUERY = graphql(`query FailureBreakdown($from: DateTime!, $to: DateTime!) {
  failureBreakdown(from: $from, to: $to) {
    total
    failures { code reasonZh reasonEn retryable upstream count share trend { bucket count } }
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
    <table data-testid={props.testId}>
      <thead>
        <tr>
          <th>{t('code')}</th>
          <th>{t('reason')}</th>
          <th>{t('count')}</th>
          <th>{t('share')}</th>
          <th>{t('trend')}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((f) => (
          <tr data-code={f.code}>
            <td>
              <code>{f.code}</code>
            </td>
            <td>{lang === 'zh-CN' ? f.reasonZh : f.reasonEn}</td>
            <td>{f.count}</td>
            <td>{percent(f.share)}</td>
            <td>
              <Trend points={f.trend} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FailuresPage(props: { period: PeriodName; setPeriod: (p: PeriodName) => void }) {
  const { t } = useI18n();
  const { from, to } = periodOf(props.period);
  const { data, error } = useQuery(QUERY, { from, to });
  const b = data?.failureBreakdown;
  return (
    <section>
      <h2>{t('failures')}</h2>
      <PeriodPicker value={props.period} onChange={props.setPeriod} />
      {error && <p class="error">{error.message}</p>}
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
            <table data-testid="upstream-calls">
              <thead>
                <tr>
                  <th>{t('endpoint')}</th>
                  <th>{t('outcome')}</th>
                  <th>{t('count')}</th>
                </tr>
              </thead>
              <tbody>
                {b.upstreamErrors.map((e) => (
                  <tr>
                    <td>{e.endpoint}</td>
                    <td>{e.outcome}</td>
                    <td>{e.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
