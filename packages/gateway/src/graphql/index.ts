import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { builder } from './builder';
import './date-time.scalar';
import './enums';
import './types/verification.type';
import './types/verification-connection.type';
import './types/identity-status.type';
import './mutations/sign-in.mutation';
import './mutations/start-verification.mutation';
import './mutations/confirm-verification.mutation';
import './mutations/cancel-verification.mutation';
import './subscriptions/verification-updated.subscription';
import './types/webhook-endpoint.type';
import './types/webhook-delivery.type';
import './queries/webhook-deliveries.query';
import './mutations/redeliver-webhook.mutation';
import './queries/webhook-endpoints.query';
import './mutations/create-webhook-endpoint.mutation';
import './mutations/update-webhook-endpoint.mutation';
import './mutations/rotate-webhook-secret.mutation';
import './mutations/disable-webhook-endpoint.mutation';
import './mutations/delete-webhook-endpoint.mutation';
import './types/console-overview.type';
import './types/console-failures.type';
import './types/console-session.type';
import './queries/console-sessions.query';
import './queries/console-session.query';
import './types/console-system.type';
import './types/api-key.type';
import './queries/console-viewer.query';
import './queries/gateway-info.query';
import './queries/api-keys.query';
import './mutations/create-api-key.mutation';
import './mutations/revoke-api-key.mutation';
import './types/audit-event.type';
import './queries/audit-events.query';
import './types/privacy.type';
import './types/app.type';

let schema: GraphQLSchema | null = null;

/** The gateway's schema (built once: Pothos builders are single-use). */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

/** The committed schema.graphql: sorted, so a diff shows only real changes. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}
