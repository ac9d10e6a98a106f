import { graphql } from '../graphql';
import { useI18n } from '../i18n';
import { FilingThreshold } from '../privacy/filing-threshold';
import { useQuery } from '../use-query';

const QUERY = graphql(`query SystemStatus { systemStatus {
  checks { name ok } databaseKind sandboxMode production version nodeVersion startedAt
  tokenFetchedAt tokenRefreshes abuseRefusals { rule limit refused } warnings } }`);

export function SystemPage() {
  const { t, date } = useI18n();
  const { data, error } = useQuery(QUERY, {});
  const s = data?.systemStatus;
  return (
    <section>
      <h2>{t('system')}</h2>
      {error && <p class="error">{error.message}</p>}
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
          <table data-testid="abuse-refusals">
            <thead>
              <tr>
                <th>{t('rule')}</th>
                <th>{t('ruleLimit')}</th>
                <th>{t('refused')}</th>
              </tr>
            </thead>
            <tbody>
              {s.abuseRefusals.map((r) => (
                <tr data-rule={r.rule}>
                  <td>
                    <code>{r.rule}</code>
                  </td>
                  <td>{r.limit}</td>
                  <td>{r.refused}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
