import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { graphql, type ResultOf } from '../graphql';
import { type MessageKey, useI18n } from '../i18n';
import { FilingThreshold } from '../privacy/filing-threshold';
import { useQuery } from '../use-query';

const QUERY = graphql(`query SystemStatus { systemStatus {
  checks { name ok } databaseKind sandboxMode production version nodeVersion startedAt
  tokenFetchedAt tokenRefreshes abuseRefusals { rule limit refused } warnings
  apps { id displayName appId serving tokenOk tokenFetchedAt tokenAgeSeconds lastCallAt lastCallOutcome } } }`);

type AppStatus = ResultOf<typeof QUERY>['systemStatus']['apps'][number];

const OUTCOME_LABELS: Record<NonNullable<AppStatus['lastCallOutcome']>, MessageKey> = {
  OK: 'callOk',
  ERRCODE: 'callErrcode',
  TRANSIENT: 'callTransient',
  MALFORMED: 'callMalformed',
};

/** The System page: the switcher's app alone, or every app the key sees. */
export function SystemPage(props: { app: string | null }) {
  const { t, date } = useI18n();
  const { data, error, reload } = useQuery(QUERY, {});
  const s = data?.systemStatus;
  const apps = s?.apps.filter((a) => props.app === null || a.id === props.app) ?? [];
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
          <h3>{t('appWeChat')}</h3>
          <DataTable
            testId="system-apps"
            rows={apps}
            rowAttrs={(a) => ({
              'data-testid': 'system-app',
              'data-app': a.id,
              class: a.tokenOk ? 'ok' : 'down',
            })}
            columns={[
              {
                label: t('app'),
                cell: (a) => (
                  <>
                    {a.displayName} <code>{a.id}</code>
                  </>
                ),
              },
              { label: t('appId'), cell: (a) => <code>{a.appId}</code> },
              { label: t('status'), cell: (a) => (a.serving ? t('serving') : t('notServing')) },
              {
                label: t('tokenState'),
                cell: (a) => (a.tokenOk ? t('ok') : t('down')),
                attrs: (a) => ({ 'data-testid': 'app-token', class: a.tokenOk ? 'ok' : 'down' }),
              },
              {
                label: t('tokenAgeColumn'),
                cell: (a) =>
                  a.tokenFetchedAt && a.tokenAgeSeconds !== null
                    ? `${date(a.tokenFetchedAt)} (${a.tokenAgeSeconds} ${t('secondsAgo')})`
                    : t('never'),
                attrs: () => ({ 'data-testid': 'app-token-age' }),
              },
              {
                label: t('lastCall'),
                cell: (a) =>
                  a.lastCallAt && a.lastCallOutcome
                    ? `${date(a.lastCallAt)}: ${t(OUTCOME_LABELS[a.lastCallOutcome])}`
                    : t('never'),
                attrs: (a) => ({ 'data-testid': 'app-last-call', 'data-outcome': a.lastCallOutcome ?? '' }),
              },
            ]}
          />
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
