// The error mapping for a committed write the read models do not show yet: a deliberate answer with its code and
// the log position to re-read after, never masked as INTERNAL_SERVER_ERROR (and so never logged as a failure).
import { GraphQLError } from 'graphql';
import { classifyError, formatError } from '../../src/graphql/errors';
import { CommittedNotYetVisible } from '../../src/queries/read-your-writes';

/** A resolver's error as Apollo hands it over: located, wrapping what the resolver threw. */
const thrownAt = (path: string, cause: Error) =>
  new GraphQLError(cause.message, { path: [path], originalError: cause });

describe('COMMITTED_NOT_YET_VISIBLE', () => {
  it('keeps its code and carries the position in extensions', () => {
    const error = thrownAt('createUser', new CommittedNotYetVisible('00000000000000000042'));
    expect(formatError({ message: error.message, path: ['createUser'] }, error)).toEqual({
      message: expect.stringContaining('recorded'),
      path: ['createUser'],
      extensions: { code: 'COMMITTED_NOT_YET_VISIBLE', position: '00000000000000000042' },
    });
  });

  it('is an answer, not a failure to log', () => {
    expect(classifyError(thrownAt('assignLicense', new CommittedNotYetVisible('7'))).kind).toBe('answer');
    expect(classifyError(thrownAt('assignLicense', new Error('boom'))).kind).toBe('unexpected');
  });
});
