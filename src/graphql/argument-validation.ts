// How arguments are checked against their class-validator rules: what type-graphql does with its `validate` settings,
// but with class-validator imported once. type-graphql requires it again on every validated argument, and that
// require takes Node's slow path (another module loaded it first): about 2% of the main thread under bench:api.
import { getMetadataStorage, type ValidationError, type ValidatorOptions, validateOrReject } from 'class-validator';
import { ArgumentValidationError, type ValidatorFn } from 'type-graphql';

// skipMissingProperties off: an explicit null in a defaulted argument (first: null) must fail its rule.
const OPTIONS: ValidatorOptions = {
  forbidUnknownValues: false,
  skipMissingProperties: false,
  validationError: { target: false, value: false },
};

/** Argument classes without a single rule (GraphQL itself checks enums and DateTime) are not handed to class-validator. */
const hasRules = new Map<unknown, boolean>();

function ruled(type: unknown): boolean {
  let known = hasRules.get(type);
  if (known === undefined) {
    known =
      typeof type === 'function' && getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
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
