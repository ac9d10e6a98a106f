import SchemaBuilder from '@pothos/core';
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
