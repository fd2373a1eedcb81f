// The session mutations: refreshSession (public: the access token it renews may have expired) and logout.
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { callerOf } from '../auth';
import type { GraphQLContext } from '../context';
import { AuthPayload } from '../types/payloads';
import { LogoutInput, LogoutPayload, RefreshSessionInput } from '../types/session';

@Resolver()
export class SessionResolver {
  @Mutation(() => AuthPayload, {
    description:
      'Spends the refresh token for a new access token and refresh token. The same token sent again within a few ' +
      'seconds (two tabs racing) answers the same pair; later, it ends the whole session (it was stolen or replayed).',
  })
  refreshSession(
    @Arg('input', () => RefreshSessionInput, { description: 'The refresh token to spend.' }) input: RefreshSessionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuthPayload> {
    return ctx.services.refreshSession(
      { requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      { refreshToken: input.refreshToken },
    );
  }

  @Authorized()
  @Mutation(() => LogoutPayload, {
    description: "Ends the caller's session at once (its access and refresh tokens are refused), or all of them.",
  })
  logout(
    @Arg('input', () => LogoutInput, { nullable: true, description: 'Which sessions to end; default: this one.' })
    input: LogoutInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LogoutPayload> {
    return ctx.services.logout(callerOf(ctx), {
      sessionId: ctx.sessionId,
      allSessions: input?.allSessions === true,
    });
  }
}
