import { type ComponentChildren, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type ApiError, gql, keyStore, toApiError } from './api';
import { AppSwitcher, type ConsoleApp, useChosenApp } from './app-switcher';
import { ErrorNotice } from './components/error-notice';
import { type ErrorKind, errorKind } from './errors';
import { graphql, type ResultOf } from './graphql';
import { I18nContext, type Lang, type MessageKey, makeI18n } from './i18n';
import { AuditPage } from './pages/audit';
import { ConsentPage } from './pages/consent';
import { FailuresPage } from './pages/failures';
import { KeysPage } from './pages/keys';
import { OverviewPage } from './pages/overview';
import { SessionPage, SessionsPage } from './pages/sessions';
import { SystemPage } from './pages/system';
import { WebhooksPage } from './pages/webhooks';
import type { PeriodName } from './period';
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

interface RouteContext {
  viewer: Viewer;
  /** What follows the section in the hash: #/sessions/<id>. */
  id: string | undefined;
  go: (route: string) => void;
  period: PeriodName;
  setPeriod: (period: PeriodName) => void;
  /** The app the switcher shows (null: every app the key sees). */
  app: string | null;
  apps: readonly ConsoleApp[];
}

const isAdmin = (viewer: Viewer) => viewer.scopes.includes('CONSOLE_ADMIN');

/**
 * The console's pages, in the order of the navigation: a new page (an audit log, say) is one entry here. The
 * first is the default for an empty or unknown hash.
 */
const ROUTES: { section: string; label: MessageKey; render: (c: RouteContext) => ComponentChildren }[] = [
  {
    section: 'overview',
    label: 'overview',
    render: (c) => <OverviewPage period={c.period} setPeriod={c.setPeriod} app={c.app} />,
  },
  {
    section: 'failures',
    label: 'failures',
    render: (c) => <FailuresPage period={c.period} setPeriod={c.setPeriod} app={c.app} />,
  },
  {
    section: 'sessions',
    label: 'sessions',
    render: (c) =>
      c.id ? (
        <SessionPage
          id={decodeURIComponent(c.id)}
          back={() => c.go('sessions')}
          // redaction: console:admin (the console's action) or privacy:write
          admin={isAdmin(c.viewer) || c.viewer.scopes.includes('PRIVACY_WRITE')}
        />
      ) : (
        <SessionsPage
          app={c.app}
          // a new app starts the list over (key: a fresh filter and page)
          key={c.app ?? ''}
          open={(sessionId) => c.go(`sessions/${encodeURIComponent(sessionId)}`)}
        />
      ),
  },
  { section: 'webhooks', label: 'webhooks', render: (c) => <WebhooksPage admin={isAdmin(c.viewer)} /> },
  {
    section: 'keys',
    label: 'keys',
    render: (c) => (
      <KeysPage admin={isAdmin(c.viewer) || c.viewer.scopes.includes('KEYS_ADMIN')} apps={c.apps} />
    ),
  },
  { section: 'system', label: 'system', render: (c) => <SystemPage app={c.app} /> },
  { section: 'consent', label: 'consent', render: (c) => <ConsentPage admin={isAdmin(c.viewer)} /> },
  {
    section: 'audit',
    label: 'audit',
    render: (c) => <AuditPage allowed={c.viewer.scopes.includes('AUDIT_READ')} />,
  },
];

/** What the sign-in form says for each kind of failure: a network or server problem is not a wrong key. */
const SIGN_IN_PROBLEM: Record<ErrorKind, MessageKey> = {
  unauthorized: 'wrongKey',
  badInput: 'wrongKey',
  notFound: 'wrongKey',
  unknown: 'wrongKey',
  forbidden: 'noConsoleScope',
  rateLimited: 'tooManyAttempts',
  network: 'errorNetwork',
  server: 'errorServer',
  conflict: 'errorConflict',
};

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
      setProblem(SIGN_IN_PROBLEM[errorKind(toApiError(error))]);
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
  // the kept key could not be checked (network, server): keep it and offer Retry rather than sign the operator out
  const [checkError, setCheckError] = useState<ApiError | null>(null);
  const [checkAttempt, setCheckAttempt] = useState(0);
  const [route, go] = useRoute();
  const [period, setPeriod] = useState<PeriodName>('today');
  const { apps, app, setApp } = useChosenApp(viewer !== null);
  const setLang = (next: Lang) => {
    localStorage.setItem(LANG_STORAGE, next);
    document.documentElement.lang = next;
    setLangState(next);
  };
  const i18n = makeI18n(lang, setLang);

  // a key kept from earlier in this tab: check it is still good
  useEffect(() => {
    if (keyStore.get() === null) return;
    setCheckError(null);
    gql(VIEWER, {}).then(
      ({ consoleViewer }) => {
        setViewer(consoleViewer);
        setChecking(false);
      },
      (caught: unknown) => {
        const error = toApiError(caught);
        const kind = errorKind(error);
        if (kind === 'unauthorized' || kind === 'forbidden') {
          keyStore.clear();
          setChecking(false);
        } else {
          setCheckError(error);
        }
      },
    );
  }, [checkAttempt]);

  const signOut = () => {
    keyStore.clear();
    setViewer(null);
  };

  const [section, id] = route.split('/');
  const context: RouteContext = { viewer: viewer as Viewer, id, go, period, setPeriod, app, apps };
  const current = ROUTES.find((r) => r.section === section) ?? ROUTES[0];
  const page = viewer && current ? current.render(context) : null;

  return (
    <I18nContext.Provider value={i18n}>
      <header>
        <span class="brand">{i18n.t('title')}</span>
        {viewer && (
          <nav>
            {ROUTES.map((r) => (
              <a
                href={`#/${r.section}`}
                class={current === r ? 'active' : ''}
                data-testid={`nav-${r.section}`}
              >
                {i18n.t(r.label)}
              </a>
            ))}
          </nav>
        )}
        <span class="spacer" />
        {viewer && <AppSwitcher apps={apps} value={app} onChange={setApp} />}
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
      <main>
        {viewer ? (
          page
        ) : checkError ? (
          <ErrorNotice error={checkError} onRetry={() => setCheckAttempt((n) => n + 1)} />
        ) : checking ? (
          <p>{i18n.t('loading')}</p>
        ) : (
          <SignIn onSignedIn={setViewer} />
        )}
      </main>
    </I18nContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
