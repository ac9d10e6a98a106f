import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { graphql } from '../graphql';
import { useI18n } from '../i18n';
import { FilingThreshold } from '../privacy/filing-threshold';
import { useQuery } from '../use-query';

const QUERY = graphql(`query SystemStatus { systemStatus {
  checks { name ok } databaseKind sandboxMode production version nodeVersion startedAt
  tokenFetchedAt tokenRefreshes abuseRefusals { rule limit refused } warnings } }`);

export function SystemPage() {
  const { t, date } = useI18n();
  const { data, error, reload } = useQuery(QUERY, {});
  const s = data?.systemStatus;
  return (
    <section class="page" data-testid="page-system">
      <div class="page-head">
        <h2>{t('system')}</h2>
      </div>
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {!s && !error && <p>{t('loading')}</p>}
      {s && (
        <>
          {s.warnings.length > 0 && (
            <div class="warning-banner" role="alert" data-testid="system-warnings">
              <strong>{t('configWarnings')}</strong>
              <ul>
                {s.warnings.map((w) => (
                  <li>{w}</li>
                ))}
              </ul>
            </div>
          )}
          <h3>{t('checks')}</h3>
          <ul class="checks" data-testid="checks">
            {s.checks.map((c) => (
              <li data-check={c.name} class={c.ok ? 'ok' : 'down'}>
                {c.name}: {c.ok ? t('ok') : t('down')}
              </li>
            ))}
          </ul>
          <dl class="facts" data-testid="system-facts">
            <dt>{t('database')}</dt>
            <dd data-testid="database-kind">{s.databaseKind}</dd>
            <dt>{t('mode')}</dt>
            <dd>{s.sandboxMode ? t('sandbox') : s.production ? t('production') : t('development')}</dd>
            <dt>{t('version')}</dt>
            <dd>
              {s.version} (Node {s.nodeVersion})
            </dd>
            <dt>{t('tokenAge')}</dt>
            <dd>
              {s.tokenFetchedAt
                ? `${date(s.tokenFetchedAt)} (${Math.max(0, Math.round((Date.now() - Date.parse(s.tokenFetchedAt)) / 1000))} ${t('secondsAgo')})`
                : t('never')}
            </dd>
            <dt>{t('tokenRefreshes')}</dt>
            <dd>{s.tokenRefreshes}</dd>
          </dl>
          <FilingThreshold />
          <h3>{t('abuseRefusals')}</h3>
          <DataTable
            testId="abuse-refusals"
            rows={s.abuseRefusals}
            rowAttrs={(r) => ({ 'data-rule': r.rule })}
            columns={[
              { label: t('rule'), cell: (r) => <code>{r.rule}</code> },
              { label: t('ruleLimit'), cell: (r) => r.limit },
              { label: t('refused'), cell: (r) => r.refused },
            ]}
          />
        </>
      )}
    </section>
  );
}
