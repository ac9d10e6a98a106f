import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import {
  AesGcmFieldCipher,
  type Database,
  migrate,
  openDatabase,
  SqlApiKeyStore,
  SqlOutboxEventPublisher,
  SqlRateLimitCounterStore,
  SqlVerificationSessionRepository,
  subscribeToVerificationEvents,
} from '@facegate/adapters-postgres';
import { WeChatApiClient, WeChatFaceVerificationProvider, WeChatLogin } from '@facegate/adapters-wechat/http';
import {
  CancelVerification,
  type Clock,
  ConfirmVerification,
  DEFAULT_VERIFICATION_SETTINGS,
  type EventPublisher,
  ExpireVerifications,
  type FaceVerificationProvider,
  GetIdentityStatus,
  GetVerification,
  type IdentityDigests,
  type IdGenerator,
  ListVerifications,
  SignIn,
  StartVerification,
  type VerificationDeps,
  type VerificationSessionRepository,
  type VerificationSettings,
} from '@facegate/domain';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { type DependencyContainer, instanceCachingFactory, container as rootContainer } from 'tsyringe';
import { AbuseLimits } from '../abuse/abuse-limits';
import { SharedRateLimiter } from '../abuse/shared-rate-limiter';
import { SqlBatchedCounterStore } from '../abuse/sql-batched-counter.store';
import { ApiKeyService } from '../auth/api-key.service';
import { UserTokenService } from '../auth/user-token';
import type { GatewayConfig } from '../config';
import { KeyRing } from '../crypto/key-ring';
import { NodeIdentityDigests } from '../crypto/node-identity-digests';
import { MeteredEventPublisher } from '../events/metered-event-publisher';
import { SubscriptionSlots } from '../events/subscription-slots';
import { VerificationEventBus } from '../events/verification-event-bus';
import { loadOrCreateSandboxSecret } from '../infrastructure/sandbox-secret';
import { RandomIdGenerator, SystemClock } from '../infrastructure/system-ports';
import { createLogger, type Logger } from '../observability/logger';
import { GatewayMetrics } from '../observability/metrics';

/** Every dependency of the gateway, by Symbol token (no decorator metadata under esbuild/tsx). */
export const TOKENS = {
  Config: Symbol('Config'),
  Logger: Symbol('Logger'),
  Metrics: Symbol('Metrics'),
  Lifecycle: Symbol('Lifecycle'),
  Clock: Symbol('Clock'),
  KeyRing: Symbol('KeyRing'),
  Digests: Symbol('IdentityDigests'),
  IdGenerator: Symbol('IdGenerator'),
  Database: Symbol('Database'),
  Sandbox: Symbol('Sandbox'),
  WeChatClient: Symbol('WeChatApiClient'),
  FaceProvider: Symbol('FaceVerificationProvider'),
  Repository: Symbol('VerificationSessionRepository'),
  EventPublisher: Symbol('EventPublisher'),
  EventBus: Symbol('VerificationEventBus'),
  SubscriptionSlots: Symbol('SubscriptionSlots'),
  ApiKeys: Symbol('ApiKeyService'),
  UserTokens: Symbol('UserTokenService'),
  RateLimits: Symbol('RateLimits'),
  VerificationSettings: Symbol('VerificationSettings'),
  VerificationDeps: Symbol('VerificationDeps'),
  StartVerification: Symbol('StartVerification'),
  ConfirmVerification: Symbol('ConfirmVerification'),
  CancelVerification: Symbol('CancelVerification'),
  GetVerification: Symbol('GetVerification'),
  ExpireVerifications: Symbol('ExpireVerifications'),
  SignIn: Symbol('SignIn'),
  ListVerifications: Symbol('ListVerifications'),
  GetIdentityStatus: Symbol('GetIdentityStatus'),
} as const;

/** Resources to release on shutdown, closed in reverse order of opening. */
export class Lifecycle {
  private readonly closers: { name: string; close: () => Promise<void> | void }[] = [];
  private closing: Promise<void> | null = null;

  onClose(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close });
  }

  close(logger?: Logger): Promise<void> {
    this.closing ??= (async () => {
      for (const { name, close } of this.closers.reverse()) {
        try {
          await close();
        } catch (error) {
          logger?.warn({ err: error, resource: name }, 'error while closing');
        }
      }
    })();
    return this.closing;
  }
}

/** Abuse limits per address, openid and ID number, counted in the database (see config.limits.rate). */
export type RateLimits = AbuseLimits;

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
}

export type GatewayContainer = DependencyContainer;

/**
 * The composition root. Opens what needs opening (database + migrations, the sandbox in sandbox mode, the
 * event subscription) and registers everything else as cached factories on a child container.
 */
export async function buildContainer(
  config: GatewayConfig,
  overrides: ContainerOverrides = {},
): Promise<GatewayContainer> {
  const c = rootContainer.createChildContainer();
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const lifecycle = new Lifecycle();
  c.register(TOKENS.Config, { useValue: config });
  c.register(TOKENS.Logger, { useValue: logger });
  c.register(TOKENS.Lifecycle, { useValue: lifecycle });
  c.register(TOKENS.Metrics, { useValue: overrides.metrics ?? new GatewayMetrics() });
  c.register(TOKENS.Clock, { useValue: overrides.clock ?? new SystemClock() });

  try {
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
    const keys = new KeyRing(secret);
    c.register(TOKENS.KeyRing, { useValue: keys });

    if (config.databaseUrl === null) await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const db = await openDatabase({
      url: config.databaseUrl ?? undefined,
      dataDir: config.dataDir,
      poolMax: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectionTimeoutMs: config.databaseConnectTimeoutMs,
    });
    lifecycle.onClose('database', () => db.close());
    await migrate(db);
    c.register(TOKENS.Database, { useValue: db });

    if (!overrides.databaseOnly) {
      let wechat = config.wechat;
      if (config.sandboxMode) {
        let sandbox = overrides.sandbox;
        if (sandbox === undefined) {
          sandbox = await startSandbox({ port: config.sandboxPort, host: config.sandboxHost });
          const started = sandbox;
          lifecycle.onClose('sandbox', () => started.close());
        }
        c.register(TOKENS.Sandbox, { useValue: sandbox });
        wechat = { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBaseUrl: sandbox.url };
      }
      const metrics = c.resolve<GatewayMetrics>(TOKENS.Metrics);
      const client = new WeChatApiClient({
        appId: wechat!.appId,
        appSecret: wechat!.appSecret,
        baseUrl: wechat!.apiBaseUrl,
        maxConnections: config.upstreamConnections,
        observer: metrics.upstreamObserver(),
        logger,
      });
      lifecycle.onClose('wechat client', () => client.close());
      c.register(TOKENS.WeChatClient, { useValue: client });
    }

    registerFactories(c, config, overrides);

    const bus = c.resolve<VerificationEventBus>(TOKENS.EventBus);
    const unsubscribe = await subscribeToVerificationEvents(db, (event) => bus.dispatch(event));
    // closed before the database (reverse order): subscriptions end, then LISTEN stops
    lifecycle.onClose('event subscription', async () => {
      bus.close();
      await unsubscribe();
    });
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
  const cached = <T>(token: symbol, make: (c: DependencyContainer) => T) =>
    c.register(token, { useFactory: instanceCachingFactory(make) });

  cached(TOKENS.Digests, (c) => new NodeIdentityDigests(c.resolve(TOKENS.KeyRing)));
  cached(TOKENS.IdGenerator, () => new RandomIdGenerator());
  cached(TOKENS.Repository, (c) => {
    const keys = c.resolve<KeyRing>(TOKENS.KeyRing);
    return new SqlVerificationSessionRepository(
      c.resolve<Database>(TOKENS.Database),
      new AesGcmFieldCipher(keys.key('field-encryption')),
    );
  });
  cached(
    TOKENS.FaceProvider,
    (c) => new WeChatFaceVerificationProvider(c.resolve<WeChatApiClient>(TOKENS.WeChatClient)),
  );
  cached(
    TOKENS.EventPublisher,
    (c) =>
      new MeteredEventPublisher(
        new SqlOutboxEventPublisher(c.resolve<Database>(TOKENS.Database)),
        c.resolve(TOKENS.Repository),
        c.resolve(TOKENS.Metrics),
        c.resolve(TOKENS.Logger),
      ),
  );
  cached(TOKENS.EventBus, () => new VerificationEventBus());
  cached(TOKENS.SubscriptionSlots, () => new SubscriptionSlots(config.subscriptions));
  cached(
    TOKENS.ApiKeys,
    (c) =>
      new ApiKeyService(
        new SqlApiKeyStore(c.resolve<Database>(TOKENS.Database)),
        c.resolve<KeyRing>(TOKENS.KeyRing).key('api-key-hash'),
        {
          onMarkUsedError: (err) =>
            c.resolve<Logger>(TOKENS.Logger).warn({ err }, 'could not record an API key use'),
        },
      ),
  );
  cached(
    TOKENS.UserTokens,
    (c) => new UserTokenService(c.resolve<KeyRing>(TOKENS.KeyRing).key('user-token-signing')),
  );
  cached(TOKENS.RateLimits, (c): RateLimits => {
    const db = c.resolve<Database>(TOKENS.Database);
    const limiter = new SharedRateLimiter(
      new SqlRateLimitCounterStore(db),
      c.resolve<Clock>(TOKENS.Clock),
      c.resolve<Logger>(TOKENS.Logger),
      // the per-address limits: counted here, sent to the same table in batches
      { batching: { store: new SqlBatchedCounterStore(db) } },
    );
    // registered after the database, so closed before it: the pending counts are sent first
    c.resolve<Lifecycle>(TOKENS.Lifecycle).onClose('rate-limit counts', () => limiter.close());
    return new AbuseLimits(
      limiter,
      config.limits.rate,
      c.resolve<KeyRing>(TOKENS.KeyRing).key('rate-limit-key'),
    );
  });
  cached(TOKENS.VerificationSettings, () => ({
    ...DEFAULT_VERIFICATION_SETTINGS,
    ...overrides.verificationSettings,
  }));
  cached(
    TOKENS.VerificationDeps,
    (c): VerificationDeps => ({
      repository: c.resolve<VerificationSessionRepository>(TOKENS.Repository),
      provider: c.resolve<FaceVerificationProvider>(TOKENS.FaceProvider),
      digests: c.resolve<IdentityDigests>(TOKENS.Digests),
      clock: c.resolve<Clock>(TOKENS.Clock),
      ids: c.resolve<IdGenerator>(TOKENS.IdGenerator),
      events: c.resolve<EventPublisher>(TOKENS.EventPublisher),
      settings: c.resolve<VerificationSettings>(TOKENS.VerificationSettings),
      admission: { admit: (request) => c.resolve<RateLimits>(TOKENS.RateLimits).admitStart(request) },
    }),
  );
  cached(TOKENS.StartVerification, (c) => new StartVerification(c.resolve(TOKENS.VerificationDeps)));
  cached(TOKENS.ConfirmVerification, (c) => new ConfirmVerification(c.resolve(TOKENS.VerificationDeps)));
  cached(TOKENS.CancelVerification, (c) => new CancelVerification(c.resolve(TOKENS.VerificationDeps)));
  cached(TOKENS.GetVerification, (c) => new GetVerification(c.resolve(TOKENS.VerificationDeps)));
  cached(TOKENS.ExpireVerifications, (c) => new ExpireVerifications(c.resolve(TOKENS.VerificationDeps)));
  cached(
    TOKENS.SignIn,
    (c) => new SignIn({ login: new WeChatLogin(c.resolve<WeChatApiClient>(TOKENS.WeChatClient)) }),
  );
  cached(
    TOKENS.ListVerifications,
    (c) => new ListVerifications({ repository: c.resolve(TOKENS.Repository) }),
  );
  cached(
    TOKENS.GetIdentityStatus,
    (c) => new GetIdentityStatus({ repository: c.resolve(TOKENS.Repository) }),
  );
}

/** Closes everything the container opened (sandbox, WeChat client, event subscription, database). */
export function disposeContainer(c: GatewayContainer): Promise<void> {
  return c.resolve<Lifecycle>(TOKENS.Lifecycle).close(c.resolve<Logger>(TOKENS.Logger));
}
