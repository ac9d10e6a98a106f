import { useState } from 'preact/hooks';
import { graphql, type VariablesOf } from '../graphql';
import { type MessageKey, useI18n } from '../i18n';
import { SessionPrivacy } from '../privacy/session-privacy';
import { useQuery } from '../use-query';

const LIST = graphql(`query ConsoleSessions($filter: ConsoleSessionFilter, $after: String) {
  consoleSessions(filter: $filter, first: 20, after: $after) {
    edges { node { id status protocol maskedName maskedIdCardNumber attempts maxAttempts lastErrorCode openid clientReferenceId createdAt } }
    hasNextPage endCursor
  } }`);
const ONE = graphql(`query ConsoleSession($id: ID!) {
  consoleSession(id: $id) {
    id status protocol maskedName maskedIdCardNumber attempts maxAttempts lastErrorCode openid clientReferenceId
    createdAt endedAt verifiedAt
    timeline { at kind status attempt failureCode }
  } }`);

type Filter = NonNullable<VariablesOf<typeof LIST>['filter']>;

/** datetime-local (read as China Standard Time) to ISO; empty to undefined. */
const cstToIso = (value: string) => (value ? new Date(`${value}:00+08:00`).toISOString() : undefined);

export function SessionsPage(props: { open: (id: string) => void }) {
  const { t, date } = useI18n();
  const [filter, setFilter] = useState<Filter>({});
  const [after, setAfter] = useState<string | null>(null);
  const { data, error } = useQuery(LIST, { filter, after });

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
    <section>
      <h2>{t('sessions')}</h2>
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
      {error && <p class="error">{error.message}</p>}
      {c && (
        <>
          <table data-testid="sessions-table">
            <thead>
              <tr>
                <th>{t('createdAt')}</th>
                <th>{t('status')}</th>
                <th>{t('protocol')}</th>
                <th>{t('name')}</th>
                <th>{t('idNumber')}</th>
                <th>{t('attempts')}</th>
                <th>{t('lastError')}</th>
                <th>{t('openid')}</th>
                <th>{t('clientReference')}</th>
              </tr>
            </thead>
            <tbody>
              {c.edges.map(({ node }) => (
                <tr
                  class="clickable"
                  data-testid="session-row"
                  data-id={node.id}
                  onClick={() => props.open(node.id)}
                >
                  <td>{date(node.createdAt)}</td>
                  <td>
                    <span class={`status ${node.status}`}>{t(node.status.toLowerCase() as MessageKey)}</span>
                  </td>
                  <td>{node.protocol}</td>
                  <td>{node.maskedName}</td>
                  <td>{node.maskedIdCardNumber}</td>
                  <td>
                    {node.attempts}/{node.maxAttempts}
                  </td>
                  <td>{node.lastErrorCode ?? ''}</td>
                  <td>{node.openid}</td>
                  <td>{node.clientReferenceId ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
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
  const { t, date } = useI18n();
  const { data, error, reload } = useQuery(ONE, { id: props.id });
  const s = data?.consoleSession;
  return (
    <section>
      <button type="button" onClick={props.back}>
        ← {t('back')}
      </button>
      <h2>
        {t('sessions')} <code data-testid="session-id">{props.id}</code>
      </h2>
      {error && <p class="error">{error.message}</p>}
      {data && s === null && <p class="error">404</p>}
      {s && (
        <>
          <dl class="facts" data-testid="session-detail">
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
            <dt>{t('openid')}</dt>
            <dd>{s.openid}</dd>
            <dt>{t('clientReference')}</dt>
            <dd>{s.clientReferenceId ?? '—'}</dd>
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
                {e.failureCode && <code> {e.failureCode}</code>}
              </li>
            ))}
          </ol>
          <SessionPrivacy id={props.id} admin={props.admin === true} onRedacted={reload} />
        </>
      )}
    </section>
  );
}
