// What to show a person when a call fails: the API's own message (they are written for people, docs/errors.md),
// and its code, so a page can offer a way out for the codes it knows.
import { CombinedGraphQLErrors } from '@apollo/client/errors';

export interface ShownError {
  readonly message: string;
  readonly code: string | undefined;
}

export function shownError(error: unknown): ShownError {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const code = first?.extensions?.code;
    return { message: first?.message ?? error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { message: error instanceof Error ? error.message : String(error), code: undefined };
}
