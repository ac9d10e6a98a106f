import fc from 'fast-check';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_SCOPES } from '../src/application/auth/viewer';
import { buildSchema } from '../src/graphql/index';
import { DATABASE_KINDS, type Json, startTestGateway, type TestGateway } from './support/test-gateway';

/*
 * Security review, finding 6: a NUL in a cursor's id or in createApiKey's name reached PostgreSQL and came
 * back as HTTP 500. This walks the schema the gateway serves and sends NUL, lone surrogates and oversized
 * strings to every leaf of every argument of every field (input object fields and list items included), as a
 * signed-in user and with an API key holding every scope, on PGlite and PostgreSQL. Each one must be
 * refused before anything runs: BAD_USER_INPUT naming the argument, never a 500 or a masked error.
 */

/** Longer than any argument takes (MAX_INPUT_STRING_LENGTH is 4096, the longest verifyResult). */
const OVERSIZED = 4097;

/** What a client may see: the contract's request errors and the refusals of a request itself. */
const ALLOWED_CODES = new Set([
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
]);

type Path = (string | number)[];

interface Leaf {
  /** Operation type and field, e.g. mutation createApiKey. */
  readonly operation: 'query' | 'mutation' | 'subscription';
  readonly field: GraphQLField<unknown, unknown>;
  readonly argument: GraphQLArgument;
  /** Inside the argument's value: input fields and list indexes. */
  readonly path: Path;
  /** A String or ID leaf: may also be sent as a literal in the document. */
  readonly textual: boolean;
}

/** A value of the type that passes coercion: required input fields only, lists of one. */
function baseline(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return baseline(type.ofType);
  if (isListType(type)) return [baseline(type.ofType)];
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, baseline(f.type)]),
    );
  }
  if (isEnumType(type)) return type.getValues()[0]!.name;
  switch (type.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return true;
    case 'DateTime':
      return '2025-01-01T00:00:00.000Z';
    default:
      return 'x';
  }
}

/** Every leaf (scalar or enum) under an argument's type, with its path. */
function leavesOf(type: GraphQLInputType, path: Path): { path: Path; textual: boolean }[] {
  if (isNonNullType(type)) return leavesOf(type.ofType, path);
  if (isListType(type)) return leavesOf(type.ofType, [...path, 0]);
  if (isInputObjectType(type)) {
    return Object.values(type.getFields()).flatMap((f) => leavesOf(f.type, [...path, f.name]));
  }
  const textual = isScalarType(type) && (type.name === 'String' || type.name === 'ID');
  return [{ path, textual }];
}

/** `base` with the value at `path` replaced (containers on the way made as needed). */
function setAt(base: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === 'number') {
    const list = Array.isArray(base) ? [...base] : [];
    list[head] = setAt(list[head], rest, value);
    return list;
  }
  const object = typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...base } : {};
  (object as Record<string, unknown>)[head!] = setAt((object as Record<string, unknown>)[head!], rest, value);
  return object;
}

/** A GraphQL literal of a JSON value of the argument (enum values unquoted, where the type says so). */
function literal(value: unknown, type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(value, type.ofType);
  if (isListType(type)) return `[${(value as unknown[]).map((v) => literal(v, type.ofType)).join(', ')}]`;
  if (isInputObjectType(type)) {
    const fields = type.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]!.type)}`)
      .join(', ')} }`;
  }
  if (isEnumType(type) && typeof value === 'string' && type.getValue(value)) return value;
  return JSON.stringify(value);
}

const schema = buildSchema();
const ROOTS = [
  ['query', schema.getQueryType()],
  ['mutation', schema.getMutationType()],
  ['subscription', schema.getSubscriptionType()],
] as const;

const LEAVES: Leaf[] = ROOTS.flatMap(([operation, root]) =>
  Object.values(root!.getFields()).flatMap((field) =>
    field.args.flatMap((argument) =>
      leavesOf(argument.type, []).map(({ path, textual }) => ({
        operation,
        field,
        argument,
        path,
        textual,
      })),
    ),
  ),
);

const selectionOf = (field: GraphQLField<unknown, unknown>) =>
  isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';

/** The document and variables that send `bad` at the leaf, every other required argument valid. */
function request(leaf: Leaf, bad: string, asLiteral: boolean): { query: string; variables: Json } {
  const { operation, field, argument } = leaf;
  const args = field.args.filter((a) => a === argument || isNonNullType(a.type));
  const variables: Json = {};
  const given: string[] = [];
  const declared: string[] = [];
  for (const a of args) {
    const value = a === argument ? setAt(baseline(a.type), leaf.path, bad) : baseline(a.type);
    if (a === argument && asLiteral) {
      given.push(`${a.name}: ${literal(value, a.type)}`);
    } else {
      declared.push(`$${a.name}: ${a.type.toString()}`);
      given.push(`${a.name}: $${a.name}`);
      variables[a.name] = value;
    }
  }
  const header = declared.length > 0 ? `(${declared.join(', ')})` : '';
  return {
    query: `${operation} Fuzz${header} { ${field.name}(${given.join(', ')})${selectionOf(field)} }`,
    variables,
  };
}

const describeLeaf = (leaf: Leaf) =>
  [leaf.field.name, leaf.argument.name, ...leaf.path]
    .map(String)
    .join('.')
    .replace(/\.(\d+)/g, '[$1]');

interface Answer {
  readonly status: number;
  readonly body: Json;
}

async function send(t: TestGateway, body: { query: string; variables: Json }, credential: string) {
  const response = await t.gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${credential}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json } satisfies Answer;
}

function expectTyped(answer: Answer, context: string): void {
  expect(answer.status, context).toBeLessThan(500);
  const errors = (answer.body.errors ?? []) as { message: string; extensions?: { code?: unknown } }[];
  expect(errors.length, context).toBeGreaterThan(0);
  for (const error of errors) {
    expect(ALLOWED_CODES.has(String(error.extensions?.code)), `${context}: ${JSON.stringify(error)}`).toBe(
      true,
    );
    expect(error.message, context).not.toBe('Unexpected error.');
  }
}

/** Refused before anything ran, naming the argument the bad string was given to. */
function expectRefused(answer: Answer, leaf: Leaf, context: string): void {
  expectTyped(answer, context);
  expect(answer.body.data ?? null, context).toBeNull();
  const [error] = answer.body.errors as { extensions: Json }[];
  expect(error!.extensions, context).toMatchObject({
    code: 'BAD_USER_INPUT',
    argument: describeLeaf(leaf),
  });
}

/** The three kinds of bad string, each as sent alone and inside ordinary text. */
const BAD_STRINGS: readonly [string, string][] = [
  ['NUL', '\u0000'],
  ['NUL inside text', 'abc\u0000def'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate inside text', 'x\udc00y'],
  ['a high surrogate before text', '\ud83dabc'],
  ['oversized', 'x'.repeat(OVERSIZED)],
];

describe('the schema walk itself', () => {
  it('finds every argument: each field taking arguments is a root field, and leaves are found in input objects', () => {
    // a nested field with arguments would need a selection path from a root field in this test
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || !('getFields' in type) || isInputObjectType(type)) continue;
      if (ROOTS.some(([, root]) => root === type)) continue;
      for (const field of Object.values(type.getFields())) {
        expect((field as GraphQLField<unknown, unknown>).args ?? [], `${type.name}.${field.name}`).toEqual(
          [],
        );
      }
    }
    const names = new Set(LEAVES.map(describeLeaf));
    for (const expected of [
      'createApiKey.input.name',
      'createApiKey.input.scopes[0]',
      'consoleSessions.after',
      'consoleSessions.filter.openid',
      'verifications.after',
      'webhookDeliveries.after',
      'startVerification.input.idCardNumber',
      'verificationUpdated.id',
    ]) {
      expect(names).toContain(expected);
    }
  });
});

for (const database of DATABASE_KINDS) {
  describe(`every argument refuses NUL, lone surrogates and oversized strings (${database})`, () => {
    let t: TestGateway;
    let credentials: [string, string][];

    beforeAll(async () => {
      t = await startTestGateway({ database });
      credentials = [
        ['user', await t.signIn('o_input_fuzz')],
        ['all-scopes key', await t.createApiKey([...API_KEY_SCOPES])],
      ];
    });
    afterAll(async () => {
      await t?.close();
    });

    it('the report\'s requests: a cursor whose id holds NUL, on every connection, and createApiKey(name: "a\\u0000b")', async () => {
      const key = credentials[1]![1];
      const cursor = Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000Z', 'vs_a\u0000b'])).toString(
        'base64url',
      );
      for (const query of [
        'query($a: String) { consoleSessions(after: $a) { hasNextPage } }',
        'query($a: String) { verifications(after: $a) { edges { cursor } } }',
        'query($a: String) { webhookDeliveries(endpointId: "we_1", after: $a) { edges { cursor } } }',
      ]) {
        const answer = await send(t, { query, variables: { a: cursor } }, key);
        expect(answer.status, query).toBeLessThan(500);
        expect(answer.body.errors[0].extensions, query).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: 'after',
          rule: 'CURSOR_INVALID',
        });
      }
      const created = await send(
        t,
        {
          query:
            'mutation($n: String!) { createApiKey(input: { name: $n, scopes: [CONSOLE_READ] }) { key } }',
          variables: { n: 'a\u0000b' },
        },
        key,
      );
      expect(created.status).toBeLessThan(500);
      expect(created.body.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        rule: 'STRING_NUL',
        argument: 'createApiKey.input.name',
      });
    });

    it('as variables, at every leaf of every argument', async () => {
      const cases = LEAVES.flatMap((leaf) =>
        BAD_STRINGS.flatMap(([kind, bad]) =>
          credentials.map(([who, key]) => ({ leaf, kind, bad, who, key })),
        ),
      );
      // a few at a time: PGlite is one connection, and the refusals never reach it
      for (let i = 0; i < cases.length; i += 8) {
        await Promise.all(
          cases.slice(i, i + 8).map(async ({ leaf, kind, bad, who, key }) => {
            const context = `${describeLeaf(leaf)}: ${kind} as ${who}`;
            expectRefused(await send(t, request(leaf, bad, false), key), leaf, context);
          }),
        );
      }
      expect(cases.length).toBeGreaterThan(300);
    });

    it('as literals in the document, at every String and ID leaf', async () => {
      for (const leaf of LEAVES.filter((l) => l.textual)) {
        for (const [who, key] of credentials) {
          for (const [kind, bad] of [
            ['NUL', 'a\u0000b'],
            ['oversized', 'x'.repeat(OVERSIZED)],
          ] as const) {
            expectRefused(
              await send(t, request(leaf, bad, true), key),
              leaf,
              `${describeLeaf(leaf)}: ${kind}`,
            );
          }
          // the parser itself refuses a lone surrogate written into the document
          const surrogate = await send(t, request(leaf, '\ud800', true), key);
          expectTyped(surrogate, `${describeLeaf(leaf)}: literal surrogate as ${who}`);
          expect(surrogate.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
        }
      }
    });

    it('with the bad character anywhere in arbitrary text, at any leaf (fast-check)', async () => {
      const badText = fc.oneof(
        fc
          .tuple(
            fc.string({ maxLength: 30, unit: 'grapheme' }),
            fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'),
            fc.string({ maxLength: 30, unit: 'grapheme' }),
          )
          .map(([before, bad, after]) => `${before}${bad}${after}`),
        fc.string({ minLength: OVERSIZED, maxLength: 12_000 }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...LEAVES),
          badText,
          fc.constantFrom(...credentials),
          async (leaf, bad, [who, key]) => {
            expectRefused(
              await send(t, request(leaf, bad, false), key),
              leaf,
              `${describeLeaf(leaf)} as ${who}`,
            );
          },
        ),
        { numRuns: 150 },
      );
    });

    it('logged no fault while refusing all of it', () => {
      expect(t.logs.join('\n')).not.toMatch(/unexpected error|"level":50|\n\s+at /);
    });
  });
}
