import { useState } from 'preact/hooks';
import { type ApiError, gql, toApiError } from '../api';
import { appsLabel, type ConsoleApp } from '../app-switcher';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/error-notice';
import { graphql, type VariablesOf } from '../graphql';
import { useI18n } from '../i18n';
import { useQuery } from '../use-query';

const LIST = graphql(
  'query ApiKeys { apiKeys { id name prefix scopes apps createdAt revokedAt lastUsedAt } }',
);
const CREATE = graphql(`mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id prefix } } }`);
const REVOKE = graphql('mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }');

/** The ApiKeyScope enum of the schema (the gateway's API_KEY_SCOPES); the browser test checks they match. */
const SCOPES = [
  'VERIFICATIONS_READ',
  'VERIFICATIONS_WRITE',
  'WEBHOOKS_WRITE',
  'CONSOLE_READ',
  'CONSOLE_ADMIN',
  'PRIVACY_READ',
  'PRIVACY_WRITE',
  'KEYS_ADMIN',
  'AUDIT_READ',
] as const satisfies readonly ApiKeyScope[];
type ApiKeyScope = VariablesOf<typeof CREATE>['input']['scopes'][number];
const scopeLabel = (scope: string) => scope.toLowerCase().replace('_', ':');

export function KeysPage(props: { admin: boolean; apps: readonly ConsoleApp[] }) {
  const { t, date } = useI18n();
  const { data, error, reload } = useQuery(props.admin ? LIST : null, {});
  const [created, setCreated] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  if (!props.admin) {
    return (
      <section class="page" data-testid="page-keys">
        <div class="page-head">
          <h2>{t('keys')}</h2>
        </div>
        <p class="error">{t('adminOnly')}</p>
      </section>
    );
  }

  const create = async (event: Event) => {
    event.preventDefault();
    const formElement = event.target as HTMLFormElement;
    const form = new FormData(formElement);
    setProblem(null);
    // no app ticked: a key for every app (the gateway limits it to the creating key's apps, if those are limited)
    const apps = form.getAll('apps').map(String);
    try {
      const result = await gql(CREATE, {
        input: {
          name: String(form.get('name') ?? ''),
          scopes: form.getAll('scopes').map(String) as ApiKeyScope[],
          ...(apps.length > 0 ? { apps } : {}),
        },
      });
      setCreated(result.createApiKey.key);
      formElement.reset();
      reload();
    } catch (error) {
      setProblem(toApiError(error));
    }
  };

  const revoke = async (id: string) => {
    if (confirming !== id) {
      setConfirming(id);
      return;
    }
    setConfirming(null);
    try {
      await gql(REVOKE, { id });
      reload();
    } catch (error) {
      setProblem(toApiError(error));
    }
  };

  return (
    <section class="page" data-testid="page-keys">
      <div class="page-head">
        <h2>{t('keys')}</h2>
      </div>
      <form class="filters" onSubmit={create} data-testid="create-key">
        <label>
          {t('keyName')}
          <input name="name" required maxLength={100} data-testid="key-name" />
        </label>
        <fieldset>
          <legend>{t('scopes')}</legend>
          {SCOPES.map((scope) => (
            <label class="inline">
              <input type="checkbox" name="scopes" value={scope} data-testid={`scope-${scope}`} />{' '}
              {scopeLabel(scope)}
            </label>
          ))}
        </fieldset>
        {props.apps.length > 0 && (
          <fieldset data-testid="key-apps">
            <legend>
              {t('apps')} <span class="note">({t('appsHint')})</span>
            </legend>
            {props.apps.map((app) => (
              <label class="inline">
                <input type="checkbox" name="apps" value={app.id} data-testid={`key-app-${app.id}`} />{' '}
                {app.displayName} <code>{app.id}</code>
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" data-testid="key-create">
          {t('create')}
        </button>
      </form>
      {created && (
        <div class="secret" data-testid="created-key">
          <p>{t('newKeyShownOnce')}</p>
          <code>{created}</code>
        </div>
      )}
      {/* a failed create or revoke is retried by doing it again; a failed list by Retry */}
      {problem && <ErrorNotice error={problem} testId="action-error" />}
      {error && <ErrorNotice error={error} onRetry={reload} />}
      {!data && !error && <p>{t('loading')}</p>}
      {data && (
        <DataTable
          testId="keys-table"
          rows={data.apiKeys}
          rowAttrs={(k) => ({ 'data-testid': 'key-row', 'data-prefix': k.prefix })}
          columns={[
            { label: t('keyName'), cell: (k) => k.name },
            { label: t('prefix'), cell: (k) => <code>{k.prefix}</code> },
            { label: t('scopes'), cell: (k) => k.scopes.map(scopeLabel).join(', ') },
            {
              label: t('apps'),
              cell: (k) => appsLabel(k.apps, t('appsAll')),
              attrs: () => ({ 'data-testid': 'key-apps-cell' }),
            },
            { label: t('createdAt'), cell: (k) => date(k.createdAt) },
            { label: t('lastUsed'), cell: (k) => (k.lastUsedAt ? date(k.lastUsedAt) : t('never')) },
            {
              label: t('status'),
              cell: (k) => (k.revokedAt ? `${t('revokedAt')} ${date(k.revokedAt)}` : t('active')),
              attrs: () => ({ 'data-testid': 'key-state' }),
            },
            {
              label: '',
              cell: (k) =>
                !k.revokedAt && (
                  <button type="button" class="danger" data-testid="key-revoke" onClick={() => revoke(k.id)}>
                    {confirming === k.id ? t('confirmRevoke') : t('revoke')}
                  </button>
                ),
            },
          ]}
        />
      )}
    </section>
  );
}
