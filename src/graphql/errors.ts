// The one place errors become docs/errors.md's `extensions.code`s: domain refusals and known application errors keep
// their code, message and extensions (a BAD_USER_INPUT's `fields` with rule names, NO_SEATS_AVAILABLE's `seats`,
// NOT_FOUND's `kind`), and anything else is masked (and logged, with the request id, by logMaskedErrors) as
// INTERNAL_SERVER_ERROR: no stack, no SQL, no driver message to the client.
import type { GraphQLRequestContextDidEncounterErrors } from '@apollo/server';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { RateLimited } from '../auth/rate-limited';
import { DOMAIN_RULE, DomainError, InvalidInput, NoSeatsAvailable, NotFound } from '../domain/errors';
import { EventStoreUnavailable } from '../eventstore/port';
import { CommittedNotYetVisible } from '../queries/read-your-writes';
import type { GraphQLContext } from './context';

/**
 * The codes of docs/errors.md: an error carrying one of these as its `code` is a deliberate answer, not a failure.
 * test/docs/reference.test.ts checks that every code named in this file is documented there.
 */
const API_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'NO_SEATS_AVAILABLE',
  'ALREADY_ASSIGNED',
  'NOT_ASSIGNED',
  'PLAN_MISMATCH',
  'NOT_AN_UPGRADE',
  'EMAIL_TAKEN',
  'USER_INACTIVE',
  'IDEMPOTENCY_KEY_REUSED',
  'CONFLICT',
  'SERVICE_UNAVAILABLE',
  'COMMITTED_NOT_YET_VISIBLE',
  'RATE_LIMITED',
  'INVITATION_EXPIRED',
]);

/** Apollo's and graphql's own request errors (parse, validation, variables, malformed requests) keep their codes. */
const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export const INTERNAL_ERROR_MESSAGE = 'Internal server error; it has been logged. Try again later.';
/** The log cannot be written (disk full, read-only, store unreachable): the change was not made, a retry may work. */
const SERVICE_UNAVAILABLE_MESSAGE =
  'The ledger cannot record changes right now (its storage is unavailable); nothing was changed. Try again later.';

/** One broken rule: its stable machine name (docs/errors.md) and a sentence for people. */
interface RuleProblem {
  readonly rule: string;
  readonly message: string;
}

/** `extensions.fields[]` of every BAD_USER_INPUT. */
interface FieldProblem {
  readonly field: string;
  readonly rules: readonly RuleProblem[];
}

/** Flattens class-validator's tree into `field` paths; values never leave (a password may be among them). */
function fieldProblems(errors: readonly ClassValidatorError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const rules = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ rule, message }));
    const own = rules.length > 0 ? [{ field, rules }] : [];
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

/**
 * A BAD_USER_INPUT's extensions: `fields`, and `field` (the first one's name) kept for one release for clients of
 * the earlier shape.
 */
function badInput(problems: readonly FieldProblem[]): Record<string, unknown> {
  return { ...(problems[0] ? { field: problems[0].field } : {}), fields: problems };
}

// graphql-js's coercion errors name the variable first: `Variable "$asOf" got invalid value …`.
const VARIABLE_NAME = /^Variable "\$([^"]+)"/;

/** A variable that did not coerce (a DateTime that is not one, a missing non-null): the variable is the field. */
function variableProblem(message: string): FieldProblem {
  return { field: VARIABLE_NAME.exec(message)?.[1] ?? 'variables', rules: [{ rule: 'variableType', message }] };
}

type Classified =
  | {
      readonly kind: 'answer';
      readonly code: string;
      readonly message: string;
      readonly extra?: Record<string, unknown>;
    }
  | { readonly kind: 'request'; readonly code: string }
  /** Storage trouble: answered as SERVICE_UNAVAILABLE, and logged like an unexpected failure (an operator acts). */
  | { readonly kind: 'unavailable'; readonly cause: unknown }
  | { readonly kind: 'unexpected'; readonly cause: unknown };

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isClientStatus(http: unknown): boolean {
  const status = typeof http === 'object' && http !== null ? (http as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** What an error is, seen from the client: a deliberate answer, a bad request, or our failure. */
export function classifyError(error: unknown): Classified {
  // Parse, validation and variable errors carry their code on the outer error (Apollo's wrappers); resolver errors
  // have a path and are judged by their cause below.
  if (error instanceof GraphQLError && error.path === undefined) {
    const code = codeOf(error.extensions);
    if (code && REQUEST_ERROR_CODES.has(code)) return { kind: 'request', code };
    // Apollo refuses some malformed requests with an HTTP 4xx and no code (a persisted-query hash that does not match
    // its query, an unknown persisted-query version): the client's mistake, not ours.
    if (code === undefined && isClientStatus(error.extensions.http)) return { kind: 'request', code: 'BAD_REQUEST' };
  }
  // Errors thrown in resolvers arrive wrapped in a located GraphQLError; the cause is what counts.
  const cause = error instanceof GraphQLError && error.originalError ? error.originalError : error;

  // A validator that threw (rather than answering false) leaves an Error where the list of failures should be:
  // that is our failure, not the caller's input, and must still be answered cleanly.
  if (cause instanceof ArgumentValidationError && Array.isArray(cause.extensions.validationErrors)) {
    const problems = fieldProblems(cause.extensions.validationErrors);
    const message = problems.map((p) => p.rules.map((r) => r.message).join(', ')).join('; ');
    return { kind: 'answer', code: 'BAD_USER_INPUT', message: `Invalid input: ${message}`, extra: badInput(problems) };
  }
  if (cause instanceof EventStoreUnavailable) return { kind: 'unavailable', cause };
  // A success the read models do not show yet: the client re-reads after `position` rather than retrying.
  if (cause instanceof CommittedNotYetVisible) {
    return { kind: 'answer', code: cause.code, message: cause.message, extra: { position: cause.position } };
  }
  if (cause instanceof InvalidInput) {
    const problems = [{ field: cause.field, rules: [{ rule: cause.rule, message: cause.message }] }];
    return { kind: 'answer', code: cause.code, message: cause.message, extra: badInput(problems) };
  }
  // Too many attempts: the client learns when to try again rather than retrying at once.
  if (cause instanceof RateLimited) {
    return {
      kind: 'answer',
      code: cause.code,
      message: cause.message,
      extra: { retryAfterSeconds: cause.retryAfterSeconds },
    };
  }
  if (cause instanceof NoSeatsAvailable) {
    return { kind: 'answer', code: cause.code, message: cause.message, extra: { seats: cause.seats } };
  }
  if (cause instanceof NotFound) {
    return { kind: 'answer', code: cause.code, message: cause.message, extra: { kind: cause.kind } };
  }
  if (cause instanceof DomainError) return { kind: 'answer', code: cause.code, message: cause.message };
  // Deliberate answers raised as GraphQLErrors (the auth checker's UNAUTHENTICATED) or as the application's own
  // errors carrying an api.md code (Unauthenticated, Conflict).
  const code = codeOf(cause instanceof GraphQLError ? cause.extensions : cause);
  if (cause instanceof Error && code && API_ERROR_CODES.has(code)) {
    // A BAD_USER_INPUT raised outside the validators and the domain still has the one shape; UNAUTHENTICATED says
    // why where the client can act on it (TOKEN_EXPIRED: refresh the session).
    const reason = cause instanceof GraphQLError ? cause.extensions.reason : undefined;
    const extra =
      code === 'BAD_USER_INPUT'
        ? badInput([{ field: 'input', rules: [{ rule: DOMAIN_RULE, message: cause.message }] }])
        : typeof reason === 'string'
          ? { reason }
          : {};
    return { kind: 'answer', code, message: cause.message, extra };
  }
  return { kind: 'unexpected', cause };
}

/** Apollo Server's `formatError`. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const classified = classifyError(error);
  const base = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  switch (classified.kind) {
    case 'answer':
      return { message: classified.message, ...base, extensions: { code: classified.code, ...classified.extra } };
    case 'request': {
      const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
      // Every BAD_USER_INPUT has the one shape, a variable's included.
      const extra = classified.code === 'BAD_USER_INPUT' ? badInput([variableProblem(formatted.message)]) : {};
      return { message: formatted.message, ...base, extensions: { ...extensions, ...extra, code: classified.code } };
    }
    case 'unavailable':
      return { message: SERVICE_UNAVAILABLE_MESSAGE, ...base, extensions: { code: 'SERVICE_UNAVAILABLE' } };
    case 'unexpected':
      return { message: INTERNAL_ERROR_MESSAGE, ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
}

/** Logs each masked error once, on the request's own logger (so the line carries its request id). */
export function logMaskedErrors({
  errors,
  contextValue,
  operationName,
}: GraphQLRequestContextDidEncounterErrors<GraphQLContext>): void {
  for (const error of errors) {
    const classified = classifyError(error);
    if (classified.kind !== 'unexpected' && classified.kind !== 'unavailable') continue;
    contextValue.logger.error(
      { err: classified.cause, path: error.path?.join('.'), operation: operationName ?? undefined },
      classified.kind === 'unavailable'
        ? 'storage unavailable, answered as SERVICE_UNAVAILABLE'
        : 'unexpected error answered as INTERNAL_SERVER_ERROR',
    );
  }
}
