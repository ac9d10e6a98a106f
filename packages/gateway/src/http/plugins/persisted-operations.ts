import { createHash } from 'node:crypto';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { type DocumentNode, type GraphQLSchema, parse, validate } from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';

// sha256 of the mini program's operations -> document; written by scripts/write-persisted-operations.ts.
// Imported rather than read from disk, so the built gateway carries it wherever its bundle lives.
import persistedOperationsJson from '../../../persisted-operations.json' with { type: 'json' };

/** The id of a persisted operation: lowercase hex SHA-256 of its exact text (Apollo's persistedQuery hash). */
export function operationHash(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/** Checks that every entry of the manifest is keyed by its own hash and returns it as a map. */
export function loadPersistedOperations(
  raw: Readonly<Record<string, unknown>> = persistedOperationsJson,
): ReadonlyMap<string, string> {
  const manifest = new Map<string, string>();
  for (const [hash, document] of Object.entries(raw)) {
    if (typeof document !== 'string' || operationHash(document) !== hash) {
      throw new Error(`persisted-operations.json: the entry ${hash.slice(0, 12)}… is not keyed by its hash`);
    }
    manifest.set(hash, document);
  }
  return manifest;
}

const persistedHashOf = (extensions: unknown): string | null => {
  const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return typeof pq?.sha256Hash === 'string' ? pq.sha256Hash : null;
};

/**
 * Persisted operations: a client may send `extensions.persistedQuery.sha256Hash` instead of the text, and the
 * mini program's exact text is taken as its hash (so it needs no hashing on the device). Either way the
 * manifest's document runs as parsed and validated once, at start-up: no parse and no validation per request.
 * With `persistedOnly`, anyone but an authenticated service may run only the manifest's operations.
 */
export function persistedOperationsPlugins(options: {
  manifest: ReadonlyMap<string, string>;
  schema: GraphQLSchema;
  persistedOnly: boolean;
  isService(request: Request): Promise<boolean>;
}): Plugin[] {
  const { manifest, persistedOnly } = options;
  const documents = new Map<string, DocumentNode>();
  const hashOfText = new Map<string, string>();
  for (const [hash, text] of manifest) {
    const document = parse(text);
    const [problem] = validate(options.schema, document);
    if (problem !== undefined) {
      throw new Error(
        `persisted operation ${hash.slice(0, 12)}… is not valid against the schema: ${problem.message}`,
      );
    }
    documents.set(hash, document);
    hashOfText.set(text, hash);
  }
  const textToHash: Plugin = {
    onParams({ params, setParams }) {
      if (typeof params.query !== 'string' || persistedHashOf(params.extensions)) return;
      const hash = hashOfText.get(params.query);
      if (hash === undefined) return;
      const extensions = typeof params.extensions === 'object' && params.extensions ? params.extensions : {};
      setParams({
        operationName: params.operationName,
        variables: params.variables,
        extensions: { ...extensions, persistedQuery: { version: 1, sha256Hash: hash } },
      });
    },
  };
  const badRequest = (message: string, code: string) => ({
    message,
    extensions: { code, http: { status: 400 } },
  });
  return [
    textToHash,
    usePersistedOperations({
      getPersistedOperation: (hash) => documents.get(hash) ?? null,
      // validated against the same schema above
      skipDocumentValidation: true,
      allowArbitraryOperations: persistedOnly ? (request) => options.isService(request) : true,
      customErrors: {
        notFound: badRequest('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND'),
        keyNotFound: badRequest(
          'send a query, or extensions.persistedQuery { version: 1, sha256Hash }',
          'BAD_REQUEST',
        ),
        persistedQueryOnly: badRequest(
          "this gateway runs only the mini program's persisted operations; services send other documents with an API key",
          'PERSISTED_QUERY_REQUIRED',
        ),
      },
    }),
  ];
}
