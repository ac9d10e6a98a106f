import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Database } from '@facegate/adapters-postgres';
import type { WeChatApiClient } from '@facegate/adapters-wechat/http';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql/index.js';
import { createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { ApiKeyService } from './auth/api-key.service';
import { ANONYMOUS, type Viewer } from './auth/viewer';
import type { GatewayConfig } from './config';
import { type GatewayContainer, TOKENS } from './di/container';
import { healthPlugin } from './observability/health.plugin';
import type { Logger } from './observability/logger';
import type { GatewayMetrics } from './observability/metrics';
import { requestIdOf, requestLoggingPlugin } from './observability/request-logging.plugin';
import type { GatewayContext, GatewayServices } from './schema/context';
import { buildSchema } from './schema/index';

const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
]);

export type Gateway = YogaServerInstance<{ req?: { socket?: { remoteAddress?: string } } }, GatewayContext>;

function servicesOf(c: GatewayContainer): GatewayServices {
  return {
    config: c.resolve(TOKENS.Config),
    logger: c.resolve(TOKENS.Logger),
    clock: c.resolve(TOKENS.Clock),
    wechat: c.resolve(TOKENS.WeChatClient),
    userTokens: c.resolve(TOKENS.UserTokens),
    apiKeys: c.resolve(TOKENS.ApiKeys),
    rateLimits: c.resolve(TOKENS.RateLimits),
    repository: c.resolve(TOKENS.Repository),
    eventBus: c.resolve(TOKENS.EventBus),
    startVerification: c.resolve(TOKENS.StartVerification),
    confirmVerification: c.resolve(TOKENS.ConfirmVerification),
    cancelVerification: c.resolve(TOKENS.CancelVerification),
    getVerification: c.resolve(TOKENS.GetVerification),
  };
}

async function viewerOf(request: Request, services: GatewayServices): Promise<Viewer> {
  const authorization = request.headers.get('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const credential = bearer ?? request.headers.get('x-api-key')?.trim();
  if (!credential) return ANONYMOUS;
  if (ApiKeyService.looksLikeApiKey(credential)) {
    return (await services.apiKeys.authenticate(credential)) ?? ANONYMOUS;
  }
  const claims = services.userTokens.verify(credential, services.clock.now());
  return claims ? { kind: 'user', openid: claims.openid } : ANONYMOUS;
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
  const config = c.resolve<GatewayConfig>(TOKENS.Config);
  const logger = c.resolve<Logger>(TOKENS.Logger);
  const metrics = c.resolve<GatewayMetrics>(TOKENS.Metrics);
  const services = servicesOf(c);
  const db = c.resolve<Database>(TOKENS.Database);
  const wechat = c.resolve<WeChatApiClient>(TOKENS.WeChatClient);

  const yogaLogger = {
    debug: () => {},
    info: () => {},
    warn: (...args: unknown[]) => logger.warn({ detail: args.map(String).join(' ') }, 'graphql-yoga warning'),
    error: (...args: unknown[]) => logger.error({ err: args[0] }, 'graphql error'),
  };

  return createYoga<{ req?: { socket?: { remoteAddress?: string } } }, GatewayContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.production ? false : { title: 'FaceGate', subscriptionsProtocol: 'SSE' },
    logging: yogaLogger,
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : undefined;
        const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
        const fromUs = !original || original instanceof GraphQLError;
        if (
          error instanceof GraphQLError &&
          fromUs &&
          (code === undefined || CLIENT_CODES.has(String(code)))
        ) {
          return error;
        }
        logger.error({ err: original ?? error }, 'unexpected error (masked)');
        // never isDev: no stack traces or original messages in responses
        return maskError(error, message, false);
      },
    },
    context: async ({ request, req }): Promise<GatewayContext> => ({
      viewer: await viewerOf(request, services),
      services,
      requestId: requestIdOf(request),
      clientAddress: req?.socket?.remoteAddress ?? 'unknown',
      echoedIdentity: new WeakMap(),
    }),
    plugins: [
      requestLoggingPlugin(logger, metrics),
      healthPlugin(
        {
          database: () => db.ping(),
          wechat: async () => {
            await wechat.accessToken();
          },
        },
        metrics,
      ),
      EnvelopArmorPlugin({
        maxDepth: { n: config.production ? 8 : 15 },
        maxAliases: { n: config.production ? 10 : 30 },
        maxDirectives: { n: config.production ? 20 : 50 },
        maxTokens: { n: config.production ? 1000 : 5000 },
        costLimit: { maxCost: config.production ? 3000 : 10000 },
        blockFieldSuggestion: { enabled: config.production },
      }),
      ...(config.production ? [disableIntrospection()] : []),
    ],
  });
}
