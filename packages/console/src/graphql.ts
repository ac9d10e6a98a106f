import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env';

/**
 * `graphql(...)` parses a document and types its result and variables from the gateway's schema.graphql
 * (through graphql-env.d.ts, which `pnpm --filter @facegate/console run graphql-env` writes): a schema change
 * that breaks a page's query breaks the console's typecheck.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  // serialized as ISO 8601 strings (schema.graphql: scalar DateTime)
  scalars: { DateTime: string };
}>();

export type { ResultOf, TadaDocumentNode, VariablesOf } from 'gql.tada';
