// Authentication per field: every resolver but signUp, login, activateAccount and refreshSession needs a viewer;
// `__typename` and introspection never reach a resolver, so they answer without a token (SPA tooling reads the schema).
// A token refused for a reason the client can act on says so in `extensions.reason` (TOKEN_EXPIRED: refresh).
import { GraphQLError } from 'graphql';
import type { AuthCheckerFn } from 'type-graphql';
import type { TokenRefusal } from '../auth/sessions-authentication';
import type { Caller, GraphQLContext } from './context';

const REFUSAL_MESSAGES: { readonly [R in TokenRefusal]: string } = {
  TOKEN_EXPIRED: 'the access token has expired: refresh the session (refreshSession) and send the new token',
  SESSION_ENDED: 'the session of this token has ended: sign in again',
};

export function unauthenticated(message = 'not signed in: send Authorization: Bearer <token>'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/** No viewer: for a token refused for a reason the client can act on, the reason (and a message saying what to do). */
function notSignedIn(refusal: TokenRefusal | null): GraphQLError {
  if (!refusal) return unauthenticated();
  return new GraphQLError(REFUSAL_MESSAGES[refusal], { extensions: { code: 'UNAUTHENTICATED', reason: refusal } });
}

/** Roles are checked by the deciders (FORBIDDEN), so the checker only asks whether someone is signed in. */
export const authChecker: AuthCheckerFn<GraphQLContext> = ({ context }) => {
  if (!context.viewer) throw notSignedIn(context.refusal);
  return true;
};

/** The signed-in caller of an @Authorized resolver. */
export function callerOf(ctx: GraphQLContext): Caller {
  if (!ctx.viewer) throw notSignedIn(ctx.refusal);
  return { viewer: ctx.viewer, requestId: ctx.requestId };
}
