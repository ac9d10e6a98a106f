import { useState } from 'preact/hooks';
import { ApiError, gql } from '../api';
import { graphql, type VariablesOf } from '../graphql';
import { useI18n } from '../i18n';
import { useQuery } from '../use-query';

const LIST = graphql('query ApiKeys { apiKeys { id name prefix scopes createdAt revokedAt lastUsedAt } }');
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
  'KEYS_ADMIN',
  'AUDIT_READ',
] as const satisfies readonly ApiKeyScope[];
type ApiKeyScope = VariablesOf<typeof CREATE>['input']['scopes'][number];
const scopeLabel = (scope: string) => scope.toLowerCase().replace('_', ':');

export function KeysPage(props: { admin: boolean }) {
  const { t, date } = useI18n();
  const { data, error, reload } = useQuery(props.admin ? LIST : null, {});
  const [created, setCreated] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  if (!props.admin) {
    return (
      <section>
        <h2>{t('keys')}</h2>
        <p class="error">{t('adminOnly')}</p>
      </section>
    );
  }

  const create = async (event: Event) => {
    event.preventDefault();
    const formElement = event.target as HTMLFormElement;
    const form = new FormData(formElement);
    setProblem(null);
    try {
      const result = await gql(CREATE, {
        input: {
          name: String(form.get('name') ?? ''),
          scopes: form.getAll('scopes').map(String) as ApiKeyScope[],
        },
      });
      setCreated(result.createApiKey.key);
      formElement.reset();
      reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
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
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };

  return (
    <section>
      <h2>{t('keys')}</h2>
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
      {(problem || error) && <p class="error">{problem ?? error?.message}</p>}
      {data && (
        <table data-testid="keys-table">
          <thead>
            <tr>
              <th>{t('keyName')}</th>
              <th>{t('prefix')}</th>
              <th>{t('scopes')}</th>
              <th>{t('createdAt')}</th>
              <th>{t('lastUsed')}</th>
              <th>{t('status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.apiKeys.map((k) => (
              <tr data-testid="key-row" data-prefix={k.prefix}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}</code>
                </td>
                <td>{k.scopes.map(scopeLabel).join(', ')}</td>
                <td>{date(k.createdAt)}</td>
                <td>{k.lastUsedAt ? date(k.lastUsedAt) : t('never')}</td>
                <td data-testid="key-state">
                  {k.revokedAt ? `${t('revokedAt')} ${date(k.revokedAt)}` : t('active')}
                </td>
                <td>
                  {!k.revokedAt && (
                    <button
                      type="button"
                      class="danger"
                      data-testid="key-revoke"
                      onClick={() => revoke(k.id)}
                    >
                      {confirming === k.id ? t('confirmRevoke') : t('revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
