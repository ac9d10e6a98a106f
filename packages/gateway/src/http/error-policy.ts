import { GraphQLError } from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';
import { REQUEST_ERROR_CODES } from '../graphql/errors';

/** Every extensions.code a client can see: the contract's request errors plus refusals of the request itself. */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  ...REQUEST_ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_REQUIRED',
  'REQUEST_ENTITY_TOO_LARGE',
  'OPERATION_RESOLUTION_FAILURE',
]);

const VARIABLE_ERROR = /^Variable "\$(\w+)" /;
const VARIABLE_PATH = / at "(\w+(?:\.\w+|\[\d+\])*)"; /g;

/**
 * graphql-js quotes the whole offending variable value in its coercion errors, which for
 * StartVerificationInput would put a name and ID number in the response. Keep the variable, the path
 * and the kind of problem; drop the value.
 */
function withoutEchoedValue(error: GraphQLError): GraphQLError {
  const variable = VARIABLE_ERROR.exec(error.message)?.[1];
  if (variable === undefined) return error;
  const path = [...error.message.matchAll(VARIABLE_PATH)].at(-1)?.[1] ?? null;
  const problem = /was not provided/.test(error.message)
    ? 'a required value is missing'
    : /is not defined by type/.test(error.message)
      ? 'it has a field the input type does not define'
      : 'a value has the wrong type or format';
  return new GraphQLError(
    `Variable "$${variable}" got an invalid value${path ? ` at "${path}"` : ''}: ${problem}`,
    {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      extensions: {
        ...error.extensions,
        code: 'BAD_USER_INPUT',
        field: path ? (path.split('.').at(-1) ?? variable) : variable,
      },
    },
  );
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/**
 * graphql-js suggests close names in validation errors ("Did you mean the enum value VERIFIED?"), which maps
 * the schema for whoever guesses; graphql-armor hides field suggestions only.
 */
function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** What a client may see of a request-level error: never the parser's quote of the body. */
export function forClient(error: GraphQLError, production: boolean): GraphQLError {
  const sanitized = withoutEchoedValue(production ? withoutSuggestions(error) : error);
  if (sanitized.extensions?.originalError === undefined) return sanitized;
  const { originalError: _quote, ...extensions } = sanitized.extensions;
  return new GraphQLError(sanitized.message, {
    nodes: sanitized.nodes,
    source: sanitized.source,
    positions: sanitized.positions,
    path: sanitized.path,
    extensions,
  });
}

/**
 * A code for the errors yoga and graphql-js raise without one (a missing CSRF header, a variable of the
 * wrong type, an unknown operation name), so every error a client sees carries an extensions.code.
 */
export function withCode(error: GraphQLError): GraphQLError {
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  const code =
    status === 403
      ? 'FORBIDDEN'
      : status === 413
        ? 'REQUEST_ENTITY_TOO_LARGE'
        : error.message.startsWith('Variable "$')
          ? 'BAD_USER_INPUT'
          : 'BAD_REQUEST';
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** Validation errors never reach maskError: their "Did you mean" suggestions are removed here. */
export function hideSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length > 0) {
          setResult(result.map((e: Error) => (e instanceof GraphQLError ? withoutSuggestions(e) : e)));
        }
      };
    },
  };
}
