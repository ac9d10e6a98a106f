import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql/index.js';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AppCatalog } from '../application/apps/app-catalog';
import { type GatewayContainer, resolve, TOKENS } from '../composition/tokens';
import type { GatewayContext, GatewayServices } from '../graphql/context';
import { upstreamUnavailable } from '../graphql/errors';
import { buildSchema } from '../graphql/index';
import { tracingRegistered } from '../infrastructure/observability/tracing';
import { limitedViewerOf, viewerOf } from './authenticate';
import { clientAddressOf } from './client-address';
import { CLIENT_ERROR_CODES, forClient, hideSuggestions, withCode } from './error-policy';
import { graphiqlWelcome } from './graphiql-welcome';
import { bodyLimitPlugin } from './plugins/body-limit.plugin';
import { consoleAssetsPlugin, consoleAvailability, consoleDistDir } from './plugins/console-assets.plugin';
import { consoleQueryLimitsPlugin } from './plugins/console-query-limits.plugin';
import { healthPlugin } from './plugins/health.plugin';
import { inputStringsPlugin } from './plugins/input-strings.plugin';
import { offlineGraphiQLAssetsPlugin, renderOfflineGraphiQL } from './plugins/offline-graphiql';
import { loadPersistedOperations, persistedOperationsPlugins } from './plugins/persisted-operations';
import { requestIdOf, requestLoggingPlugin } from './plugins/request-logging.plugin';
import { securityHeadersPlugin } from './plugins/security-headers.plugin';
import { tracingPlugin } from './plugins/tracing.plugin';

/** The header the mini program (and any non-JSON client) sends; see useCSRFPrevention below. */
export const CLIENT_HEADER = 'x-facegate-client';

export type Gateway = YogaServerInstance<{ req?: { socket?: { remoteAddress?: string } } }, GatewayContext>;

function servicesOf(c: GatewayContainer): GatewayServices {
  return {
    config: resolve(c, TOKENS.Config),
    logger: resolve(c, TOKENS.Logger),
    clock: resolve(c, TOKENS.Clock),
    digests: resolve(c, TOKENS.Digests),
    userTokens: resolve(c, TOKENS.UserTokens),
    apiKeys: resolve(c, TOKENS.ApiKeys),
    rateLimits: resolve(c, TOKENS.RateLimits),
    eventBus: resolve(c, TOKENS.EventBus),
    subscriptionSlots: resolve(c, TOKENS.SubscriptionSlots),
    startVerification: resolve(c, TOKENS.StartVerification),
    confirmVerification: resolve(c, TOKENS.ConfirmVerification),
    cancelVerification: resolve(c, TOKENS.CancelVerification),
    getVerification: resolve(c, TOKENS.GetVerification),
    signIn: resolve(c, TOKENS.SignIn),
    listVerifications: resolve(c, TOKENS.ListVerifications),
    getIdentityStatus: resolve(c, TOKENS.GetIdentityStatus),
    sandboxDevice: resolve(c, TOKENS.SandboxDevice),
    apps: resolve(c, TOKENS.Apps),
    webhooks: resolve(c, TOKENS.WebhookEndpoints),
    console: { queries: resolve(c, TOKENS.ConsoleQueries), system: resolve(c, TOKENS.ConsoleSystem) },
    audit: resolve(c, TOKENS.Audit),
    auditEvents: resolve(c, TOKENS.AuditLog),
    privacy: {
      texts: resolve(c, TOKENS.ConsentTexts),
      receipts: resolve(c, TOKENS.ConsentReceipts),
      publish: resolve(c, TOKENS.PublishConsentText),
      accept: resolve(c, TOKENS.AcceptConsent),
      withdraw: resolve(c, TOKENS.WithdrawConsent),
      chooseAlternative: resolve(c, TOKENS.ChooseAlternative),
      redact: resolve(c, TOKENS.RedactVerification),
      erase: resolve(c, TOKENS.EraseSubject),
      report: resolve(c, TOKENS.ReportSubject),
    },
  };
}

/** No introspection in production: the schema is published as schema.graphql instead. */
function disableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** Builds the GraphQL gateway (a fetch-API handler) from a container; it does not listen. */
export function createGateway(c: GatewayContainer): Gateway {
  const config = resolve(c, TOKENS.Config);
  const logger = resolve(c, TOKENS.Logger);
  const metrics = resolve(c, TOKENS.Metrics);
  const services = servicesOf(c);
  const db = resolve(c, TOKENS.Database);
  const apps = resolve(c, TOKENS.Apps);
  const keyAttempts = resolve(c, TOKENS.KeyAttempts);
  const databaseHealth = resolve(c, TOKENS.DatabaseHealth);

  const yogaLogger = {
    debug: () => {},
    info: () => {},
    warn: (...args: unknown[]) => logger.warn({ detail: args.map(String).join(' ') }, 'graphql-yoga warning'),
    error: (...args: unknown[]) => {
      const [err] = args;
      // a refused request (yoga logs the original of every error it rewrote): answered to the client, and
      // its message may quote the input, so it is not logged; internal faults are logged by maskError
      if (err instanceof GraphQLError && (!err.originalError || err.originalError instanceof GraphQLError))
        return;
      logger.error({ err }, 'graphql error');
    },
  };

  const schema = buildSchema();
  return createYoga<{ req?: { socket?: { remoteAddress?: string } } }, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.production
      ? false
      : {
          title: 'FaceGate',
          subscriptionsProtocol: 'SSE',
          ...graphiqlWelcome(config.sandboxMode ? resolve(c, TOKENS.Sandbox).url : null),
        },
    // yoga's default page loads from a CDN; this one loads from the gateway (works offline)
    renderGraphiQL: renderOfflineGraphiQL,
    logging: yogaLogger,
    // bodyLimitPlugin refuses with 413 before parsing (by Content-Length, or while reading one without)
    maxRequestBodySize: false,
    // one operation per request: a batch would multiply every per-request limit
    batching: false,
    // yoga's default reflects any Origin with credentials; browsers get CORS only from FACEGATE_CORS_ORIGINS
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (origin === null || !config.corsOrigins.includes(origin)) return false;
      return {
        origin: [origin],
        // callers authenticate with a header, never a cookie
        credentials: false,
        methods: ['GET', 'POST'],
        allowedHeaders: ['content-type', 'accept', 'authorization', 'x-api-key', CLIENT_HEADER],
        maxAge: 600,
      };
    },
    multipart: false,
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : undefined;
        const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
        const fromUs = !original || original instanceof GraphQLError;
        if (error instanceof GraphQLError && fromUs) {
          // without a path it is a refusal of the request; a field's uncoded error is a fault (masked)
          if (code === undefined && !error.path) return forClient(withCode(error), config.production);
          if (code !== undefined && CLIENT_ERROR_CODES.has(String(code)))
            return forClient(error, config.production);
        }
        if (databaseHealth.isUnavailable(original ?? error)) {
          // a stuck or unreachable database (statement or pool timeout): the client may retry, operators see it
          const cause = (original ?? error) as { code?: unknown };
          logger.warn(
            { code: typeof cause.code === 'string' ? cause.code : undefined },
            'database unavailable',
          );
          const unavailable = upstreamUnavailable('the database is not answering in time; try again shortly');
          return error instanceof GraphQLError
            ? new GraphQLError(unavailable.message, {
                nodes: error.nodes,
                path: error.path,
                extensions: unavailable.extensions,
              })
            : unavailable;
        }
        logger.error({ err: original ?? error }, 'unexpected error (masked)');
        // never isDev: no stack traces or original messages in responses
        return maskError(error, message, false);
      },
    },
    context: async ({ request, req }): Promise<GatewayContext> => {
      const clientAddress = clientAddressOf(
        req?.socket?.remoteAddress,
        request.headers.get('x-forwarded-for'),
        config.limits.trustedProxyHops,
      );
      return {
        viewer: await limitedViewerOf(request, clientAddress, services, keyAttempts),
        services,
        requestId: requestIdOf(request),
        clientAddress,
        viaConsole: request.headers.get(CLIENT_HEADER) === 'console',
        echoedIdentity: new WeakMap(),
        startedByCaller: new WeakSet(),
      };
    },
    plugins: [
      // first, so that its request span holds the whole request (only when tracing is on: none of it runs otherwise)
      ...(tracingRegistered() ? [tracingPlugin()] : []),
      securityHeadersPlugin({ production: config.production }),
      bodyLimitPlugin(config.limits.maxBodyBytes),
      ...(config.console.enabled
        ? [
            consoleAssetsPlugin({
              distDir: consoleDistDir(),
              available: consoleAvailability(config.production, services.apiKeys),
            }),
          ]
        : []),
      requestLoggingPlugin(logger, metrics),
      ...(config.production ? [] : [offlineGraphiQLAssetsPlugin()]),
      healthPlugin(
        {
          database: () => db.ping(),
          // ready while any app reaches WeChat: one app's outage must not take the others' instance away
          wechat: () => anyAppReachesWeChat(apps),
        },
        metrics,
        { metricsOnApi: config.metrics === null },
      ),
      EnvelopArmorPlugin({
        maxDepth: { n: config.production ? 8 : 15 },
        maxAliases: { n: config.production ? 10 : 30 },
        maxDirectives: { n: config.production ? 20 : 50 },
        maxTokens: { n: config.production ? 1000 : 5000 },
        // the mini program's largest operation costs about 140 (fragments counted)
        costLimit: { maxCost: config.production ? 1000 : 5000 },
        blockFieldSuggestion: { enabled: config.production },
      }),
      ...(config.production ? [disableIntrospection(), hideSuggestions()] : []),
      // Browsers send form, multipart and text/plain bodies (and GETs) cross-site without a preflight;
      // those must carry a custom header, which a cross-site page cannot add without CORS permission.
      useCSRFPrevention({ requestHeaders: [CLIENT_HEADER, 'x-graphql-yoga-csrf'] }),
      ...persistedOperationsPlugins({
        manifest: loadPersistedOperations(),
        schema,
        persistedOnly: config.limits.persistedOperationsOnly,
        isService: async (request) => (await viewerOf(request, services)).kind === 'service',
      }),
      // every argument and variable of every operation: no NUL, lone surrogate or oversized string
      inputStringsPlugin(),
      // console aggregates: a cost per occurrence, and a few at a time on the database
      consoleQueryLimitsPlugin(resolve(c, TOKENS.ConsoleQueryGate)),
    ],
  });
}

/** Resolves once one serving app got an access token; rejects when none did (or none serves). */
async function anyAppReachesWeChat(
  apps: Pick<AppCatalog<{ accessToken(): Promise<string> }>, 'list' | 'clientOf'>,
): Promise<void> {
  const clients = apps
    .list()
    .filter((app) => !app.disabled)
    .map((app) => apps.clientOf(app.id))
    .filter((client) => client !== undefined);
  if (clients.length === 0) throw new Error('no app has WeChat credentials');
  await Promise.any(clients.map((client) => client.accessToken()));
}
