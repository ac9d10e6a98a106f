import { MAX_VERIFY_RESULT_LENGTH } from '@facegate/domain';
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';
import { badUserInput } from '../../graphql/errors';

/**
 * The longest string any argument takes: a legacy verifyResult. Each field bounds its own input more tightly;
 * this is the floor under all of them.
 */
export const MAX_INPUT_STRING_LENGTH = MAX_VERIFY_RESULT_LENGTH;

export type StringProblem = 'STRING_TOO_LONG' | 'STRING_NUL' | 'STRING_LONE_SURROGATE';

/** A UTF-16 surrogate not paired with its other half (under the u flag, pairs are one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What is wrong with a string no input may hold: NUL (PostgreSQL text cannot store it, so it would fail the
 * statement), a lone surrogate (not Unicode; no UTF-8 encoding exists) or more than MAX_INPUT_STRING_LENGTH.
 */
export function stringProblem(value: string): StringProblem | null {
  if (value.length > MAX_INPUT_STRING_LENGTH) return 'STRING_TOO_LONG';
  if (value.includes('\u0000')) return 'STRING_NUL';
  if (LONE_SURROGATE.test(value)) return 'STRING_LONE_SURROGATE';
  return null;
}

const MESSAGES: Record<StringProblem, string> = {
  STRING_TOO_LONG: `must be at most ${MAX_INPUT_STRING_LENGTH} characters`,
  STRING_NUL: 'must not contain NUL characters',
  STRING_LONE_SURROGATE: 'must be valid Unicode (it holds a lone UTF-16 surrogate)',
};

type Path = readonly (string | number)[];

const pathText = (path: Path) =>
  path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    '',
  );

function refusal(problem: StringProblem, path: Path): GraphQLError {
  const argument = pathText(path);
  const field = [...path].reverse().find((p): p is string => typeof p === 'string' && !p.startsWith('$'));
  return badUserInput(field ?? argument, problem, `${argument} ${MESSAGES[problem]}`, { argument });
}

/** The first bad string in a JSON value (object keys included), walked without recursion. */
function checkJson(value: unknown, at: Path): GraphQLError | null {
  const stack: [unknown, Path][] = [[value, at]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem !== null) return refusal(problem, path);
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], [...path, i]]);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current).reverse()) {
        const problem = stringProblem(key);
        if (problem !== null) return refusal(problem, [...path, key]);
        stack.push([item, [...path, key]]);
      }
    }
  }
  return null;
}

interface DocumentArguments {
  /** The first bad string literal among the arguments. */
  readonly literal: GraphQLError | null;
  /** Where each variable is first used: field.argument(.inputField)*. */
  readonly usedAt: ReadonlyMap<string, Path>;
}

/** yoga hands the same DocumentNode for a cached document: its walk is kept with it. */
const walked = new WeakMap<DocumentNode, DocumentArguments>();

function documentArguments(document: DocumentNode): DocumentArguments {
  let found = walked.get(document);
  if (found === undefined) {
    found = walkArguments(document);
    walked.set(document, found);
  }
  return found;
}

/** Walks every field argument of the document (operations and fragments) without recursion. */
function walkArguments(document: DocumentNode): DocumentArguments {
  const usedAt = new Map<string, Path>();
  let literal: GraphQLError | null = null;
  const values: [ValueNode, Path][] = [];
  const selections: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
      selections.push(definition.selectionSet);
    }
  }
  while (selections.length > 0) {
    for (const selection of selections.pop()!.selections) {
      if (selection.kind === Kind.FIELD) {
        for (const argument of selection.arguments ?? []) {
          values.push([argument.value, [selection.name.value, argument.name.value]]);
        }
      }
      if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) {
        selections.push(selection.selectionSet);
      }
    }
  }
  while (values.length > 0) {
    const [value, path] = values.pop()!;
    switch (value.kind) {
      case Kind.STRING: {
        const problem = stringProblem(value.value);
        if (problem !== null && literal === null) literal = refusal(problem, path);
        break;
      }
      case Kind.VARIABLE:
        if (!usedAt.has(value.name.value)) usedAt.set(value.name.value, path);
        break;
      case Kind.LIST:
        value.values.forEach((item, i) => {
          values.push([item, [...path, i]]);
        });
        break;
      case Kind.OBJECT:
        for (const field of value.fields) values.push([field.value, [...path, field.name.value]]);
        break;
      default:
        break;
    }
  }
  return { literal, usedAt };
}

/** The refusal for the first bad string among the document's literals and the request's variables. */
export function checkInputStrings(
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | null {
  const { literal, usedAt } = documentArguments(document);
  if (literal !== null) return literal;
  for (const [name, value] of Object.entries(variables ?? {})) {
    const problem = checkJson(value, usedAt.get(name) ?? [`$${name}`]);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * One check of every string a request brings, before any resolver runs: every argument literal and every
 * variable of every operation (queries, mutations, subscriptions), at any depth of input objects and lists.
 * A bad one is refused as BAD_USER_INPUT naming the argument (extensions.argument, e.g.
 * createApiKey.input.name), never a database error further down. The value itself is never echoed.
 */
export function inputStringsPlugin(): Plugin {
  const refuse = (document: DocumentNode, variables: unknown): ExecutionResult | null => {
    const error = checkInputStrings(document, variables as Record<string, unknown> | null | undefined);
    return error === null ? null : { errors: [error] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refuse(args.document, args.variableValues);
      if (refused !== null) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refuse(args.document, args.variableValues);
      if (refused !== null) setResultAndStopExecution(refused);
    },
  };
}
