// The contract's `DateTime` scalar: ISO-8601 strings on the wire, Date inside (type-graphql's default would be
// named DateTimeISO, which is not the contract's name).
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

// A full date and time with an offset: a bare date or a local time would be read in the server's zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

function parseIso(value: unknown): Date {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 date and time with an offset, e.g. 2026-01-31T12:00:00Z', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime is not a valid instant', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return date;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant as an ISO-8601 string with an offset, e.g. 2026-01-31T12:00:00.000Z.',
  serialize(value) {
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime cannot represent a non-date value');
    return date.toISOString();
  },
  parseValue: parseIso,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('DateTime must be a string', { nodes: ast, extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseIso(ast.value);
  },
});
