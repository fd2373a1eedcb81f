// Query limits, checked with the other validation rules before anything runs: nesting depth, a cost that grows with
// list sizes (so alias bombs and huge fan-outs are refused), and a cap on aliases. Refusals answer
// GRAPHQL_VALIDATION_FAILED with a message that states the limit. Two bounds come before validation, whose
// overlapping-fields rule is quadratic in the fields sharing a response name: the parser's token limit, and at most
// `maxSameResponseName` selections of one response name in a selection set (a cheap linear walk).
import type { BaseContext, GraphQLRequestContextValidationDidStart } from '@apollo/server';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

export interface QueryLimits {
  /** Deepest field nesting outside introspection. */
  readonly maxDepth: number;
  /** Introspection (`__schema`, `__type`) nests `ofType` deeply by design; it gets its own, larger bound. */
  readonly maxIntrospectionDepth: number;
  /** Each field costs 1; a list field multiplies what it selects by its `first` or an assumed size. */
  readonly maxCost: number;
  readonly maxAliases: number;
  /** Assumed size of a list field without a `first` argument (licences, subscriptions, plans, features ...). */
  readonly defaultListSize: number;
  /** What a `first: $variable` without a default may ask for: validation runs before variables are known. */
  readonly maxPageSize: number;
  /** Selections of one response name in one selection set (fragments' fields included), checked before validation. */
  readonly maxSameResponseName: number;
}

/** The parser stops after this many tokens (a real client query has a few hundred): it bounds parsing work. */
export const MAX_QUERY_TOKENS = 20_000;

// Sized so that 500 users with their licences, plans and assigners fit, and 20 such lists do not.
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxIntrospectionDepth: 15,
  maxCost: 50_000,
  maxAliases: 30,
  defaultListSize: 10,
  maxPageSize: 500,
  maxSameResponseName: 50,
};

interface Measure {
  readonly depth: number;
  readonly introspectionDepth: number;
  readonly cost: number;
  readonly aliases: number;
}

const NOTHING: Measure = { depth: 0, introspectionDepth: 0, cost: 0, aliases: 0 };

function tooBig(node: OperationDefinitionNode, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { nodes: node, extensions });
}

/** The validation rule Apollo Server runs after graphql's own rules. */
export function queryLimitsRule(limits: QueryLimits = DEFAULT_QUERY_LIMITS): ValidationRule {
  return (context: ValidationContext) => {
    const schema = context.getSchema();
    // One measure per fragment: a fragment spread many times (or fragments spreading each other twice at every
    // level) costs one walk, not an exponential one.
    const fragmentMeasures = new Map<string, Measure>();
    const inProgress = new Set<string>();

    const pageSize = (field: FieldNode, def: GraphQLField<unknown, unknown>, variables: Map<string, ValueNode>) => {
      // A connection pages forward with `first` or backward with `last`: either sizes it.
      const argument = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
      const declared = def.args.find((a) => a.name === 'first');
      let value: ValueNode | undefined = argument?.value;
      if (value?.kind === Kind.VARIABLE) value = variables.get(value.name.value);
      if (value?.kind === Kind.INT) return Math.max(0, Number.parseInt(value.value, 10));
      if (argument) return limits.maxPageSize;
      if (typeof declared?.defaultValue === 'number') return declared.defaultValue;
      // A connection (first or last, so no schema default) states its default page in the field's extensions.
      const fallback = def.extensions?.defaultPageSize;
      if (typeof fallback === 'number') return fallback;
      if (declared) return limits.maxPageSize;
      return undefined;
    };

    const measureSelections = (
      selectionSet: SelectionSetNode | undefined,
      parent: GraphQLNamedType | undefined,
      variables: Map<string, ValueNode>,
    ): Measure => {
      if (!selectionSet) return NOTHING;
      let depth = 0;
      let introspectionDepth = 0;
      let cost = 0;
      let aliases = 0;
      const add = (m: Measure) => {
        depth = Math.max(depth, m.depth);
        introspectionDepth = Math.max(introspectionDepth, m.introspectionDepth);
        cost += m.cost;
        aliases += m.aliases;
      };
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) add(measureField(selection, parent, variables));
        else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          add(measureSelections(selection.selectionSet, condition ?? undefined, variables));
        } else add(measureFragment(context.getFragment(selection.name.value), variables));
      }
      return { depth, introspectionDepth, cost, aliases };
    };

    const measureFragment = (
      fragment: FragmentDefinitionNode | null | undefined,
      variables: Map<string, ValueNode>,
    ) => {
      // Unknown and cyclic fragments are reported by graphql's own rules.
      if (!fragment || inProgress.has(fragment.name.value)) return NOTHING;
      const known = fragmentMeasures.get(fragment.name.value);
      if (known) return known;
      inProgress.add(fragment.name.value);
      const type = schema.getType(fragment.typeCondition.name.value) ?? undefined;
      const measure = measureSelections(fragment.selectionSet, type, variables);
      inProgress.delete(fragment.name.value);
      fragmentMeasures.set(fragment.name.value, measure);
      return measure;
    };

    const fieldDef = (parent: GraphQLNamedType | undefined, name: string) => {
      if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
      if (parent === schema.getQueryType()) {
        if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
        if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
      }
      return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
    };

    const measureField = (
      field: FieldNode,
      parent: GraphQLNamedType | undefined,
      variables: Map<string, ValueNode>,
    ): Measure => {
      const def = fieldDef(parent, field.name.value);
      const alias = field.alias ? 1 : 0;
      if (!def) return { depth: 1, introspectionDepth: 0, cost: 1, aliases: alias };
      const type = getNamedType(def.type);
      const inner = isCompositeType(type) ? measureSelections(field.selectionSet, type, variables) : NOTHING;
      const isList = isListType(getNullableType(def.type));
      // A connection's edges list is as long as the connection's `first`, which already multiplied it.
      const inConnection = parent?.name.endsWith('Connection') ?? false;
      const size = pageSize(field, def, variables) ?? (isList && !inConnection ? limits.defaultListSize : 1);
      const introspection = field.name.value.startsWith('__') || (parent?.name.startsWith('__') ?? false);
      return {
        depth: introspection ? 0 : 1 + inner.depth,
        introspectionDepth: introspection
          ? 1 + Math.max(inner.introspectionDepth, inner.depth)
          : inner.introspectionDepth,
        cost: 1 + size * inner.cost,
        aliases: alias + inner.aliases,
      };
    };

    return {
      OperationDefinition(operation) {
        // A fragment's measure depends on the operation's variable defaults.
        fragmentMeasures.clear();
        const variables = new Map<string, ValueNode>();
        for (const v of operation.variableDefinitions ?? []) {
          if (v.defaultValue) variables.set(v.variable.name.value, v.defaultValue);
        }
        const root =
          operation.operation === 'query'
            ? schema.getQueryType()
            : operation.operation === 'mutation'
              ? schema.getMutationType()
              : schema.getSubscriptionType();
        const measure = measureSelections(operation.selectionSet, root ?? undefined, variables);
        if (measure.depth > limits.maxDepth) {
          context.reportError(
            tooBig(
              operation,
              `Query is too deep: ${measure.depth} levels of fields, the limit is ${limits.maxDepth}.`,
              {
                limit: 'depth',
                max: limits.maxDepth,
                actual: measure.depth,
              },
            ),
          );
        }
        if (measure.introspectionDepth > limits.maxIntrospectionDepth) {
          context.reportError(
            tooBig(
              operation,
              `Introspection query is too deep: ${measure.introspectionDepth} levels, the limit is ${limits.maxIntrospectionDepth}.`,
              { limit: 'introspectionDepth', max: limits.maxIntrospectionDepth, actual: measure.introspectionDepth },
            ),
          );
        }
        if (measure.aliases > limits.maxAliases) {
          context.reportError(
            tooBig(operation, `Query has too many aliases: ${measure.aliases}, the limit is ${limits.maxAliases}.`, {
              limit: 'aliases',
              max: limits.maxAliases,
              actual: measure.aliases,
            }),
          );
        }
        if (measure.cost > limits.maxCost) {
          context.reportError(
            tooBig(
              operation,
              `Query is too complex: cost ${measure.cost}, the limit is ${limits.maxCost} ` +
                '(each field costs 1; a list multiplies what it selects by its `first`, or by ' +
                `${limits.defaultListSize} without one). Ask for fewer items, fields or aliases.`,
              { limit: 'cost', max: limits.maxCost, actual: measure.cost },
            ),
          );
        }
      },
    };
  };
}

interface RepeatedName {
  readonly responseName: string;
  /** The selection that went over the limit (a field, or the spread that brought it in): the error points at it. */
  readonly node: FieldNode | FragmentSpreadNode;
}

/**
 * The first response name selected more than `max` times in one selection set, or null. Inline fragments and
 * fragment spreads add their fields to the selection set they sit in, as graphql's field merging sees them; each
 * fragment's own level is counted once and remembered, so the walk is linear in the document.
 */
export function repeatedResponseName(document: DocumentNode, max: number): RepeatedName | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentLevels = new Map<string, ReadonlyMap<string, number>>();
  const inProgress = new Set<string>();
  const state: { found: RepeatedName | null } = { found: null };

  const add = (counts: Map<string, number>, responseName: string, by: number, node: RepeatedName['node']) => {
    const count = (counts.get(responseName) ?? 0) + by;
    counts.set(responseName, count);
    if (count > max) state.found ??= { responseName, node };
  };

  /** Counts what a selection set puts on its own level: its fields, its inline fragments', its spreads' (once each). */
  const countLevel = (selectionSet: SelectionSetNode, counts: Map<string, number>, spread: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (state.found) return;
      switch (selection.kind) {
        case Kind.FIELD:
          add(counts, selection.alias?.value ?? selection.name.value, 1, selection);
          break;
        case Kind.INLINE_FRAGMENT:
          countLevel(selection.selectionSet, counts, spread);
          break;
        case Kind.FRAGMENT_SPREAD:
          if (spread.has(selection.name.value)) break;
          spread.add(selection.name.value);
          for (const [responseName, by] of fragmentLevel(selection.name.value))
            add(counts, responseName, by, selection);
          break;
        default: {
          const unexpected: never = selection;
          throw new Error(`unknown selection ${JSON.stringify(unexpected)}`);
        }
      }
    }
  };

  const fragmentLevel = (name: string): ReadonlyMap<string, number> => {
    const fragment = fragments.get(name);
    // Unknown and cyclic spreads are graphql's own rules' business; they add nothing here.
    if (!fragment || inProgress.has(name)) return new Map();
    const known = fragmentLevels.get(name);
    if (known) return known;
    inProgress.add(name);
    const counts = new Map<string, number>();
    countLevel(fragment.selectionSet, counts, new Set([name]));
    inProgress.delete(name);
    fragmentLevels.set(name, counts);
    return counts;
  };

  /** Every selection set below this one, each once: a field's own selection set is a level of its own. */
  const visitBelow = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (state.found) return;
      if (selection.kind === Kind.FIELD && selection.selectionSet) checkLevel(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visitBelow(selection.selectionSet);
    }
  };
  const checkLevel = (selectionSet: SelectionSetNode) => {
    countLevel(selectionSet, new Map(), new Set());
    visitBelow(selectionSet);
  };

  for (const definition of document.definitions) {
    if (state.found) break;
    if (definition.kind === Kind.OPERATION_DEFINITION) checkLevel(definition.selectionSet);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragmentLevel(definition.name.value);
      visitBelow(definition.selectionSet);
    }
  }
  return state.found;
}

/** The refusal of a parsed document before validation, or null: validation's cost is bounded once it passes. */
export function refuseBeforeValidation(document: DocumentNode, limits: QueryLimits): GraphQLError | null {
  const repeated = repeatedResponseName(document, limits.maxSameResponseName);
  if (!repeated) return null;
  return new GraphQLError(
    `Query selects "${repeated.responseName}" more than ${limits.maxSameResponseName} times in one selection set, ` +
      `the limit is ${limits.maxSameResponseName}. Select it once, or use aliases for different arguments.`,
    {
      nodes: repeated.node,
      extensions: { limit: 'sameResponseName', max: limits.maxSameResponseName, responseName: repeated.responseName },
    },
  );
}

/**
 * The query limits for Apollo Server: a validation rule and a validationDidStart hook (for the server's one plugin).
 * Apollo has no hook that answers a request between parsing and validation, so the hook, when the document must be
 * refused, hands validation an empty stand-in document (nothing to compare, no cost) that the rule reports with the
 * refusal: the client gets an ordinary GRAPHQL_VALIDATION_FAILED (HTTP 400) and graphql's quadratic
 * overlapping-fields rule never sees the bomb.
 */
export function apolloQueryLimits<TContext extends BaseContext>(
  limits: QueryLimits,
): {
  readonly validationRule: ValidationRule;
  /** Runs on every request whose document is validated (not on those Apollo validated before). */
  readonly validationDidStart: (requestContext: GraphQLRequestContextValidationDidStart<TContext>) => void;
} {
  const refusals = new WeakMap<DocumentNode, GraphQLError>();
  const limitsRule = queryLimitsRule(limits);
  return {
    validationRule: (context) => {
      const refusal = refusals.get(context.getDocument());
      if (!refusal) return limitsRule(context);
      context.reportError(refusal);
      return {};
    },
    validationDidStart(requestContext) {
      const refusal = refuseBeforeValidation(requestContext.document, limits);
      if (!refusal) return;
      const standIn: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };
      refusals.set(standIn, refusal);
      // The pipeline validates whatever document the request context holds after this hook.
      (requestContext as { document: DocumentNode }).document = standIn;
    },
  };
}
