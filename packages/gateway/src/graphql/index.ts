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
import './mutations/webhook-endpoint.mutations';
import './types/console-overview.type';
import './types/console-failures.type';
import './types/console-session.type';
import './types/console-system.type';
import './types/console-api-keys';

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
