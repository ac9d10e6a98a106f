import { useState } from 'preact/hooks';
import { type ApiError, gql, toApiError } from '../api';
import { appsLabel } from '../app-switcher';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { graphql, type ResultOf } from '../graphql';
import { type MessageKey, useI18n } from '../i18n';
import { useQuery } from '../use-query';

const ENDPOINTS = graphql(`query WebhookEndpoints { webhookEndpoints {
  id url description events apps enabled disabledReason disabledAt failingSince createdAt } }`);
const DELIVERIES =
  graphql(`query WebhookDeliveries($endpointId: ID!, $status: WebhookDeliveryStatus, $after: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: 20, after: $after) {
    edges { node { id eventType status attempts lastStatusCode lastError nextAttemptAt createdAt } }
    pageInfo { hasNextPage endCursor } } }`);
const REDELIVER = graphql(
  'mutation RedeliverWebhook($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }',
);

type Endpoint = ResultOf<typeof ENDPOINTS>['webhookEndpoints'][number];
type DeliveryStatus = ResultOf<typeof DELIVERIES>['webhookDeliveries']['edges'][number]['node']['status'];
const STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const satisfies readonly DeliveryStatus[];

/** The wire form (verification.started) of an event, as the receiver sees it in the body's type. */
const eventLabel = (event: string) => event.toLowerCase().replace('_', '.');

export function WebhooksPage(props: { admin: boolean }) {
  const { t, date } = useI18n();
  const endpoints = useQuery(ENDPOINTS, {});
  const [chosen, setChosen] = useState<string | null>(null);
  const list = endpoints.data?.webhookEndpoints ?? [];
  // the first endpoint until the operator picks another
  const endpointId = chosen ?? list[0]?.id ?? null;

  const stateOf = (e: Endpoint) =>
    e.enabled ? t('enabled') : e.disabledReason === 'FAILING' ? t('disabledFailing') : t('disabledManual');

  return (
    <section class="page" data-testid="page-webhooks">
      <div class="page-head">
        <h2>{t('webhooks')}</h2>
      </div>
      <h3>{t('webhookEndpoints')}</h3>
      {endpoints.error && <ErrorNotice error={endpoints.error} onRetry={endpoints.reload} />}
      {endpoints.loading && !endpoints.data && <p>{t('loading')}</p>}
      {endpoints.data && list.length === 0 && <p data-testid="no-endpoints">{t('noEndpoints')}</p>}
      {list.length > 0 && (
        <DataTable
          testId="webhook-endpoints"
          rows={list}
          rowAttrs={(e) => ({
            'data-testid': 'endpoint-row',
            'data-id': e.id,
            class: e.id === endpointId ? 'chosen' : '',
          })}
          columns={[
            {
              label: t('url'),
              cell: (e) => (
                <>
                  <code class="id">{e.url}</code>
                  {e.description && <div class="note">{e.description}</div>}
                </>
              ),
            },
            { label: t('events'), cell: (e) => e.events.map(eventLabel).join(', ') },
            {
              label: t('apps'),
              cell: (e) => appsLabel(e.apps, t('appsAll')),
              attrs: () => ({ 'data-testid': 'endpoint-apps' }),
            },
            {
              label: t('status'),
              attrs: () => ({ 'data-testid': 'endpoint-state' }),
              cell: (e) => (
                <>
                  {stateOf(e)}
                  {!e.enabled && e.disabledAt && ` ${date(e.disabledAt)}`}
                  {e.failingSince && (
                    <div class="note">
                      {t('failingSinceLabel')} {date(e.failingSince)}
                    </div>
                  )}
                </>
              ),
            },
            { label: t('createdAt'), cell: (e) => date(e.createdAt) },
            {
              label: '',
              cell: (e) => (
                <button type="button" data-testid="endpoint-deliveries" onClick={() => setChosen(e.id)}>
                  {t('showDeliveries')}
                </button>
              ),
            },
          ]}
        />
      )}
      {endpointId && <Deliveries key={endpointId} endpointId={endpointId} admin={props.admin} />}
    </section>
  );
}

function Deliveries(props: { endpointId: string; admin: boolean }) {
  const { t, date } = useI18n();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  // null: the newest page; "back" returns there
  const [after, setAfter] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [queued, setQueued] = useState<string | null>(null);
  const { data, error, loading, reload } = useQuery(DELIVERIES, {
    endpointId: props.endpointId,
    status: status || null,
    after,
  });
  const page = data?.webhookDeliveries;

  const redeliver = async (id: string) => {
    setProblem(null);
    setQueued(null);
    try {
      await gql(REDELIVER, { id });
      setQueued(id);
      reload();
    } catch (caught) {
      setProblem(toApiError(caught));
    }
  };

  return (
    <>
      <h3>{t('deliveries')}</h3>
      <div class="filters">
        <label>
          {t('status')}
          <select
            data-testid="delivery-status"
            value={status}
            onChange={(event) => {
              setAfter(null);
              setStatus((event.target as HTMLSelectElement).value as DeliveryStatus | '');
            }}
          >
            <option value="">{t('all')}</option>
            {STATUSES.map((s) => (
              <option value={s}>{t(s as MessageKey)}</option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="deliveries-refresh" onClick={reload}>
          {t('refresh')}
        </button>
      </div>
      {problem && <ErrorNotice error={problem} testId="action-error" />}
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {queued && (
        <p class="note" data-testid="redeliver-queued">
          {t('redeliverQueued')}
        </p>
      )}
      {loading && !page && <p>{t('loading')}</p>}
      {page && page.edges.length === 0 && <p data-testid="no-deliveries">{t('noDeliveries')}</p>}
      {page && page.edges.length > 0 && (
        <DataTable
          testId="webhook-deliveries"
          rows={page.edges.map((e) => e.node)}
          rowAttrs={(d) => ({ 'data-testid': 'delivery-row', 'data-id': d.id, 'data-status': d.status })}
          columns={[
            { label: t('createdAt'), cell: (d) => date(d.createdAt) },
            { label: t('eventType'), cell: (d) => eventLabel(d.eventType) },
            {
              label: t('status'),
              attrs: (d) => ({ class: `status ${d.status}`, 'data-testid': 'delivery-status-cell' }),
              cell: (d) => (
                <>
                  {t(d.status)}
                  {d.lastError && <div class="note">{d.lastError}</div>}
                </>
              ),
            },
            {
              label: t('attempts'),
              cell: (d) => d.attempts,
              attrs: () => ({ 'data-testid': 'delivery-attempts' }),
            },
            { label: t('lastStatusCode'), cell: (d) => d.lastStatusCode ?? '—' },
            { label: t('nextRetry'), cell: (d) => (d.nextAttemptAt ? date(d.nextAttemptAt) : '—') },
            ...(props.admin
              ? [
                  {
                    label: '',
                    cell: (d: { id: string }) => (
                      <button type="button" data-testid="redeliver" onClick={() => redeliver(d.id)}>
                        {t('redeliver')}
                      </button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {(after || page?.pageInfo.hasNextPage) && (
        <div class="filters">
          {after && (
            <button type="button" onClick={() => setAfter(null)}>
              {t('back')}
            </button>
          )}
          {page?.pageInfo.hasNextPage && page.pageInfo.endCursor && (
            <button
              type="button"
              data-testid="deliveries-next"
              onClick={() => setAfter(page.pageInfo.endCursor)}
            >
              {t('next')}
            </button>
          )}
        </div>
      )}
    </>
  );
}
