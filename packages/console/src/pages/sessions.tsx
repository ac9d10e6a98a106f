import { useState } from 'preact/hooks';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { failureReason } from '../failure-reason';
import { graphql, type VariablesOf } from '../graphql';
import { type MessageKey, useI18n } from '../i18n';
import { SessionPrivacy } from '../privacy/session-privacy';
import { useQuery } from '../use-query';

const LIST = graphql(`query ConsoleSessions($filter: ConsoleSessionFilter, $after: String, $app: String) {
  consoleSessions(filter: $filter, first: 20, after: $after, app: $app) {
    edges { node { id app status protocol maskedName maskedIdCardNumber attempts maxAttempts lastErrorCode openid clientReferenceId createdAt } }
    hasNextPage endCursor
  } }`);
const ONE = graphql(`query ConsoleSession($id: ID!) {
  consoleSession(id: $id) {
    id app status protocol maskedName maskedIdCardNumber attempts maxAttempts lastErrorCode openid clientReferenceId
    createdAt endedAt verifiedAt
    timeline { at kind status attempt failureCode }
  } }`);

type Filter = NonNullable<VariablesOf<typeof LIST>['filter']>;

/** datetime-local (read as China Standard Time) to ISO; empty to undefined. */
const cstToIso = (value: string) => (value ? new Date(`${value}:00+08:00`).toISOString() : undefined);

export function SessionsPage(props: { open: (id: string) => void; app: string | null }) {
  const { t, date, lang } = useI18n();
  const [filter, setFilter] = useState<Filter>({});
  const [after, setAfter] = useState<string | null>(null);
  const { data, error, reload } = useQuery(LIST, { filter, after, app: props.app });

  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => {
      const value = String(form.get(name) ?? '').trim();
      return value === '' ? undefined : value;
    };
    setAfter(null);
    setFilter({
      status: text('status') as Filter['status'],
      protocol: text('protocol') as Filter['protocol'],
      openid: text('openid'),
      clientReferenceId: text('clientReferenceId'),
      createdAfter: cstToIso(String(form.get('from') ?? '')),
      createdBefore: cstToIso(String(form.get('to') ?? '')),
    });
  };

  const c = data?.consoleSessions;
  return (
    <section class="page" data-testid="page-sessions">
      <div class="page-head">
        <h2>{t('sessions')}</h2>
      </div>
      <form class="filters" onSubmit={submit} data-testid="session-filters">
        <label>
          {t('status')}
          <select name="status" data-testid="filter-status">
            <option value="">{t('all')}</option>
            {['PENDING', 'VERIFIED', 'FAILED', 'CANCELED', 'EXPIRED'].map((s) => (
              <option value={s}>{t(s.toLowerCase() as MessageKey)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('protocol')}
          <select name="protocol" data-testid="filter-protocol">
            <option value="">{t('all')}</option>
            <option value="V2">V2</option>
            <option value="LEGACY">LEGACY</option>
          </select>
        </label>
        <label>
          {t('openid')}
          <input name="openid" data-testid="filter-openid" maxLength={128} />
        </label>
        <label>
          {t('clientReference')}
          <input name="clientReferenceId" data-testid="filter-reference" maxLength={128} />
        </label>
        <label>
          {t('from')}
          <input name="from" type="datetime-local" />
        </label>
        <label>
          {t('to')}
          <input name="to" type="datetime-local" />
        </label>
        <button type="submit" data-testid="filter-submit">
          {t('filter')}
        </button>
      </form>
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {!c && !error && <p>{t('loading')}</p>}
      {c && (
        <>
          <DataTable
            testId="sessions-table"
            rows={c.edges.map((e) => e.node)}
            rowAttrs={(node) => ({
              class: 'clickable',
              'data-testid': 'session-row',
              'data-id': node.id,
              onClick: () => props.open(node.id),
            })}
            columns={[
              { label: t('createdAt'), cell: (node) => date(node.createdAt) },
              {
                label: t('app'),
                cell: (node) => <code>{node.app}</code>,
                attrs: () => ({ 'data-testid': 'session-app' }),
              },
              {
                label: t('status'),
                cell: (node) => (
                  <span class={`status ${node.status}`}>{t(node.status.toLowerCase() as MessageKey)}</span>
                ),
              },
              { label: t('protocol'), cell: (node) => node.protocol },
              { label: t('name'), cell: (node) => node.maskedName },
              { label: t('idNumber'), cell: (node) => <span class="id">{node.maskedIdCardNumber}</span> },
              { label: t('attempts'), cell: (node) => `${node.attempts}/${node.maxAttempts}` },
              {
                label: t('lastError'),
                cell: (node) => (node.lastErrorCode ? failureReason(node.lastErrorCode, lang) : ''),
                attrs: (node) => ({ 'data-testid': 'last-error', title: node.lastErrorCode ?? undefined }),
              },
              { label: t('openid'), cell: (node) => <span class="id">{node.openid}</span> },
              {
                label: t('clientReference'),
                cell: (node) => <span class="id">{node.clientReferenceId ?? ''}</span>,
              },
            ]}
          />
          {c.hasNextPage && (
            <button type="button" onClick={() => setAfter(c.endCursor)}>
              {t('next')}
            </button>
          )}
        </>
      )}
    </section>
  );
}

export function SessionPage(props: { id: string; back: () => void; admin?: boolean }) {
  const { t, date, lang } = useI18n();
  const { data, error, reload } = useQuery(ONE, { id: props.id });
  const s = data?.consoleSession;
  return (
    <section class="page" data-testid="page-session">
      <div class="page-head">
        <button type="button" onClick={props.back}>
          ← {t('back')}
        </button>
        <h2>
          {t('sessions')} <code data-testid="session-id">{props.id}</code>
        </h2>
      </div>
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {!data && !error && <p>{t('loading')}</p>}
      {data && s === null && (
        <p class="error" data-testid="session-not-found">
          {t('sessionNotFound')}
        </p>
      )}
      {s && (
        <>
          <dl class="facts" data-testid="session-detail">
            <dt>{t('app')}</dt>
            <dd data-testid="session-app">
              <code>{s.app}</code>
            </dd>
            <dt>{t('status')}</dt>
            <dd data-testid="session-status">{t(s.status.toLowerCase() as MessageKey)}</dd>
            <dt>{t('protocol')}</dt>
            <dd>{s.protocol}</dd>
            <dt>{t('name')}</dt>
            <dd>{s.maskedName}</dd>
            <dt>{t('idNumber')}</dt>
            <dd>{s.maskedIdCardNumber}</dd>
            <dt>{t('attempts')}</dt>
            <dd>
              {s.attempts}/{s.maxAttempts}
            </dd>
            <dt>{t('lastError')}</dt>
            <dd data-testid="session-last-error" title={s.lastErrorCode ?? undefined}>
              {s.lastErrorCode ? failureReason(s.lastErrorCode, lang) : '—'}
            </dd>
            <dt>{t('openid')}</dt>
            <dd class="id">{s.openid}</dd>
            <dt>{t('clientReference')}</dt>
            <dd class="id">{s.clientReferenceId ?? '—'}</dd>
            <dt>{t('createdAt')}</dt>
            <dd>{date(s.createdAt)}</dd>
          </dl>
          <h3>{t('timeline')}</h3>
          <ol class="timeline" data-testid="timeline">
            {s.timeline.map((e) => (
              <li data-kind={e.kind}>
                <time>{date(e.at)}</time> <strong>{t(e.kind)}</strong>
                {e.status && (
                  <span class={`status ${e.status}`}> {t(e.status.toLowerCase() as MessageKey)}</span>
                )}
                {e.attempt !== null && <span> #{e.attempt}</span>}
                {e.failureCode && (
                  <span class="reason" data-testid="timeline-reason" title={e.failureCode}>
                    {' '}
                    {failureReason(e.failureCode, lang)}
                  </span>
                )}
              </li>
            ))}
          </ol>
          <SessionPrivacy id={props.id} admin={props.admin === true} onRedacted={reload} />
        </>
      )}
    </section>
  );
}
