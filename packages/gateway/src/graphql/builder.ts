import SchemaBuilder from '@pothos/core';

/*
 * graphql is imported as 'graphql/index.js' throughout the gateway: graphql 16 ships CJS (main) and ESM
 * (module) builds without an exports map, so Node (and Pothos/yoga through it) load the CJS build while a
 * bundler-style resolver (vitest) would pick the ESM one for our sources, and two graphql instances refuse
 * to share a schema. The explicit path makes both resolve to the same module.
 */
import type { GatewayContext } from './context';

export interface GatewaySchemaTypes {
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
}

export const builder = new SchemaBuilder<GatewaySchemaTypes>({
  defaultFieldNullability: false,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
