// How arguments are checked against their class-validator rules: what type-graphql does with its `validate` settings,
// but with class-validator imported once. type-graphql requires it again on every validated argument, and that
// require takes Node's slow path (another module loaded it first): about 2% of the main thread under bench:api.
import { getMetadataStorage, type ValidationError, type ValidatorOptions, validateOrReject } from 'class-validator';
import { ArgumentValidationError, type ValidatorFn } from 'type-graphql';

// class-validator looks up a class's rules on every validation, walking every class it knows with `instanceof`
// (2.5 of the 16.5 µs that assignLicense's input took under bench:api). Rules change only while decorators run (at
// load), so each class's answer is kept until a rule is added; lookups by validation group (we use none) are not.
const storage = getMetadataStorage();
const lookUp = storage.getTargetValidationMetadatas.bind(storage);
let kept = new WeakMap<object, Map<string, ReturnType<typeof lookUp>>>();
/** Argument classes without a single rule (GraphQL itself checks enums and DateTime) are not handed to class-validator. */
let hasRules = new Map<unknown, boolean>();
storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
  if (groups !== undefined && groups.length > 0) return lookUp(target, schema, always, strictGroups, groups);
  const key = `${schema}\u0000${always}\u0000${strictGroups}`;
  let byKey = kept.get(target);
  if (byKey === undefined) {
    byKey = new Map();
    kept.set(target, byKey);
  }
  let rules = byKey.get(key);
  if (rules === undefined) {
    rules = lookUp(target, schema, always, strictGroups, groups);
    byKey.set(key, rules);
  }
  return rules;
};
for (const add of ['addValidationMetadata', 'addConstraintMetadata'] as const) {
  const original = storage[add].bind(storage) as (metadata: never) => void;
  storage[add] = (metadata: never) => {
    kept = new WeakMap();
    hasRules = new Map();
    original(metadata);
  };
}

// skipMissingProperties off: an explicit null in a defaulted argument (first: null) must fail its rule.
const OPTIONS: ValidatorOptions = {
  forbidUnknownValues: false,
  skipMissingProperties: false,
  validationError: { target: false, value: false },
};

function ruled(type: unknown): boolean {
  let known = hasRules.get(type);
  if (known === undefined) {
    known = typeof type === 'function' && storage.getTargetValidationMetadatas(type, '', true, false).length > 0;
    hasRules.set(type, known);
  }
  return known;
}

const isObject = (value: unknown): value is object => value !== null && typeof value === 'object';

/** Throws type-graphql's ArgumentValidationError (BAD_USER_INPUT, see errors.ts) when a rule fails. */
export async function checkArguments(value: object): Promise<void> {
  try {
    await (Array.isArray(value)
      ? Promise.all(value.filter(isObject).map((item) => validateOrReject(item, OPTIONS)))
      : validateOrReject(value, OPTIONS));
  } catch (error) {
    throw new ArgumentValidationError(error as ValidationError[]);
  }
}

/** buildSchema's validateFn. */
export const validateArguments: ValidatorFn = async (argValue, argType) => {
  if (isObject(argValue) && ruled(argType)) await checkArguments(argValue);
};
