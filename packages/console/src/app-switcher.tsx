import { useEffect, useState } from 'preact/hooks';
import { graphql, type ResultOf } from './graphql';
import { useI18n } from './i18n';
import { useQuery } from './use-query';

/** The apps the signed-in key sees (a key limited to some apps is told of those only). */
export const APPS = graphql('query ConsoleApps { apps { id displayName disabled } }');
export type ConsoleApp = ResultOf<typeof APPS>['apps'][number];

const APP_STORAGE = 'facegate.console.app';

/**
 * The app the pages show (null: every app the key sees), kept in local storage so it stays across pages and
 * reloads. One no longer listed (removed, or another key signed in) falls back to every app.
 */
export function useChosenApp(signedIn: boolean): {
  apps: readonly ConsoleApp[];
  app: string | null;
  setApp: (app: string | null) => void;
} {
  const { data } = useQuery(signedIn ? APPS : null, {});
  const [stored, setStored] = useState<string | null>(() => localStorage.getItem(APP_STORAGE));
  const apps = data?.apps ?? [];
  const app = stored !== null && apps.some((a) => a.id === stored) ? stored : null;
  useEffect(() => {
    if (data && stored !== null && app === null) localStorage.removeItem(APP_STORAGE);
  }, [data, stored, app]);
  const setApp = (next: string | null) => {
    if (next === null) localStorage.removeItem(APP_STORAGE);
    else localStorage.setItem(APP_STORAGE, next);
    setStored(next);
  };
  return { apps, app, setApp };
}

/** The header's app switcher: all apps, or one. */
export function AppSwitcher(props: {
  apps: readonly ConsoleApp[];
  value: string | null;
  onChange: (app: string | null) => void;
}) {
  const { t } = useI18n();
  return (
    <label class="app-switcher">
      <span class="app-switcher-label">{t('app')}</span>
      <select
        class="app-switcher-select"
        data-testid="app-switcher"
        value={props.value ?? ''}
        onChange={(e) => {
          const value = (e.target as HTMLSelectElement).value;
          props.onChange(value === '' ? null : value);
        }}
      >
        <option value="">{t('allApps')}</option>
        {props.apps.map((a) => (
          <option value={a.id}>{a.displayName === a.id ? a.id : `${a.displayName} (${a.id})`}</option>
        ))}
      </select>
    </label>
  );
}

/** An app list as the tables show it: null is every app. */
export const appsLabel = (apps: readonly string[] | null, all: string) =>
  apps === null ? all : apps.join(', ');
