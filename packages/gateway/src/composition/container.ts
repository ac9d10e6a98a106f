import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import {
  AesGcmFieldCipher,
  migrate,
  openDatabase,
  openLowPriorityDatabase,
  SqlApiKeyStore,
  SqlAppStore,
  SqlAuditLog,
  SqlBatchedCounterStore,
  SqlConsentReceipts,
  SqlConsentTexts,
  SqlConsoleQueries,
  SqlDatabaseHealth,
  SqlOutboxPruner,
  SqlRateLimitCounterStore,
  SqlSecretRotation,
  SqlVerificationSessionRepository,
  SqlWebhookDeliveryLog,
  SqlWebhookDeliveryQueue,
  SqlWebhookEndpointRepository,
  subscribeToVerificationEvents,
} from '@facegate/adapters-postgres';
import { WeChatApiClient, WeChatFaceVerificationProvider, WeChatLogin } from '@facegate/adapters-wechat/http';
import {
  type AbuseLimitSettings,
  AbuseLimits,
  AcceptConsent,
  CancelVerification,
  ChooseAlternative,
  type Clock,
  ConfirmVerification,
  DEFAULT_APP,
  DEFAULT_VERIFICATION_SETTINGS,
  EraseSubject,
  ExpireVerifications,
  GetIdentityStatus,
  GetVerification,
  ListVerifications,
  PublishConsentText,
  RedactExpiredSessions,
  RedactVerification,
  ReportSubject,
  SandboxDevToolsLogin,
  SignIn,
  StartVerification,
  type VerificationDeps,
  type VerificationSettings,
  WithdrawConsent,
} from '@facegate/domain';
import type { Sandbox } from '@facegate/wechat-sandbox';
import { type DependencyContainer, instanceCachingFactory, container as rootContainer } from 'tsyringe';
import gatewayPackage from '../../package.json' with { type: 'json' };
import { PerAppAdmission } from '../application/abuse/per-app-admission';
import { SharedRateLimiter } from '../application/abuse/shared-rate-limiter';
import { AppCatalog } from '../application/apps/app-catalog';
import { AuditRecorder } from '../application/audit/audit-recorder';
import { cliActor } from '../application/audit/audited-administration';
import {
  BufferedAuditTrail,
  type BufferedAuditTrailOptions,
} from '../application/audit/buffered-audit-trail';
import { ApiKeyService } from '../application/auth/api-key.service';
import { UserTokenService } from '../application/auth/user-token';
import { ConsoleQueryGate } from '../application/console/console-query-gate';
import { ConsoleSystem } from '../application/console/console-system';
import { KeyAttemptLimiter } from '../application/console/key-attempt-limiter';
import { MeteredEventPublisher } from '../application/events/metered-event-publisher';
import { SubscriptionSlots } from '../application/events/subscription-slots';
import { VerificationEventBus } from '../application/events/verification-event-bus';
import { ensureConsentTexts } from '../application/privacy/default-consent';
import { type LiveKey, SecretRotation } from '../application/rotation/secret-rotation.service';
import type { SandboxDevice } from '../application/sandbox/sandbox-device';
import { WebhookEndpointsService } from '../application/webhooks/webhook-endpoints.service';
import { WebhookRelay, type WebhookRelayOptions } from '../application/webhooks/webhook-relay';
import type { ConfiguredApp } from '../config/apps-file';
import { ConfigError } from '../config/env';
import type { GatewayConfig } from '../config/load-config';
import { AuditCheckpointKey, sha256Hex } from '../infrastructure/crypto/audit-checkpoint-key';
import { type KeyPurpose, KeyRing } from '../infrastructure/crypto/key-ring';
import { NodeAbuseKeyDigests } from '../infrastructure/crypto/node-abuse-key-digests';
import { NodeIdentityDigests } from '../infrastructure/crypto/node-identity-digests';
import { createLogger, type Logger } from '../infrastructure/observability/logger';
import { GatewayMetrics } from '../infrastructure/observability/metrics';
import { loadOrCreateSandboxSecret } from '../infrastructure/sandbox-secret';
import { RandomIdGenerator, SystemClock } from '../infrastructure/system-ports';
import { WebhookSender, type WebhookSenderOptions } from '../infrastructure/webhooks/webhook-sender';
import { type WebhookUrlPolicy, webhookUrlPolicyFor } from '../infrastructure/webhooks/webhook-url-policy';
import { Lifecycle } from './lifecycle';
import { loadSandboxModule } from './sandbox-module';
import { type GatewayContainer, provide, resolve, TOKENS, type Token } from './tokens';

/** What tests (and the CLI) may put in place of the defaults. */
export interface ContainerOverrides {
  logger?: Logger;
  clock?: Clock;
  /** An already running sandbox to use in sandbox mode instead of starting one (it is not closed here). */
  sandbox?: Sandbox;
  verificationSettings?: Partial<VerificationSettings>;
  metrics?: GatewayMetrics;
  /** Skip opening WeChat and the sandbox (CLI commands that only touch the database). */
  databaseOnly?: boolean;
  /** Webhook relay timings (tests shorten the retry schedule instead of waiting hours). */
  webhookRelay?: WebhookRelayOptions;
  /** Webhook request settings (tests: a shorter timeout, a private CA). */
  webhookSender?: Pick<WebhookSenderOptions, 'timeoutMs' | 'ca'>;
  /** Which endpoint URLs are allowed; default: production's when NODE_ENV=production, else development's (ports: FACEGATE_WEBHOOK_ALLOWED_PORTS). */
  webhookUrlPolicy?: WebhookUrlPolicy;
  /** Audit trail timings (tests flush and sign sooner). */
  audit?: Partial<BufferedAuditTrailOptions>;
}

/**
 * The composition root. Opens what needs opening (database + migrations, the sandbox in sandbox mode, the
 * event subscription) and registers everything else as cached factories on a child container.
 */
export async function buildContainer(
  config: GatewayConfig,
  overrides: ContainerOverrides = {},
): Promise<GatewayContainer> {
  const c = rootContainer.createChildContainer();
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, sync: config.logAsync !== true });
  const lifecycle = new Lifecycle();
  provide(c, TOKENS.Config, config);
  provide(c, TOKENS.Logger, logger);
  provide(c, TOKENS.Lifecycle, lifecycle);
  provide(c, TOKENS.Metrics, overrides.metrics ?? new GatewayMetrics());
  provide(c, TOKENS.Clock, overrides.clock ?? new SystemClock());

  try {
    // first: without the sandbox installed, sandbox mode stops before anything is written to DATA_DIR
    const sandboxModule = config.sandboxMode && !overrides.databaseOnly ? await loadSandboxModule() : null;
    let secret = config.secret;
    if (secret === null) {
      const generated = await loadOrCreateSandboxSecret(config.dataDir);
      secret = generated.secret;
      logger.info(
        { path: generated.path },
        generated.created
          ? 'sandbox mode: generated a FACEGATE_SECRET into DATA_DIR (set FACEGATE_SECRET outside sandbox mode)'
          : 'sandbox mode: using the FACEGATE_SECRET generated earlier in DATA_DIR',
      );
    }
    const keys = new KeyRing(secret, config.secretFallbacks);
    provide(c, TOKENS.KeyRing, keys);

    if (config.databaseUrl === null) await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const db = await openDatabase({
      url: config.databaseUrl ?? undefined,
      dataDir: config.dataDir,
      poolMax: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectionTimeoutMs: config.databaseConnectTimeoutMs,
      pgliteWorker: config.pgliteWorker,
    });
    lifecycle.onClose('database', () => db.close());
    await migrate(db);
    provide(c, TOKENS.Database, db);
    // An operator's year-long aggregates never hold the connections verifications and /readyz use: the
    // console reads through a pool of its own on PostgreSQL, at low priority on PGlite's one connection.
    if (!overrides.databaseOnly) {
      const consoleDb = await openLowPriorityDatabase(db, {
        url: config.databaseUrl ?? undefined,
        poolMax: config.console.maxQueries,
        statementTimeoutMs: config.databaseStatementTimeoutMs,
        connectionTimeoutMs: config.databaseConnectTimeoutMs,
      });
      lifecycle.onClose('console database', () => consoleDb.close());
      provide(c, TOKENS.ConsoleDatabase, consoleDb);
    } else {
      provide(c, TOKENS.ConsoleDatabase, db);
    }

    let sandboxDevice: SandboxDevice | null = null;
    let apiBaseUrl = config.wechat?.apiBaseUrl ?? '';
    let configured = config.sandboxMode ? sandboxApps(SANDBOX_DEFAULT_APP, config) : configuredApps(config);
    let sandbox: Sandbox | undefined;
    if (config.sandboxMode && !overrides.databaseOnly) {
      sandbox = overrides.sandbox;
      if (sandbox === undefined) {
        sandbox = await sandboxModule!.startSandbox({ port: config.sandboxPort, host: config.sandboxHost });
        const started = sandbox;
        lifecycle.onClose('sandbox', () => started.close());
      }
      provide(c, TOKENS.Sandbox, sandbox);
      sandboxDevice = { url: sandbox.url, identities: sandboxModule!.SANDBOX_TEST_IDENTITIES };
      apiBaseUrl = sandbox.url;
      configured = sandboxApps(sandbox, config);
    }
    const metrics = resolve(c, TOKENS.Metrics);
    const served = sandbox;
    // sealed with the webhook secrets' keys, so one rotation step re-seals both
    const appStore = new SqlAppStore(db, new AesGcmFieldCipher(keys.all('webhook-secret-encryption')));
    provide(c, TOKENS.AppStore, appStore);
    const catalog = new AppCatalog<WeChatApiClient>({
      configured,
      // the database's apps (facegate apps add); read again every FACEGATE_APPS_REFRESH_MS
      store: appStore,
      // a CLI command that only touches the database calls no WeChat
      clients: overrides.databaseOnly
        ? null
        : {
            create: (app, appSecret) =>
              new WeChatApiClient({
                appId: app.appId,
                appSecret,
                baseUrl: apiBaseUrl,
                maxConnections: config.upstreamConnections,
                observer: metrics.upstreamObserver(app.id),
                logger: logger.child({ app: app.id }),
              }),
            close: (client) => client.close(),
          },
      logger,
      ...(served ? { registerWithSandbox: (appId, appSecret) => served.addApp({ appId, appSecret }) } : {}),
    });
    await catalog.refresh();
    if (!overrides.databaseOnly) {
      catalog.start(config.appsRefreshMs);
      lifecycle.onClose('wechat client', () => catalog.close());
    }
    provide(c, TOKENS.Apps, catalog);

    // a factory: tsyringe takes a null useValue for no registration at all
    c.register(TOKENS.SandboxDevice, { useFactory: () => sandboxDevice });
    registerFactories(c, config, overrides);
    // a new deployment can verify at once: FaceGate's default consent texts until the operator publishes theirs
    if (!overrides.databaseOnly) {
      await ensureConsentTexts(resolve(c, TOKENS.ConsentTexts), resolve(c, TOKENS.PublishConsentText));
    }

    // Serving with a secret removed too early would fail every row it made: stop with one line naming
    // them instead. A CLI command that only touches the database (keys, migrate, secrets) is not stopped.
    let removable: readonly number[] = [];
    if (!overrides.databaseOnly) {
      const check = await resolve(c, TOKENS.SecretRotation).startupCheck();
      if (check.refusal !== null) throw new ConfigError('FACEGATE_SECRET_FALLBACKS', check.refusal);
      removable = check.removable;
    }
    provide(c, TOKENS.RemovableFallbacks, removable);
    if (!overrides.databaseOnly) {
      // read at each scrape: whether the database answers, and how far behind the webhook fan-out is
      const queue = resolve(c, TOKENS.WebhookDeliveryQueue);
      const clock = resolve(c, TOKENS.Clock);
      resolve(c, TOKENS.Metrics).watch({
        ping: () => db.ping(),
        oldestUndispatchedAt: () => queue.oldestUndispatchedAt(),
        now: () => clock.now(),
      });
    }

    // A CLI command that only touches the database reads no outbox: nothing there listens to it.
    if (!overrides.databaseOnly) {
      const bus = resolve(c, TOKENS.EventBus);
      // One poller per instance reads the outbox for subscriptions and wakes the webhook relay; the
      // confirmation's own statement stays a plain INSERT (no NOTIFY).
      const unsubscribe = await subscribeToVerificationEvents(
        db,
        (event) => {
          // subscriptions follow a session's status; a redaction changes none (its webhook says so)
          if (event.type === 'verification.updated') bus.dispatch(event);
        },
        {
          intervalMs: config.outboxPollMs,
          onNewEvents: () => resolve(c, TOKENS.WebhookRelay).wake('events'),
          onError: (err) => logger.warn({ err }, 'could not read the event outbox; will retry'),
        },
      );
      // closed before the database (reverse order): subscriptions end, then polling stops
      lifecycle.onClose('event subscription', async () => {
        bus.close();
        await unsubscribe();
      });
    }
  } catch (error) {
    await lifecycle.close(logger);
    throw error;
  }
  return c;
}

function registerFactories(
  c: DependencyContainer,
  config: GatewayConfig,
  overrides: ContainerOverrides,
): void {
  const cached = <T>(t: Token<T>, make: (c: DependencyContainer) => T) =>
    c.register(t, { useFactory: instanceCachingFactory(make) });

  cached(TOKENS.Digests, (c) => new NodeIdentityDigests(resolve(c, TOKENS.KeyRing)));
  cached(TOKENS.IdGenerator, () => new RandomIdGenerator());
  cached(TOKENS.DatabaseHealth, () => new SqlDatabaseHealth());
  const sessionStore = (c: DependencyContainer) =>
    new SqlVerificationSessionRepository(
      resolve(c, TOKENS.Database),
      new AesGcmFieldCipher(resolve(c, TOKENS.KeyRing).all('field-encryption')),
    );
  cached(TOKENS.Repository, sessionStore);
  cached(TOKENS.SessionRedactor, sessionStore);
  cached(TOKENS.ConsentTexts, (c) => new SqlConsentTexts(resolve(c, TOKENS.Database)));
  cached(TOKENS.ConsentReceipts, (c) => new SqlConsentReceipts(resolve(c, TOKENS.Database)));
  cached(TOKENS.FaceProvider, (c) => new WeChatFaceVerificationProvider(resolve(c, TOKENS.Apps)));
  cached(
    TOKENS.EventPublisher,
    (c) =>
      new MeteredEventPublisher(
        resolve(c, TOKENS.Repository),
        resolve(c, TOKENS.Metrics),
        resolve(c, TOKENS.Logger),
      ),
  );
  cached(TOKENS.EventBus, () => new VerificationEventBus());
  cached(TOKENS.SubscriptionSlots, () => new SubscriptionSlots(config.subscriptions));
  cached(
    TOKENS.ApiKeys,
    (c) =>
      new ApiKeyService(
        new SqlApiKeyStore(resolve(c, TOKENS.Database)),
        resolve(c, TOKENS.KeyRing).all('api-key-hash'),
        {
          onMarkUsedError: (err) =>
            resolve(c, TOKENS.Logger).warn({ err }, 'could not record an API key use'),
          knownApp: (id) => resolve(c, TOKENS.Apps).get(id) !== null,
        },
      ),
  );
  cached(
    TOKENS.UserTokens,
    (c) => new UserTokenService(resolve(c, TOKENS.KeyRing).all('user-token-signing')),
  );
  // abuse limits over one set of shared counters, with the deployment's ceilings or an app's own
  cached(TOKENS.AbuseLimitsWith, (c) => {
    const db = resolve(c, TOKENS.Database);
    const batches = new SqlBatchedCounterStore(db);
    const limiter = new SharedRateLimiter(
      new SqlRateLimitCounterStore(db),
      resolve(c, TOKENS.Clock),
      resolve(c, TOKENS.Logger),
      // the per-address limits and the refusal counts: counted here, sent to the same table in batches
      {
        batching: { store: batches },
        onRefused: (rule) => resolve(c, TOKENS.Metrics).abuseRefusals.inc({ rule }),
      },
    );
    // registered after the database, so closed before it: the pending counts are sent first
    resolve(c, TOKENS.Lifecycle).onClose('rate-limit counts', () => limiter.close());
    const limitsWith = (settings: AbuseLimitSettings) =>
      new AbuseLimits({
        limiter,
        tallies: batches,
        digests: new NodeAbuseKeyDigests(resolve(c, TOKENS.KeyRing).key('rate-limit-key')),
        previousDigests: resolve(c, TOKENS.KeyRing)
          .fallbacks('rate-limit-key')
          .map((k) => new NodeAbuseKeyDigests(k.key)),
        clock: resolve(c, TOKENS.Clock),
        settings,
      });
    return limitsWith;
  });
  cached(TOKENS.RateLimits, (c) => resolve(c, TOKENS.AbuseLimitsWith)(config.limits.rate));
  // an app's own start limits (its `limits` in the apps file): the same counters, other ceilings
  cached(
    TOKENS.StartAdmission,
    (c) =>
      new PerAppAdmission({
        base: resolve(c, TOKENS.RateLimits),
        overridesOf: (app) => resolve(c, TOKENS.Apps).overridesOf(app),
        withLimits: (own) => resolve(c, TOKENS.AbuseLimitsWith)({ ...config.limits.rate, ...own }),
      }),
  );
  cached(TOKENS.VerificationSettings, () => ({
    ...DEFAULT_VERIFICATION_SETTINGS,
    ...overrides.verificationSettings,
  }));
  cached(
    TOKENS.VerificationDeps,
    (c): VerificationDeps => ({
      repository: resolve(c, TOKENS.Repository),
      provider: resolve(c, TOKENS.FaceProvider),
      digests: resolve(c, TOKENS.Digests),
      clock: resolve(c, TOKENS.Clock),
      ids: resolve(c, TOKENS.IdGenerator),
      events: resolve(c, TOKENS.EventPublisher),
      settings: resolve(c, TOKENS.VerificationSettings),
      consent: {
        texts: resolve(c, TOKENS.ConsentTexts),
        receipts: resolve(c, TOKENS.ConsentReceipts),
        minors: config.privacy.minors,
      },
      admission: {
        admit: (request) => resolve(c, TOKENS.StartAdmission).admit(request),
        recordMismatch: (subject) => resolve(c, TOKENS.StartAdmission).recordMismatch(subject),
      },
    }),
  );
  cached(TOKENS.StartVerification, (c) => new StartVerification(resolve(c, TOKENS.VerificationDeps)));
  cached(TOKENS.ConfirmVerification, (c) => new ConfirmVerification(resolve(c, TOKENS.VerificationDeps)));
  cached(TOKENS.CancelVerification, (c) => new CancelVerification(resolve(c, TOKENS.VerificationDeps)));
  cached(TOKENS.GetVerification, (c) => new GetVerification(resolve(c, TOKENS.VerificationDeps)));
  cached(TOKENS.ExpireVerifications, (c) => new ExpireVerifications(resolve(c, TOKENS.VerificationDeps)));
  // an app's own text must name an app this deployment knows (the catalog: configured and stored apps)
  cached(
    TOKENS.PublishConsentText,
    (c) => new PublishConsentText({ ...resolve(c, TOKENS.VerificationDeps), apps: resolve(c, TOKENS.Apps) }),
  );
  cached(TOKENS.AcceptConsent, (c) => new AcceptConsent(resolve(c, TOKENS.VerificationDeps)));
  cached(TOKENS.WithdrawConsent, (c) => new WithdrawConsent(resolve(c, TOKENS.VerificationDeps)));
  cached(TOKENS.ChooseAlternative, (c) => new ChooseAlternative(resolve(c, TOKENS.VerificationDeps)));
  const redactionDeps = (c: DependencyContainer) => ({
    ...resolve(c, TOKENS.VerificationDeps),
    redactor: resolve(c, TOKENS.SessionRedactor),
  });
  cached(TOKENS.RedactVerification, (c) => new RedactVerification(redactionDeps(c)));
  cached(TOKENS.EraseSubject, (c) => new EraseSubject(redactionDeps(c)));
  cached(
    TOKENS.RedactExpiredSessions,
    (c) =>
      new RedactExpiredSessions(redactionDeps(c), {
        retentionDays: config.privacy.retentionDays,
        // apps with a retention of their own (retentionDays in the apps file)
        retentionDaysByApp: () => {
          const apps = resolve(c, TOKENS.Apps);
          const own = new Map<string, number>();
          for (const app of apps.describe()) {
            if (app.overrides.retentionDays !== undefined) own.set(app.id, app.overrides.retentionDays);
          }
          return own;
        },
        batchSize: RETENTION_BATCH,
      }),
  );
  cached(
    TOKENS.ReportSubject,
    (c) =>
      new ReportSubject({
        ...resolve(c, TOKENS.VerificationDeps),
        deliveries: resolve(c, TOKENS.WebhookDeliveryLog),
      }),
  );
  cached(TOKENS.SignIn, (c) => {
    const login = new WeChatLogin(resolve(c, TOKENS.Apps));
    // sandbox mode only: a WeChat DevTools login (a code the sandbox never issued) signs in as its test user
    return new SignIn({
      login: config.sandboxMode ? new SandboxDevToolsLogin(login) : login,
      apps: resolve(c, TOKENS.Apps),
      // sandbox mode: DevTools' tourist appid (an unapproved mini program) signs in to the default app
      ...(config.sandboxMode ? { unknownAppFallback: DEFAULT_APP } : {}),
    });
  });
  cached(
    TOKENS.ListVerifications,
    (c) => new ListVerifications({ repository: resolve(c, TOKENS.Repository) }),
  );
  cached(
    TOKENS.GetIdentityStatus,
    (c) => new GetIdentityStatus({ repository: resolve(c, TOKENS.Repository) }),
  );
  const urlPolicy = overrides.webhookUrlPolicy ?? webhookUrlPolicyFor(config);
  // the endpoint secrets' cipher: the repository seals them, a claim of the queue opens them
  const webhookCipher = (c: DependencyContainer) =>
    new AesGcmFieldCipher(resolve(c, TOKENS.KeyRing).all('webhook-secret-encryption'));
  cached(
    TOKENS.WebhookEndpointRepository,
    (c) => new SqlWebhookEndpointRepository(resolve(c, TOKENS.Database), webhookCipher(c)),
  );
  cached(
    TOKENS.WebhookDeliveryQueue,
    (c) => new SqlWebhookDeliveryQueue(resolve(c, TOKENS.Database), webhookCipher(c)),
  );
  cached(TOKENS.WebhookDeliveryLog, (c) => new SqlWebhookDeliveryLog(resolve(c, TOKENS.Database)));
  cached(TOKENS.OutboxPruner, (c) => new SqlOutboxPruner(resolve(c, TOKENS.Database)));
  cached(
    TOKENS.WebhookEndpoints,
    (c) =>
      new WebhookEndpointsService(
        {
          endpoints: resolve(c, TOKENS.WebhookEndpointRepository),
          queue: resolve(c, TOKENS.WebhookDeliveryQueue),
          log: resolve(c, TOKENS.WebhookDeliveryLog),
        },
        resolve(c, TOKENS.Clock),
        urlPolicy,
        (id) => resolve(c, TOKENS.Apps).get(id) !== null,
      ),
  );
  cached(TOKENS.WebhookRelay, (c) => {
    const sender = new WebhookSender({
      ...overrides.webhookSender,
      publicAddressesOnly: urlPolicy.publicAddressesOnly,
    });
    const relay = new WebhookRelay(
      {
        queue: resolve(c, TOKENS.WebhookDeliveryQueue),
        endpoints: resolve(c, TOKENS.WebhookEndpointRepository),
        log: resolve(c, TOKENS.WebhookDeliveryLog),
        outbox: resolve(c, TOKENS.OutboxPruner),
      },
      sender,
      resolve(c, TOKENS.Clock),
      resolve(c, TOKENS.Logger),
      {
        retentionMs: config.webhookRetentionMs,
        observer: resolve(c, TOKENS.Metrics).webhookObserver(),
        ...overrides.webhookRelay,
      },
    );
    // resolved after the database was opened, so stopped before it closes
    resolve(c, TOKENS.Lifecycle).onClose('webhook relay', async () => {
      await relay.stop();
      await sender.close();
    });
    return relay;
  });
  cached(TOKENS.ConsoleQueries, (c) => new SqlConsoleQueries(resolve(c, TOKENS.ConsoleDatabase)));
  cached(TOKENS.ConsoleQueryGate, () => new ConsoleQueryGate({ maxRunning: config.console.maxQueries }));
  cached(
    TOKENS.ConsoleSystem,
    (c) =>
      new ConsoleSystem({
        config,
        db: resolve(c, TOKENS.Database),
        metrics: resolve(c, TOKENS.Metrics),
        abuseRefusals: () => resolve(c, TOKENS.RateLimits).refusals(),
        apps: resolve(c, TOKENS.Apps),
        version: GATEWAY_VERSION,
      }),
  );
  cached(TOKENS.KeyAttempts, () => new KeyAttemptLimiter(config.console.keyFailuresPerMinute));
  cached(TOKENS.AuditLog, (c) => new SqlAuditLog(resolve(c, TOKENS.Database), sha256Hex));
  // derived from the secret like every other key, under a purpose of its own
  cached(
    TOKENS.AuditCheckpointKey,
    (c) => new AuditCheckpointKey(resolve(c, TOKENS.KeyRing).key('audit-checkpoint-signing')),
  );
  cached(TOKENS.AuditTrail, (c) => {
    const trail = new BufferedAuditTrail(
      resolve(c, TOKENS.AuditLog),
      resolve(c, TOKENS.AuditCheckpointKey),
      resolve(c, TOKENS.Clock),
      resolve(c, TOKENS.Logger),
      { ...config.audit, ...overrides.audit },
    );
    // a CLI command writes its events when it ends; a serving gateway flushes, signs and prunes on timers
    if (!overrides.databaseOnly) trail.start();
    // resolved after the database was opened, so flushed before it closes
    resolve(c, TOKENS.Lifecycle).onClose('audit trail', () => trail.close());
    return trail;
  });
  cached(
    TOKENS.Audit,
    (c) =>
      new AuditRecorder(
        resolve(c, TOKENS.AuditTrail),
        resolve(c, TOKENS.KeyRing).key('hmac:audit-client-address'),
        resolve(c, TOKENS.Clock),
      ),
  );
  // every rotation step is an audit event (actor: the operator at this machine), flushed at once
  cached(TOKENS.RotationAudit, (c) => ({
    record: async (event) => {
      resolve(c, TOKENS.Audit).record(
        { actor: cliActor(), requestId: null, clientAddress: null },
        'secret.rotation-step',
        [],
        event.action === 'secrets.startup.refused' ? 'failure' : 'success',
        { step: event.action, ...event.details },
      );
      await resolve(c, TOKENS.AuditTrail).flush();
    },
  }));
  cached(TOKENS.SecretRotation, (c) => {
    const keys = resolve(c, TOKENS.KeyRing);
    const live = (purpose: KeyPurpose): LiveKey[] =>
      keys.all(purpose).map(({ id, generation }) => ({ id, generation }));
    return new SecretRotation({
      store: new SqlSecretRotation(resolve(c, TOKENS.Database), {
        sessionCipher: new AesGcmFieldCipher(keys.all('field-encryption')),
        webhookCipher: webhookCipher(c),
        evidenceSkewMs: resolve(c, TOKENS.VerificationSettings).clockSkewMs,
      }),
      keys: {
        'session-binding': live('field-encryption'),
        'webhook-secret': live('webhook-secret-encryption'),
        'api-key': live('api-key-hash'),
        'evidence-claim': live('hmac:evidence'),
      },
      clock: resolve(c, TOKENS.Clock),
      audit: resolve(c, TOKENS.RotationAudit),
    });
  });
}

/** Sessions per retention batch: one set-based statement each (rows other transactions hold are skipped). */
const RETENTION_BATCH = 500;

/** The gateway package's version, shown by the console's System page. */
export const GATEWAY_VERSION = gatewayPackage.version;

/** Closes everything the container opened (sandbox, WeChat client, event subscription, database). */
export function disposeContainer(c: GatewayContainer): Promise<void> {
  return resolve(c, TOKENS.Lifecycle).close(resolve(c, TOKENS.Logger));
}

/** The `default` app of WECHAT_APP_ID / WECHAT_APP_SECRET (when set), then FACEGATE_APPS_FILE's. */
function configuredApps(config: GatewayConfig): ConfiguredApp[] {
  const { wechat } = config;
  const apps: ConfiguredApp[] = [];
  if (wechat?.appId && wechat.appSecret) {
    apps.push(defaultApp(wechat.appId, wechat.appSecret, config, 'ENVIRONMENT'));
  }
  return [...apps, ...config.apps];
}

/**
 * Sandbox mode: the sandbox's own app is `default`; the apps file's apps are served by the sandbox too (with a
 * made-up secret where their variable is unset). Without an apps file, a second app, `card`, lets the demo and
 * tests show several mini programs (npm run demo -- --app card).
 */
function sandboxApps(sandbox: Pick<Sandbox, 'appId' | 'appSecret'>, config: GatewayConfig): ConfiguredApp[] {
  const apps: ConfiguredApp[] = [defaultApp(sandbox.appId, sandbox.appSecret, config, 'SANDBOX')];
  if (config.appsFile === null) {
    apps.push({
      ...defaultApp(SANDBOX_CARD_APP.appId, SANDBOX_CARD_APP.appSecret, config, 'SANDBOX'),
      id: SANDBOX_CARD_APP.id,
      displayName: SANDBOX_CARD_APP.displayName,
    });
  }
  for (const app of config.apps) apps.push({ ...app, secret: app.secret ?? `sandbox-${app.id}` });
  return apps;
}

/** The bundled sandbox's own app (its defaults), for commands that do not start it. */
const SANDBOX_DEFAULT_APP = { appId: 'wx_sandbox_app', appSecret: 'sandbox-secret' } as const;

/** The second app sandbox mode serves when no apps file is given. */
export const SANDBOX_CARD_APP = {
  id: 'card',
  appId: 'wx_sandbox_card',
  appSecret: 'sandbox-card-secret',
  displayName: 'Card (sandbox)',
} as const;

function defaultApp(
  appId: string,
  secret: string,
  config: GatewayConfig,
  origin: 'ENVIRONMENT' | 'SANDBOX',
): ConfiguredApp {
  const now = new Date();
  return {
    id: DEFAULT_APP,
    appId,
    displayName: DEFAULT_APP,
    protocols: [...config.faceProtocols],
    disabled: false,
    secretSource: { kind: 'ENV', variable: 'WECHAT_APP_SECRET' },
    overrides: {},
    origin,
    createdAt: now,
    updatedAt: now,
    secret,
  };
}
