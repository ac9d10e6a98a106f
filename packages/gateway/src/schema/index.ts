import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql/index.js';
import { builder } from './builder';
import './date-time.scalar';
import './enums';
import './verification.type';
import './verification-connection.type';
import './identity-status.type';
import './sign-in.mutation';
import './start-verification.mutation';
import './confirm-verification.mutation';
import './cancel-verification.mutation';
import './verification-updated.subscription';
import './webhook-endpoint.type';
import './webhook-delivery.type';
import './webhook-endpoint.mutations';
import './console-overview.type';
import './console-failures.type';
import './console-session.type';
import './console-system.type';
import './console-api-keys';

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
