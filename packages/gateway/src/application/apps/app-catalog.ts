import {
  type App,
  type AppDirectory,
  type AppOverrides,
  type AppRecord,
  type AppStore,
  DEFAULT_APP,
  StaticAppDirectory,
  UpstreamUnavailableError,
} from '@facegate/domain';
import type { ConfiguredApp } from '../../config/apps-file';

/** What resolvers use of the catalog (not its clients). */
export type AppsView = Pick<AppCatalog<unknown>, 'get' | 'resolve' | 'list' | 'describe' | 'overridesOf'>;

/** What the catalog needs of WeChat: a client per app, made and closed by the composition root. */
export interface AppClientFactory<C> {
  create(app: App, secret: string): C;
  close(client: C): Promise<void>;
}

export interface AppCatalogLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

interface LiveClient<C> {
  readonly client: C;
  readonly appId: string;
  readonly secret: string;
}

/** How long a replaced client (new appid or secret) keeps serving the calls already made with it. */
const RETIRE_AFTER_MS = 30_000;

/**
 * The apps this instance serves, and a WeChat client for each: the `default` app of WECHAT_APP_ID (or the
 * sandbox), FACEGATE_APPS_FILE's apps, and the apps kept in the database (`facegate apps add`), re-read every
 * few seconds so every instance follows a change. Where two sources name the same id or appid, the
 * configuration wins over the database (and says so once in the log): a file kept in git is not overruled by
 * a row.
 *
 * An app without a usable secret (its variable unset, its sealed secret unreadable) is listed but serves
 * nobody: signIn names it unknown, and calls for its open sessions answer UPSTREAM_UNAVAILABLE.
 */
export class AppCatalog<C> implements AppDirectory {
  private directory: StaticAppDirectory;
  private records: readonly AppRecord[] = [];
  private readonly clients = new Map<string, LiveClient<C>>();
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** Replaced clients still finishing their calls, each with the timer that closes it. */
  private readonly retiring = new Map<C, NodeJS.Timeout>();

  constructor(
    private readonly deps: {
      readonly configured: readonly ConfiguredApp[];
      readonly store: AppStore | null;
      /** Null: no clients (CLI commands that only touch the database). */
      readonly clients: AppClientFactory<C> | null;
      readonly logger: AppCatalogLogger;
      /** Sandbox mode: the bundled sandbox learns each app's appid and secret before it is used. */
      readonly registerWithSandbox?: (appId: string, secret: string) => void;
    },
  ) {
    this.directory = new StaticAppDirectory([]);
  }

  /** Reads the database's apps and (re)builds the directory and the clients. Throws only on the first load. */
  async refresh(): Promise<void> {
    const stored = this.deps.store ? await this.deps.store.list() : [];
    const secrets = new Map<string, string | null>();
    const merged: AppRecord[] = [];
    for (const app of this.deps.configured) {
      merged.push(stripSecret(app));
      secrets.set(app.id, app.secret);
    }
    for (const app of stored) {
      const clash = merged.find((m) => m.id === app.id || m.appId === app.appId);
      if (clash) {
        this.warnOnce(
          `clash:${app.id}`,
          { app: app.id, configured: clash.id },
          'an app in the database has the id or appid of a configured app; the configured one is served',
        );
        continue;
      }
      merged.push(app);
      secrets.set(app.id, await this.secretOf(app));
    }
    const served: App[] = merged.map((app) => (secrets.get(app.id) ? app : { ...app, disabled: true }));
    for (const app of merged) {
      if (!app.disabled && !secrets.get(app.id)) {
        this.warnOnce(
          `secret:${app.id}`,
          { app: app.id },
          'this app has no WeChat secret here and serves nobody',
        );
      }
    }
    this.syncClients(served, secrets);
    this.records = merged;
    this.directory = new StaticAppDirectory(served);
  }

  /** Re-reads the database every `intervalMs`; a failed read keeps the apps as they were. */
  start(intervalMs: number): void {
    if (this.deps.store === null || this.timer !== null) return;
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.deps.logger.warn({ err }, 'could not re-read the apps; serving them as they were'),
      );
    }, intervalMs);
    this.timer.unref();
  }

  get(id: string): App | null {
    return this.directory.get(id);
  }

  resolve(slugOrAppId: string): App | null {
    return this.directory.resolve(slugOrAppId);
  }

  list(): readonly App[] {
    return this.directory.list();
  }

  /** Every app with where it comes from and how its secret is kept (never the secret). */
  describe(): readonly (AppRecord & { readonly serving: boolean })[] {
    return this.records
      .map((r) => ({ ...r, serving: this.directory.resolve(r.id) !== null }))
      .sort((a, b) => (a.id === DEFAULT_APP ? -1 : b.id === DEFAULT_APP ? 1 : a.id.localeCompare(b.id)));
  }

  overridesOf(app: string): AppOverrides {
    return this.records.find((r) => r.id === app)?.overrides ?? {};
  }

  /** The WeChatClients port of the adapters: the app's client, or UPSTREAM_UNAVAILABLE when it has none. */
  forApp(app: string): C {
    const client = this.clients.get(app)?.client;
    if (client === undefined) {
      throw new UpstreamUnavailableError('no WeChat credentials are configured for this app');
    }
    return client;
  }

  /** The app's WeChat client; undefined when it has none (see the class comment). */
  clientOf(app: string): C | undefined {
    return this.clients.get(app)?.client;
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const all = [...this.clients.values()].map((live) => live.client);
    for (const [client, timer] of this.retiring) {
      clearTimeout(timer);
      all.push(client);
    }
    this.clients.clear();
    this.retiring.clear();
    await Promise.all(all.map((client) => this.deps.clients!.close(client)));
  }

  private async secretOf(app: AppRecord): Promise<string | null> {
    if (app.secretSource.kind === 'ENV') return process.env[app.secretSource.variable]?.trim() || null;
    try {
      return await this.deps.store!.storedSecret(app.id);
    } catch (err) {
      this.warnOnce(`sealed:${app.id}`, { app: app.id, err }, "could not unseal this app's stored secret");
      return null;
    }
  }

  private syncClients(apps: readonly App[], secrets: ReadonlyMap<string, string | null>): void {
    const factory = this.deps.clients;
    if (factory === null) return;
    for (const app of apps) {
      const secret = secrets.get(app.id) ?? null;
      const live = this.clients.get(app.id);
      if (secret === null) continue;
      if (live && live.appId === app.appId && live.secret === secret) continue;
      this.deps.registerWithSandbox?.(app.appId, secret);
      this.clients.set(app.id, { client: factory.create(app, secret), appId: app.appId, secret });
      if (live) this.retire(live.client);
      if (this.records.length > 0) this.deps.logger.info({ app: app.id }, 'app credentials loaded');
    }
  }

  private retire(client: C): void {
    const timer = setTimeout(() => {
      this.retiring.delete(client);
      this.deps.clients!.close(client).catch(() => {});
    }, RETIRE_AFTER_MS);
    timer.unref();
    this.retiring.set(client, timer);
  }

  private warnOnce(key: string, obj: object, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.deps.logger.warn(obj, msg);
  }
}

function stripSecret({ secret: _secret, ...record }: ConfiguredApp): AppRecord {
  return record;
}
