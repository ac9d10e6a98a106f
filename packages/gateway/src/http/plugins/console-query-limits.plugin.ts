import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql/index.js';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../../application/auth/viewer';
import {
  CONSOLE_RETRY_AFTER_SECONDS,
  type ConsoleQueryGate,
} from '../../application/console/console-query-gate';
import type { GatewayContext } from '../../graphql/context';
import { rateLimited } from '../../graphql/errors';

/**
 * What one occurrence of a console field costs the database, in units of a paged, indexed read. The period
 * aggregates scan up to a year of sessions. Every occurrence counts: ten aliases of failureBreakdown cost ten
 * times one (graphql-armor's cost limit counts fields alike, and would let them through).
 */
export const CONSOLE_FIELD_COSTS: Readonly<Record<string, number>> = {
  'Query.consoleOverview': 5,
  'Query.failureBreakdown': 5,
  'Query.consoleSessions': 2,
  'Query.consoleSession': 1,
  'Query.systemStatus': 1,
  'ConsoleSession.timeline': 1,
};

/** Per operation: an overview and a failure breakdown together, not more. Each console page asks for one. */
export const MAX_CONSOLE_COST = 10;

/** The console cost of one operation, fragments counted at each spread (each fragment walked once). */
export function consoleCostOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  const fragmentCosts = new Map<string, number>();
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
        const field = fields[selection.name.value];
        if (field === undefined) continue;
        cost += CONSOLE_FIELD_COSTS[`${parent.name}.${field.name}`] ?? 0;
        const type = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(type)) cost += walk(selection.selectionSet, type);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(type)) cost += walk(selection.selectionSet, type);
      } else {
        const name = selection.name.value;
        let fragmentCost = fragmentCosts.get(name);
        if (fragmentCost === undefined) {
          // a cycle (refused by validation anyway) counts nothing while it is being walked
          fragmentCosts.set(name, 0);
          const fragment = fragments.get(name);
          const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          fragmentCost = fragment && isCompositeType(type) ? walk(fragment.selectionSet, type) : 0;
          fragmentCosts.set(name, fragmentCost);
        }
        cost += fragmentCost;
      }
    }
    return cost;
  };
  const root = schema.getRootType(operation.operation);
  return root ? walk(operation.selectionSet, root) : 0;
}

const fragmentsOf = (document: DocumentNode) =>
  new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );

/** Refuses, before anything runs, an operation whose console fields cost more than MAX_CONSOLE_COST. */
export function consoleCostRule(context: ValidationContext) {
  const fragments = fragmentsOf(context.getDocument());
  return {
    OperationDefinition(operation: OperationDefinitionNode) {
      const cost = consoleCostOf(context.getSchema(), operation, fragments);
      if (cost <= MAX_CONSOLE_COST) return;
      context.reportError(
        new GraphQLError(
          `this operation asks the console for ${cost} cost units, more than ${MAX_CONSOLE_COST}: consoleOverview and failureBreakdown cost 5 each, consoleSessions 2, consoleSession, systemStatus and each timeline 1, and every alias counts; send fewer per request`,
          {
            nodes: [operation],
            extensions: { code: 'BAD_USER_INPUT', rule: 'CONSOLE_COST', cost, maxCost: MAX_CONSOLE_COST },
          },
        ),
      );
    },
  };
}

const readsConsole = (viewer: Viewer): viewer is Extract<Viewer, { kind: 'service' }> =>
  viewer.kind === 'service' &&
  (viewer.scopes.includes('console:read') || viewer.scopes.includes('console:admin'));

/** The operation a request runs: the named one, else the only one. */
function operationOf(document: DocumentNode, name: string | null | undefined) {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return name ? operations.find((o) => o.name?.value === name) : operations[0];
}

/**
 * The console's limits on the database: the cost rule above, and a console key's requests that read it go
 * through the gate (one at a time per key, a few at a time in all) for their whole execution. A request
 * that cannot get in within the gate's wait is RATE_LIMITED with Retry-After.
 */
export function consoleQueryLimitsPlugin(gate: ConsoleQueryGate): Plugin<GatewayContext> {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(consoleCostRule);
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const { viewer } = args.contextValue;
      if (!readsConsole(viewer)) return;
      const operation = operationOf(args.document, args.operationName);
      if (!operation || consoleCostOf(args.schema, operation, fragmentsOf(args.document)) === 0) return;
      setExecuteFn(async (executionArgs) => {
        const release = await gate.acquire(viewer.keyId);
        if (release === null) return { errors: [rateLimited(CONSOLE_RETRY_AFTER_SECONDS)] };
        try {
          return await executeFn(executionArgs);
        } finally {
          release();
        }
      });
    },
  };
}
