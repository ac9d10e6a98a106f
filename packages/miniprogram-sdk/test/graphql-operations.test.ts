import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ALL_OPERATIONS } from '../src/lib/graphql-operations';

// The gateway's committed, printed schema (its own drift test keeps it equal to the running schema).
const schemaPath = fileURLToPath(new URL('../../gateway/schema.graphql', import.meta.url));
const schema = buildSchema(readFileSync(schemaPath, 'utf8'));

describe('every operation the mini program sends is valid against packages/gateway/schema.graphql', () => {
  it.each(ALL_OPERATIONS.map((op) => [op.operationName, op] as const))('%s', (name, operation) => {
    const document = parse(operation.document);
    expect(validate(schema, document).map((e) => e.message)).toEqual([]);
    const names = document.definitions.flatMap((d) =>
      d.kind === 'OperationDefinition' ? [d.name?.value] : [],
    );
    expect(names).toEqual([name]);
  });

  it('catches an operation that does not fit the schema', () => {
    const broken = parse('query { verification(id: "1") { id noSuchField } }');
    expect(validate(schema, broken)).not.toEqual([]);
  });
});
