// The input rules of api.md as class-validator decorators; every message starts with the field's name and states
// the rule, since it reaches the client verbatim as a BAD_USER_INPUT error.
import { isEmail, ValidateBy, type ValidationOptions } from 'class-validator';
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords';

const LIMITS = {
  emailLength: 254,
  nameLength: 200,
  passwordMin: MIN_PASSWORD_LENGTH,
  passwordMax: 200,
  quantityMax: 10_000,
  pageMax: 500,
  cursorLength: 200,
  idLength: 200,
  searchLength: 200,
  reasonLength: 500,
  tokenLength: 1000,
  idempotencyKeyLength: 100,
} as const;

const IDEMPOTENCY_KEY = new RegExp(`^[A-Za-z0-9_\\-:.]{1,${LIMITS.idempotencyKeyLength}}$`);

// A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would keep replacement characters instead of what was
// sent, and some checks (validator.js's isEmail) throw on one. So text must be well-formed Unicode to get anywhere.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isMalformedText = (value: unknown) => typeof value === 'string' && LONE_SURROGATE.test(value);

function rule(
  name: string,
  validate: (value: unknown) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value) => !isMalformedText(value) && validate(value),
        defaultMessage: (args) =>
          isMalformedText(args?.value)
            ? '$property must be well-formed Unicode text (it holds a lone surrogate)'
            : `$property ${message}`,
      },
    },
    options,
  );
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Compared and stored trimmed: blank names and names over the limit after trimming are refused. */
export const IsName = () =>
  rule(
    'isName',
    (v) => isString(v) && v.trim().length > 0 && v.trim().length <= LIMITS.nameLength,
    `must be a non-blank text of at most ${LIMITS.nameLength} characters`,
  );

export const IsEmailAddress = () =>
  rule(
    'isEmailAddress',
    (v) => isString(v) && v.trim().length <= LIMITS.emailLength && isEmail(v.trim()),
    `must be an e-mail address like name@example.com of at most ${LIMITS.emailLength} characters`,
  );

export const IsNewPassword = () =>
  rule(
    'isNewPassword',
    (v) => isString(v) && v.length >= LIMITS.passwordMin && v.length <= LIMITS.passwordMax,
    `must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters long`,
  );

/** A login only bounds what it hashes; a wrong password is UNAUTHENTICATED, not a validation error. */
export const IsPasswordAttempt = () =>
  rule(
    'isPasswordAttempt',
    (v) => isString(v) && v.length > 0 && v.length <= LIMITS.passwordMax,
    `must be 1 to ${LIMITS.passwordMax} characters long`,
  );

export const IsQuantity = () =>
  rule(
    'isQuantity',
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= LIMITS.quantityMax,
    `must be a whole number from 1 to ${LIMITS.quantityMax}`,
  );

export const IsPageSize = () =>
  rule(
    'isPageSize',
    (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= LIMITS.pageMax,
    `must be a whole number from 1 to ${LIMITS.pageMax}`,
  );

const boundedText = (name: string, max: number, what: string) => (options?: ValidationOptions) =>
  rule(
    name,
    (v) => isString(v) && v.length > 0 && v.length <= max,
    `must be ${what} of 1 to ${max} characters`,
    options,
  );

export const IsCursor = boundedText('isCursor', LIMITS.cursorLength, 'a cursor');
// Log positions of either adapter: 16 digits (SQLite) or 20 digits, a dash, 20 digits (EventStoreDB).
const POSITION = /^\d{1,20}(-\d{1,20})?$/;
/** A history cursor is a log position: anything else would silently page from a wrong place. */
export const IsPosition = () =>
  rule(
    'isPosition',
    (v) => isString(v) && POSITION.test(v),
    'must be a position (or cursor) this history answered, e.g. 0000000000000042',
  );
export const IsEntityId = boundedText('isEntityId', LIMITS.idLength, 'an id');
export const IsSearchText = () =>
  rule(
    'isSearchText',
    (v) => isString(v) && v.length <= LIMITS.searchLength,
    `must be at most ${LIMITS.searchLength} characters`,
  );
export const IsReason = () =>
  rule(
    'isReason',
    (v) => isString(v) && v.length <= LIMITS.reasonLength,
    `must be at most ${LIMITS.reasonLength} characters`,
  );
export const IsSecretToken = boundedText('isSecretToken', LIMITS.tokenLength, 'a token');

export const IsIdempotencyKey = () =>
  rule(
    'isIdempotencyKey',
    (v) => isString(v) && IDEMPOTENCY_KEY.test(v),
    `must be 1 to ${LIMITS.idempotencyKeyLength} characters of A-Z, a-z, 0-9, _, -, : and .`,
  );

/** `last` pages backward and `first` forward: one request asks for one of them (Relay's connection spec). */
export const IsNotWithFirst = () =>
  ValidateBy({
    name: 'isNotWithFirst',
    validator: {
      validate: (value, args) => value == null || (args?.object as { first?: unknown } | undefined)?.first == null,
      defaultMessage: () =>
        '$property cannot be combined with first: page forward with first/after or backward with last/before',
    },
  });
