// The input rules as class-validator decorators. Each decorator a field carries is made of single rules with stable
// machine names (class-validator's own constraint names where it has the rule: `isEmail`, `maxLength`, `min`, …;
// ours otherwise: `notBlank`, `noControlCharacters`, …), so a BAD_USER_INPUT lists every rule a value breaks by name
// (docs/errors.md lists them). Every message starts with the field's name and states the rule, since it reaches the
// client verbatim.
import { isEmail, ValidateBy, type ValidationOptions, validateSync } from 'class-validator';
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords';
import { MAX_AVAILABLE_AT_MOST } from '../../domain/seat-alert';

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
  bulkItems: 1000,
} as const;

/**
 * The rule names a BAD_USER_INPUT's `extensions.fields[].rules[].rule` can carry from these validators. Stable: a
 * client may switch on them (docs/errors.md lists them with the domain's own).
 */
export const VALIDATION_RULES = [
  'notBlank',
  'isNotEmpty',
  'maxLength',
  'minLength',
  'isEmail',
  'isInt',
  'min',
  'max',
  'noControlCharacters',
  'wellFormedText',
  'isIdempotencyKey',
  'isPosition',
  'arrayNotEmpty',
  'arrayMaxSize',
] as const;
type ValidationRule = (typeof VALIDATION_RULES)[number];

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]*$/;

// A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would keep replacement characters instead of what was
// sent, and some checks (validator.js's isEmail) throw on one. So text must be well-formed Unicode to get anywhere.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isMalformedText = (value: unknown) => typeof value === 'string' && LONE_SURROGATE.test(value);

// C0 (U+0000–U+001F: NUL, ESC, CR, LF, tab …), DEL and C1 (U+0080–U+009F: NEL, CSI …). Stored, they reach
// auditors' terminals, mails and logs, where an ESC sequence rewrites the screen; no name or free text needs one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

const isString = (value: unknown): value is string => typeof value === 'string';

function rule(
  name: ValidationRule,
  validate: (value: unknown) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy({ name, validator: { validate, defaultMessage: () => `$property ${message}` } }, options);
}

/** Several rules on one field: class-validator checks each and reports every one broken, under its own name. */
const rules =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };

// Each rule judges only values of its own kind (a length rule only strings, a bound only numbers), so a value of
// the wrong kind is reported once, by the rule that is about kinds, not by every rule of the field.
const wellFormedText = (options?: ValidationOptions) =>
  rule(
    'wellFormedText',
    (v) => !isMalformedText(v),
    'must be well-formed Unicode text (it holds a lone surrogate)',
    options,
  );
const noControlCharacters = (options?: ValidationOptions) =>
  rule(
    'noControlCharacters',
    (v) => !isString(v) || !CONTROL_CHARACTER.test(v),
    'must not contain control characters (U+0000–U+001F, U+007F–U+009F: tab, line breaks, ESC …)',
    options,
  );
/** Text a person typed: well-formed and free of control characters. */
const text = (options?: ValidationOptions) => rules(wellFormedText(options), noControlCharacters(options));

const notBlank = () => rule('notBlank', (v) => isString(v) && v.trim().length > 0, 'must not be blank');
const isNotEmpty = (options?: ValidationOptions) =>
  rule('isNotEmpty', (v) => isString(v) && v.length > 0, 'must not be empty', options);
/** `trimmed`: the limit applies to what is stored, the trimmed text. */
const maxLength = (max: number, trimmed = false, options?: ValidationOptions) =>
  rule(
    'maxLength',
    (v) => !isString(v) || (trimmed ? v.trim() : v).length <= max,
    `must be at most ${max} characters long`,
    options,
  );
const minLength = (min: number) =>
  rule('minLength', (v) => !isString(v) || v.length >= min, `must be at least ${min} characters long`);
const isInt = () => rule('isInt', (v) => Number.isInteger(v), 'must be a whole number');
const min = (bound: number) => rule('min', (v) => typeof v !== 'number' || v >= bound, `must be at least ${bound}`);
const max = (bound: number) => rule('max', (v) => typeof v !== 'number' || v <= bound, `must be at most ${bound}`);

/** Compared and stored trimmed: blank names and names over the limit after trimming are refused. */
export const IsName = () => rules(notBlank(), maxLength(LIMITS.nameLength, true), text());

export const IsEmailAddress = () =>
  rules(
    maxLength(LIMITS.emailLength, true),
    rule(
      'isEmail',
      // validator.js's isEmail throws on a lone surrogate: wellFormedText reports that one.
      (v) => isString(v) && (isMalformedText(v) || isEmail(v.trim())),
      'must be an e-mail address like name@example.com',
    ),
    text(),
  );

// Passwords are never shown, logged or stored as typed (only hashed), and may have been set with a tab or any
// other character before: they keep their length rules only, so nobody is locked out of their account.
export const IsNewPassword = () =>
  rules(minLength(LIMITS.passwordMin), maxLength(LIMITS.passwordMax), wellFormedText());

/** A login only bounds what it hashes; a wrong password is UNAUTHENTICATED, not a validation error. */
export const IsPasswordAttempt = () => rules(isNotEmpty(), maxLength(LIMITS.passwordMax), wellFormedText());

export const IsQuantity = () => rules(isInt(), min(1), max(LIMITS.quantityMax));

export const IsPageSize = () => rules(isInt(), min(1), max(LIMITS.pageMax));

/** A seat alert's thresholds: seats left (0 to a subscription's most), or a whole per cent (1 to 100). */
export const IsAlertSeats = () => rules(isInt(), min(0), max(MAX_AVAILABLE_AT_MOST));
export const IsAlertPercent = () => rules(isInt(), min(1), max(100));

const boundedText = (maxChars: number) => (options?: ValidationOptions) =>
  rules(isNotEmpty(options), maxLength(maxChars, false, options), text(options));

export const IsCursor = boundedText(LIMITS.cursorLength);
// Log positions of either adapter: 16 digits (SQLite) or 20 digits, a dash, 20 digits (EventStoreDB).
const POSITION = /^\d{1,20}(-\d{1,20})?$/;
/** A history cursor is a log position: anything else would silently page from a wrong place. */
export const IsPosition = () =>
  rules(
    rule(
      'isPosition',
      (v) => isString(v) && POSITION.test(v),
      'must be a position (or cursor) this history answered, e.g. 0000000000000042',
    ),
    text(),
  );
export const IsEntityId = boundedText(LIMITS.idLength);
export const IsSearchText = () => rules(maxLength(LIMITS.searchLength), text());
export const IsReason = () => rules(maxLength(LIMITS.reasonLength), text());
export const IsSecretToken = boundedText(LIMITS.tokenLength);
/** An ISO-8601 duration (`expiresIn`): bounded here, its range checked by the domain (BAD_USER_INPUT). */
export const IsDuration = boundedText(LIMITS.idLength);

export const IsIdempotencyKey = () =>
  rules(
    isNotEmpty(),
    maxLength(LIMITS.idempotencyKeyLength),
    rule(
      'isIdempotencyKey',
      (v) => isString(v) && IDEMPOTENCY_KEY.test(v),
      'must hold only A-Z, a-z, 0-9, _, -, : and .',
    ),
    text(),
  );

/**
 * The rules one item of a list breaks (an input object checked on its own, where one bad item must not refuse the
 * list): each with its field, rule name and message.
 */
export function itemProblems(item: object): { field: string; rule: string; message: string }[] {
  return validateSync(item, { forbidUnknownValues: false, skipMissingProperties: false }).flatMap((error) =>
    Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field: error.property, rule, message })),
  );
}

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

/** The list of a bulk operation: 1 to 1,000 items (duplicates are the decision's to name, by index). */
export const IsBulkList = () =>
  rules(
    rule('arrayNotEmpty', (v) => !Array.isArray(v) || v.length > 0, 'must hold at least one item'),
    rule(
      'arrayMaxSize',
      (v) => !Array.isArray(v) || v.length <= LIMITS.bulkItems,
      `must hold at most ${LIMITS.bulkItems.toLocaleString('en')} items`,
    ),
  );
