// The Query root: each field reads the viewer's account through the services or the per-request loaders.
import { Args, Authorized, Ctx, Extensions, Query, Resolver } from 'type-graphql';
import { plansOf } from '../../domain/plans';
import type {
  AccountRow,
  Connection,
  CountedConnection,
  LicenseEventRow,
  ProductSubscriptionRow,
  SeatAvailabilityRow,
  UserRow,
} from '../../queries/rows';
import { callerOf, unauthenticated } from '../auth';
import type { GraphQLContext } from '../context';
import { LicenseHistoryArgs, PlansArgs, SeatAvailabilityArgs, UserArgs, UsersArgs } from '../types/inputs';
import {
  Account,
  LicenseEventConnection,
  Plan,
  ProductSubscription,
  SeatAvailability,
  User,
  UserConnection,
} from '../types/objects';

@Authorized()
@Resolver()
export class QueryResolver {
  @Query(() => User, { description: 'The signed-in user (the one the access token names).' })
  async me(@Ctx() ctx: GraphQLContext): Promise<UserRow> {
    const { viewer } = callerOf(ctx);
    const user = await ctx.loaders(viewer.accountId).userById.load(viewer.userId);
    // The viewer was resolved from our own records a moment ago; a miss means the read model lags or the user left.
    if (!user) throw unauthenticated('the signed-in user is unknown');
    return user;
  }

  @Query(() => Account, { description: "The caller's account." })
  account(@Ctx() ctx: GraphQLContext): Promise<AccountRow> {
    return ctx.services.account(callerOf(ctx).viewer.accountId);
  }

  @Query(() => [Plan], { description: 'The plan catalogue, by product and rank (the same for every account).' })
  plans(@Args(() => PlansArgs) { product }: PlansArgs): readonly Plan[] {
    return plansOf(product ?? undefined);
  }

  @Query(() => SeatAvailability, { description: 'Current seats, or as they stood at `asOf` (folded from the log).' })
  seatAvailability(
    @Args(() => SeatAvailabilityArgs) { product, asOf }: SeatAvailabilityArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SeatAvailabilityRow> {
    return ctx.services.seatAvailability(callerOf(ctx).viewer.accountId, product, asOf ?? null);
  }

  @Query(() => [ProductSubscription], {
    description: "The caller's account's subscriptions, one per product bought, in the catalogue's order.",
  })
  subscriptions(@Ctx() ctx: GraphQLContext): Promise<readonly ProductSubscriptionRow[]> {
    return ctx.services.subscriptions(callerOf(ctx).viewer.accountId);
  }

  @Query(() => UserConnection, {
    description:
      "The caller's account's users, active and deactivated, in the order they were added, a page at a time.",
  })
  @Extensions({ defaultPageSize: 20 })
  users(
    @Args(() => UsersArgs) { search, first, after, last, before }: UsersArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CountedConnection<UserRow>> {
    return ctx.services.searchUsers(callerOf(ctx).viewer.accountId, { search, first, after, last, before });
  }

  @Query(() => User, { nullable: true, description: "A user of the caller's account by id; null for any other id." })
  user(@Args(() => UserArgs) { id }: UserArgs, @Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    return ctx.loaders(callerOf(ctx).viewer.accountId).userById.load(id);
  }

  @Query(() => LicenseEventConnection, { description: "The caller's account's history, oldest first." })
  @Extensions({ defaultPageSize: 50 })
  licenseHistory(
    @Args(() => LicenseHistoryArgs) { userId, product, first, after, last, before }: LicenseHistoryArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<LicenseEventRow>> {
    const accountId = callerOf(ctx).viewer.accountId;
    return ctx.services.licenseHistory(accountId, { userId, product, first, after, last, before });
  }
}
