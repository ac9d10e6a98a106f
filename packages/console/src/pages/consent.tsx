import { useState } from 'preact/hooks';
import { ApiError, gql } from '../api';
import { graphql } from '../graphql';
import { type PublishForm, publishInputOf } from '../privacy/privacy-logic';
import { type PrivacyKey, usePrivacyI18n } from '../privacy/privacy-texts';
import { useQuery } from '../use-query';
import '../privacy/privacy.css';

const TEXTS = graphql(`query ConsoleConsentTexts {
  consentTexts { version kind purpose textZh textEn sha256 publishedAt } }`);
const PUBLISH = graphql(`mutation ConsolePublishConsentText($input: PublishConsentTextInput!) {
  publishConsentText(input: $input) { version kind sha256 publishedAt } }`);

/** The consent texts the mini program shows (newest first; the newest of each kind is current), and publishing. */
export function ConsentPage(props: { admin: boolean }) {
  const { t, p, date } = usePrivacyI18n();
  const { data, error, reload } = useQuery(TEXTS, {});
  const texts = data?.consentTexts ?? [];
  // newest first: the first of each kind is the one shown now
  const current = new Set(['STANDARD', 'GUARDIAN'].map((k) => texts.find((x) => x.kind === k)?.version));
  return (
    <section>
      <h2>{p('consentTexts')}</h2>
      {error && <p class="error">{error.message}</p>}
      {!data && !error && <p>{t('loading')}</p>}
      {data && texts.length === 0 && <p data-testid="no-consent-texts">{p('noTexts')}</p>}
      {texts.length > 0 && (
        <table data-testid="consent-texts">
          <thead>
            <tr>
              <th>{p('version')}</th>
              <th>{p('kind')}</th>
              <th>{p('purpose')}</th>
              <th>{p('publishedAt')}</th>
              <th>{p('sha256')}</th>
              <th>{p('textZh')}</th>
            </tr>
          </thead>
          <tbody>
            {texts.map((x) => (
              <tr data-testid="consent-text" data-version={x.version}>
                <td>
                  {x.version}
                  {current.has(x.version) && (
                    <span class="status VERIFIED" data-testid="consent-current">
                      {' '}
                      {p('current')}
                    </span>
                  )}
                </td>
                <td>{p(x.kind)}</td>
                <td>{x.purpose}</td>
                <td>{date(x.publishedAt)}</td>
                <td>
                  <code title={x.sha256}>{x.sha256.slice(0, 12)}…</code>
                </td>
                <td>
                  <details>
                    <summary>{x.textZh.slice(0, 24)}…</summary>
                    <p class="consent-body">{x.textZh}</p>
                    {x.textEn && <p class="consent-body">{x.textEn}</p>}
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.admin && <PublishConsentForm onPublished={reload} />}
    </section>
  );
}

const EMPTY: PublishForm = { version: '', kind: 'STANDARD', purpose: '', textZh: '', textEn: '' };

function PublishConsentForm(props: { onPublished: () => void }) {
  const { p } = usePrivacyI18n();
  const [form, setForm] = useState<PublishForm>(EMPTY);
  const [problem, setProblem] = useState<{ field: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const set = (field: keyof PublishForm) => (e: Event) =>
    setForm({ ...form, [field]: (e.target as HTMLInputElement).value });

  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(null);
    const checked = publishInputOf(form);
    if (!checked.ok) {
      setProblem({ field: checked.field, text: p(checked.problem as PrivacyKey) });
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const { publishConsentText } = await gql(PUBLISH, { input: checked.input });
      setDone(publishConsentText.version);
      setForm(EMPTY);
      props.onPublished();
    } catch (error) {
      setProblem({ field: '', text: error instanceof ApiError ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="publish-consent" onSubmit={submit} data-testid="publish-consent" autocomplete="off">
      <h3>{p('publishTitle')}</h3>
      <p class="note">{p('publishNote')}</p>
      <label>
        {p('version')}
        <input data-testid="consent-version" value={form.version} maxLength={32} onInput={set('version')} />
      </label>
      <label>
        {p('kind')}
        <select data-testid="consent-kind" value={form.kind} onChange={set('kind')}>
          <option value="STANDARD">{p('STANDARD')}</option>
          <option value="GUARDIAN">{p('GUARDIAN')}</option>
        </select>
      </label>
      <label>
        {p('purpose')}
        <input data-testid="consent-purpose" value={form.purpose} maxLength={200} onInput={set('purpose')} />
      </label>
      <label>
        {p('textZh')}
        <textarea data-testid="consent-text-zh" rows={6} value={form.textZh} onInput={set('textZh')} />
      </label>
      <label>
        {p('textEn')}
        <textarea data-testid="consent-text-en" rows={6} value={form.textEn} onInput={set('textEn')} />
      </label>
      <button type="submit" disabled={busy} data-testid="consent-publish">
        {p('publish')}
      </button>
      {problem && (
        <p class="error" data-testid="consent-publish-error" data-field={problem.field}>
          {problem.text}
        </p>
      )}
      {done && (
        <p class="note" data-testid="consent-published">
          {p('published')}: {done}
        </p>
      )}
    </form>
  );
}
