import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, gql, keyStore } from './api';
import { graphql, type ResultOf } from './graphql';
import { I18nContext, type Lang, type MessageKey, makeI18n } from './i18n';
import { ConsentPage } from './pages/consent';
import { FailuresPage } from './pages/failures';
import { KeysPage } from './pages/keys';
import { OverviewPage } from './pages/overview';
import { SessionPage, SessionsPage } from './pages/sessions';
import { SystemPage } from './pages/system';
import { WebhooksPage } from './pages/webhooks';
import type { PeriodName } from './period';
import { PRIVACY_MESSAGES } from './privacy/privacy-texts';
import './styles.css';

const VIEWER = graphql('query ConsoleViewer { consoleViewer { name scopes } }');
const LANG_STORAGE = 'facegate.console.lang';

type Viewer = ResultOf<typeof VIEWER>['consoleViewer'];

/** Hash routes (#/overview, #/sessions/<id>): the gateway serves one page, and ids stay out of requests. */
function useRoute(): [string, (route: string) => void] {
  const read = () => location.hash.replace(/^#\/?/, '') || 'overview';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return [route, (next) => (location.hash = `#/${next}`)];
}

function SignIn(props: { onSignedIn: (viewer: Viewer) => void }) {
  const [problem, setProblem] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const i18n = makeI18n(currentLang(), () => {});
  const submit = async (event: Event) => {
    event.preventDefault();
    const key = String(new FormData(event.target as HTMLFormElement).get('key') ?? '').trim();
    setBusy(true);
    setProblem(null);
    try {
      const { consoleViewer } = await gql(VIEWER, {}, key);
      keyStore.set(key);
      props.onSignedIn(consoleViewer);
    } catch (error) {
      const code = error instanceof ApiError ? error.code : '';
      setProblem(
        code === 'FORBIDDEN' ? 'noConsoleScope' : code === 'RATE_LIMITED' ? 'tooManyAttempts' : 'wrongKey',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="sign-in" onSubmit={submit} data-testid="sign-in" autocomplete="off">
      <h1>{i18n.t('title')}</h1>
      <label>
        {i18n.t('apiKey')}
        <input
          name="key"
          type="password"
          required
          data-testid="key-input"
          autocomplete="off"
          spellcheck={false}
        />
      </label>
      <p class="note">{i18n.t('apiKeyHint')}</p>
      <button type="submit" disabled={busy} data-testid="sign-in-submit">
        {i18n.t('signIn')}
      </button>
      {problem && (
        <p class="error" data-testid="sign-in-error">
          {i18n.t(problem)}
        </p>
      )}
    </form>
  );
}

function currentLang(): Lang {
  return localStorage.getItem(LANG_STORAGE) === 'en' ? 'en' : 'zh-CN';
}

function App() {
  const [lang, setLangState] = useState<Lang>(currentLang);
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [checking, setChecking] = useState(keyStore.get() !== null);
  const [route, go] = useRoute();
  const [period, setPeriod] = useState<PeriodName>('today');
  const setLang = (next: Lang) => {
    localStorage.setItem(LANG_STORAGE, next);
    document.documentElement.lang = next;
    setLangState(next);
  };
  const i18n = makeI18n(lang, setLang);

  // a key kept from earlier in this tab: check it is still good
  useEffect(() => {
    if (keyStore.get() === null) return;
    gql(VIEWER, {}).then(
      ({ consoleViewer }) => {
        setViewer(consoleViewer);
        setChecking(false);
      },
      () => {
        keyStore.clear();
        setChecking(false);
      },
    );
  }, []);

  const signOut = () => {
    keyStore.clear();
    setViewer(null);
  };

  let page = null;
  const [section, id] = route.split('/');
  if (viewer) {
    if (section === 'failures') page = <FailuresPage period={period} setPeriod={setPeriod} />;
    else if (section === 'sessions' && id)
      page = (
        <SessionPage
          id={decodeURIComponent(id)}
          back={() => go('sessions')}
          // redactVerification takes privacy:write; console:admin is offered it as well (the gateway decides)
          admin={viewer.scopes.includes('CONSOLE_ADMIN') || viewer.scopes.includes('PRIVACY_WRITE')}
        />
      );
    else if (section === 'sessions')
      page = <SessionsPage open={(sessionId) => go(`sessions/${encodeURIComponent(sessionId)}`)} />;
    else if (section === 'keys')
      page = (
        <KeysPage admin={viewer.scopes.includes('CONSOLE_ADMIN') || viewer.scopes.includes('KEYS_ADMIN')} />
      );
    else if (section === 'webhooks') page = <WebhooksPage admin={viewer.scopes.includes('CONSOLE_ADMIN')} />;
    else if (section === 'system') page = <SystemPage />;
    else if (section === 'consent') page = <ConsentPage admin={viewer.scopes.includes('CONSOLE_ADMIN')} />;
    else page = <OverviewPage period={period} setPeriod={setPeriod} />;
  }
  const nav: [string, MessageKey][] = [
    ['overview', 'overview'],
    ['failures', 'failures'],
    ['sessions', 'sessions'],
    ['webhooks', 'webhooks'],
    ['keys', 'keys'],
    ['system', 'system'],
  ];

  return (
    <I18nContext.Provider value={i18n}>
      <header>
        <span class="brand">{i18n.t('title')}</span>
        {viewer && (
          <nav>
            {nav.map(([target, label]) => (
              <a
                href={`#/${target}`}
                class={section === target ? 'active' : ''}
                data-testid={`nav-${target}`}
              >
                {i18n.t(label)}
              </a>
            ))}
            <a href="#/consent" class={section === 'consent' ? 'active' : ''} data-testid="nav-consent">
              {PRIVACY_MESSAGES[lang].consentTexts}
            </a>
          </nav>
        )}
        <span class="spacer" />
        <button
          type="button"
          data-testid="lang-toggle"
          onClick={() => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}
        >
          {lang === 'zh-CN' ? 'English' : '中文'}
        </button>
        {viewer && (
          <>
            <span class="who" data-testid="viewer-name">
              {viewer.name}
            </span>
            <button type="button" onClick={signOut} data-testid="sign-out">
              {i18n.t('signOut')}
            </button>
          </>
        )}
      </header>
      <main>{viewer ? page : checking ? <p>{i18n.t('loading')}</p> : <SignIn onSignedIn={setViewer} />}</main>
    </I18nContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
