// Authentication per field: every resolver but signUp, login and activateAccount needs a viewer; `__typename` and
// introspection never reach a resolver, so they answer without a token (SPA tooling reads the schema).
import { GraphQLError } from 'graphql';
import type { AuthCheckerFn } from 'type-graphql';
import type { Caller, GraphQLContext } from './context';

export function unauthenticated(message = 'not signed in: send Authorization: Bearer <token>'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/** Roles are checked by the deciders (FORBIDDEN), so the checker only asks whether someone is signed in. */
export const authChecker: AuthCheckerFn<GraphQLContext> = ({ context }) => {
  if (!context.viewer) throw unauthenticated();
  return true;
};

/** The signed-in caller of an @Authorized resolver. */
export function callerOf(ctx: GraphQLContext): Caller {
  if (!ctx.viewer) throw unauthenticated();
  return { viewer: ctx.viewer, requestId: ctx.requestId };
}
