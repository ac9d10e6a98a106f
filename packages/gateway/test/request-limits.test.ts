import { parse, validate } from 'graphql/index.js';
import { createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema } from '../src/graphql/index';
import { CLIENT_ERROR_CODES } from '../src/http/error-policy';
import {
  loadPersistedOperations,
  operationHash,
  persistedOperationsPlugins,
} from '../src/http/plugins/persisted-operations';
import type { Json } from './support/test-gateway';
import { startTestGateway, type TestGateway } from './support/test-gateway';

async function post(
  t: TestGateway,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const response = await t.gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

const query = (q: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query: q, ...extra });
const codeOf = (r: { body: Json }) => r.body.errors?.[0]?.extensions?.code;
const messageOf = (r: { body: Json }) => String(r.body.errors?.[0]?.message ?? '');

/** The manifest's document for a mini program operation name. */
function manifestDocument(name: string): { hash: string; document: string } {
  for (const [hash, document] of loadPersistedOperations()) {
    if (new RegExp(`^(query|mutation) ${name}\\b`).test(document)) return { hash, document };
  }
  throw new Error(`no persisted operation ${name}`);
}

describe('GraphQL surface limits (production)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite', env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses alias bombs, directive bombs, token floods and over-cost documents before execution', async () => {
    const field = 'verification(id: "x") { id }';
    const aliases = await post(
      t,
      query(`{ ${Array.from({ length: 11 }, (_, i) => `a${i}: ${field}`).join(' ')} }`),
    );
    expect(messageOf(aliases)).toMatch(/Aliases limit of 10/);
    const directives = await post(t, query(`{ __typename ${'@skip(if: false) '.repeat(21)} }`));
    expect(messageOf(directives)).toMatch(/Directives limit of 20/);
    const tokens = await post(t, query(`{ ${'__typename '.repeat(1001)} }`));
    expect(messageOf(tokens)).toMatch(/Token limit of 1000/);
    const list =
      'verifications { edges { cursor node { id status protocol attempts lastError { code message messageZh retryable upstreamCode } } } pageInfo { hasNextPage endCursor } }';
    const fields =
      'fragment F on Verification { id status protocol livenessType maskedName maskedIdCardNumber attempts maxAttempts createdAt expiresAt verifiedAt clientReferenceId openid lastError { code message messageZh retryable upstreamCode } clientParams { ... on LegacyClientParams { checkAliveType name idCardNumber userIdKey } ... on V2ClientParams { verifyId } } }';
    const costly = await post(
      t,
      query(
        `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: verifications { edges { node { ...F } } }`).join(' ')} } ${fields}`,
      ),
    );
    expect(messageOf(costly)).toMatch(/Cost limit of 1000/);
    for (const refused of [aliases, directives, tokens, costly]) {
      expect(refused.status).toBeLessThan(500);
      expect(refused.body.data ?? null).toBeNull();
      expect(CLIENT_ERROR_CODES.has(codeOf(refused))).toBe(true);
    }
    // the same list once is well within every limit (and only refused by authorization)
    expect(codeOf(await post(t, query(`{ ${list} }`)))).toBe('UNAUTHENTICATED');
  });

  it('lets every mini program operation through the production limits (each costs ~140 of 1000)', async () => {
    for (const { document, name } of [...loadPersistedOperations().values()].map((d) => ({
      document: d,
      name: /^(?:query|mutation) (\w+)/.exec(d)?.[1],
    }))) {
      const response = await post(t, JSON.stringify({ query: document, operationName: name, variables: {} }));
      // past parsing and every validation rule: an operation with required variables is refused at their
      // coercion; one without (the public consent text, options, gateway info) runs, or asks for sign-in
      expect([undefined, 'BAD_USER_INPUT', 'UNAUTHENTICATED'], name).toContain(codeOf(response));
      expect(messageOf(response), name).not.toMatch(/limit/i);
    }
  });

  it('refuses a body over FACEGATE_MAX_BODY_BYTES with 413 before parsing, by length or while streaming', async () => {
    const padded = query('{ __typename }', { variables: { pad: 'x'.repeat(70 * 1024) } });
    const byLength = await post(t, padded);
    expect(byLength.status).toBe(413);
    expect(codeOf(byLength)).toBe('REQUEST_ENTITY_TOO_LARGE');
    // no Content-Length (chunked): counted while reading; the body is not even valid JSON
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('['.repeat(1024)));
        controller.close();
      },
    });
    const streamed = await post(t, chunks);
    expect(streamed.status).toBe(413);
    expect(codeOf(streamed)).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('refuses batched requests', async () => {
    const batch = await post(
      t,
      JSON.stringify(Array.from({ length: 50 }, () => ({ query: '{ __typename }' }))),
    );
    expect(batch.status).toBe(400);
    expect(codeOf(batch)).toBe('BAD_REQUEST');
    expect(messageOf(batch)).toMatch(/Batching is not supported/);
  });

  it('requires the client header on requests a browser would send cross-site without a preflight', async () => {
    const form = (headers: Record<string, string>) =>
      t.gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: `query=${encodeURIComponent('{ __typename }')}`,
      });
    const refused = await form({});
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      errors: [{ message: expect.stringMatching(/CSRF/), extensions: { code: 'FORBIDDEN' } }],
    });
    const get = await t.gateway.fetch('http://gateway/graphql?query=%7B__typename%7D');
    expect(get.status).toBe(403);
    expect(await (await form({ 'x-facegate-client': 'miniprogram' })).json()).toEqual({
      data: { __typename: 'Query' },
    });
    const getWithHeader = await t.gateway.fetch('http://gateway/graphql?query=%7B__typename%7D', {
      headers: { 'x-facegate-client': 'miniprogram' },
    });
    expect(await getWithHeader.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('sends the security headers, no-store and HSTS on GraphQL answers, refusals and health checks', async () => {
    const ok = await post(t, query('{ __typename }'));
    const refused = await post(t, JSON.stringify([{ query: '{ __typename }' }]));
    const health = await t.gateway.fetch('http://gateway/healthz');
    for (const headers of [ok.headers, refused.headers, health.headers]) {
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    }
  });

  it('hides field suggestions and introspection, serves no GraphiQL, and masks internals', async () => {
    const typo = await post(t, query('{ verificatio(id: "1") { id } }'));
    expect(messageOf(typo)).not.toMatch(/Did you mean/);
    expect(codeOf(typo)).toBe('GRAPHQL_VALIDATION_FAILED');
    const introspection = await post(t, query('{ __type(name: "Query") { name } }'));
    expect(messageOf(introspection)).toMatch(/introspection/i);
    const page = await t.gateway.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
  });

  it('never quotes a refused variable value (it may hold a name and ID number) in the error', async () => {
    const secret = '11010519491231002X';
    const response = await post(
      t,
      JSON.stringify({
        query: 'mutation($input: StartVerificationInput!) { startVerification(input: $input) { id } }',
        variables: { input: { name: '张三', idCardNumber: secret, protocol: 5 } },
      }),
    );
    expect(response.body.errors?.[0]).toMatchObject({
      message:
        'Variable "$input" got an invalid value at "input.protocol": a value has the wrong type or format',
      extensions: { code: 'BAD_USER_INPUT', field: 'protocol' },
    });
    const invalidJson = await post(t, `{"query": "{ __typename }", "variables": {"x": "${secret}"`);
    expect(codeOf(invalidJson)).toBe('BAD_REQUEST');
    for (const r of [response, invalidJson]) {
      expect(JSON.stringify(r.body)).not.toContain(secret);
      expect(JSON.stringify(r.body)).not.toContain('张三');
    }
    expect(t.logs.join('\n')).not.toContain(secret);
  });
});

describe('GraphQL surface limits (development)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses documents nested deeper than 15 (introspection is on here, so ofType chains are possible)', async () => {
    const nest = (n: number) => `${'ofType { '.repeat(n)}name${' }'.repeat(n)}`;
    const deep = await post(t, query(`{ __type(name: "Query") { fields { type { ${nest(14)} } } } }`));
    expect(messageOf(deep)).toMatch(/Query depth limit of 15 exceeded/);
    const fine = await post(t, query(`{ __type(name: "Query") { fields { type { ${nest(5)} } } } }`));
    expect(fine.body.errors).toBeUndefined();
  });

  it('sends no HSTS outside production', async () => {
    const ok = await post(t, query('{ __typename }'));
    expect(ok.headers.get('strict-transport-security')).toBeNull();
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('persisted operations', () => {
  it('the manifest is keyed by each document hash and every entry is valid against the schema', () => {
    const manifest = loadPersistedOperations();
    expect(manifest.size).toBeGreaterThanOrEqual(5);
    for (const [hash, document] of manifest) {
      expect(hash).toBe(operationHash(document));
      expect(validate(buildSchema(), parse(document))).toEqual([]);
    }
  });

  it("runs the mini program's operations, as text or by hash, with no parse and no validation per request", async () => {
    const counts = { parse: 0, validate: 0 };
    const counting: Plugin = {
      onParse({ parseFn, setParseFn }) {
        setParseFn((...args) => {
          counts.parse += 1;
          return parseFn(...args);
        });
      },
      onValidate({ validateFn, setValidationFn }) {
        setValidationFn((...args) => {
          counts.validate += 1;
          return validateFn(...args);
        });
      },
    };
    const manifest = loadPersistedOperations();
    const schema = buildSchema();
    const yoga = createYoga({
      schema,
      logging: false,
      plugins: [
        counting,
        ...persistedOperationsPlugins({
          manifest,
          schema,
          persistedOnly: false,
          isService: async () => false,
        }),
      ],
    });
    const send = (body: object) =>
      yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const [hash, document] of manifest) {
      await send({ query: document, variables: {} });
      await send({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: {} });
    }
    expect(counts).toEqual({ parse: 0, validate: 0 });
    // anything else is parsed and validated as usual
    const other = await send({ query: '{ __typename }' });
    expect(await other.json()).toEqual({ data: { __typename: 'Query' } });
    expect(counts).toEqual({ parse: 1, validate: 1 });
  });

  it('refuses to start with a persisted operation the schema does not accept', () => {
    const broken = 'query Broken { noSuchField }';
    expect(() =>
      persistedOperationsPlugins({
        manifest: new Map([[operationHash(broken), broken]]),
        schema: buildSchema(),
        persistedOnly: false,
        isService: async () => false,
      }),
    ).toThrow(/is not valid against the schema: Cannot query field "noSuchField"/);
  });

  describe('FACEGATE_PERSISTED_OPERATIONS_ONLY=true', () => {
    let t: TestGateway;
    beforeAll(async () => {
      t = await startTestGateway({
        database: 'pglite',
        env: { NODE_ENV: 'production', FACEGATE_PERSISTED_OPERATIONS_ONLY: 'true' },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    const signIn = async (openid: string, form: 'text' | 'hash') => {
      const { hash, document } = manifestDocument('SignIn');
      const variables = { code: t.sandbox.device.login(openid) };
      const body =
        form === 'text'
          ? { query: document, operationName: 'SignIn', variables }
          : { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables };
      return post(t, JSON.stringify(body));
    };

    it("runs the mini program's operations sent as text (as the mini program does) or by hash", async () => {
      const byText = await signIn('o_persisted_text', 'text');
      expect(byText.body.data?.signIn.token).toEqual(expect.any(String));
      const byHash = await signIn('o_persisted_hash', 'hash');
      const token = byHash.body.data?.signIn.token as string;
      expect(token).toEqual(expect.any(String));
      const { document } = manifestDocument('GetVerification');
      const get = await post(t, JSON.stringify({ query: document, variables: { id: 'missing' } }), {
        authorization: `Bearer ${token}`,
      });
      expect(codeOf(get)).toBe('NOT_FOUND');
    });

    it('refuses any other document from users and anonymous callers, even one only reformatted', async () => {
      const token = (await signIn('o_persisted_other', 'hash')).body.data?.signIn.token as string;
      const { document } = manifestDocument('GetVerification');
      for (const [q, credential] of [
        ['{ __typename }', null],
        ['{ verification(id: "x") { id } }', token],
        [`${document}\n`, token],
        ['mutation($code: String!) { signIn(code: $code) { token } }', null],
      ] as const) {
        const refused = await post(t, query(q), credential ? { authorization: `Bearer ${credential}` } : {});
        expect(refused.status).toBe(400);
        expect(codeOf(refused)).toBe('PERSISTED_QUERY_REQUIRED');
      }
      const unknown = await post(
        t,
        JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
      );
      expect(codeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it('lets services with a valid API key send any document; a key-shaped fake is refused', async () => {
      const key = await t.createApiKey(['verifications:read']);
      const list = query('{ verifications(first: 1) { edges { node { id } } } }');
      const service = await post(t, list, { authorization: `Bearer ${key}` });
      expect(service.body.errors).toBeUndefined();
      expect(service.body.data?.verifications.edges).toEqual(expect.any(Array));
      const viaHeader = await post(t, list, { 'x-api-key': key });
      expect(viaHeader.body.errors).toBeUndefined();
      const fake = await post(t, list, { authorization: `Bearer ${key.slice(0, -2)}AA` });
      expect(codeOf(fake)).toBe('PERSISTED_QUERY_REQUIRED');
    });
  });
});
