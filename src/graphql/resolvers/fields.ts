// Relations of the object types. Each reads within the parent row's own account (loaders are scoped to one
// account), so a nested field can never reach into another account.
import { GraphQLJSON } from 'graphql-scalars';
import { Args, Ctx, Extensions, FieldResolver, ID, Int, Resolver, Root } from 'type-graphql';
import { type Plan as CatalogPlan, entitlementsOf, findPlan } from '../../domain/plans';
import type {
  AccountRow,
  CountedConnection,
  LicenseEventRow,
  LicenseRow,
  ProductSubscriptionRow,
  SeatAvailabilityRow,
  UserRow,
} from '../../queries/rows';
import type { GraphQLContext } from '../context';
import { licenseId, seatAvailabilityId } from '../ids';
import { UsersArgs } from '../types/inputs';
import {
  Account,
  License,
  LicenseEvent,
  LicenseEventType,
  Plan,
  ProductSubscription,
  SeatAvailability,
  User,
  UserConnection,
} from '../types/objects';

function planOf(planId: string): CatalogPlan {
  const plan = findPlan(planId);
  // Plans are only ever recorded after the decider found them in the catalog: a miss is a bug, not user input.
  if (!plan) throw new Error(`plan ${planId} is not in the catalog`);
  return plan;
}

@Resolver(() => User)
export class UserFieldsResolver {
  @FieldResolver(() => [License], { description: 'The licences the user holds, at most one per product.' })
  licenses(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): Promise<readonly LicenseRow[]> {
    return ctx.loaders(user.accountId).licensesByUserId.load(user.id);
  }

  @FieldResolver(() => [String], { description: "Union of the features of the plans of the user's licences." })
  async entitlements(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): Promise<string[]> {
    const licenses = await ctx.loaders(user.accountId).licensesByUserId.load(user.id);
    return entitlementsOf(licenses.map((license) => license.planId));
  }
}

@Resolver(() => License)
export class LicenseFieldsResolver {
  @FieldResolver(() => ID, { description: '`License:<userId>:<product>`.' })
  id(@Root() license: LicenseRow): string {
    return licenseId(license.userId, license.product);
  }

  @FieldResolver(() => Plan, { description: "The plan the licence grants: its subscription's current plan." })
  plan(@Root() license: LicenseRow): CatalogPlan {
    return planOf(license.planId);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'The OWNER or ADMIN who assigned it; null only when that user cannot be read.',
  })
  async assignedBy(@Root() license: LicenseRow, @Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    if (!license.assignedById) return null;
    return ctx.loaders(license.accountId).userById.load(license.assignedById);
  }
}

@Resolver(() => ProductSubscription)
export class ProductSubscriptionFieldsResolver {
  @FieldResolver(() => Plan, { description: 'The plan every seat of the product is on (Upgrade moves them all).' })
  plan(@Root() subscription: ProductSubscriptionRow): CatalogPlan {
    return planOf(subscription.planId);
  }

  @FieldResolver(() => SeatAvailability, { description: "The product's live seat counts." })
  async seats(@Root() subscription: ProductSubscriptionRow, @Ctx() ctx: GraphQLContext): Promise<SeatAvailabilityRow> {
    // A write answered from the write side carries the seats it left; the read models do not show them yet.
    if (subscription.decidedSeats) return subscription.decidedSeats;
    return ctx.services.seatAvailability(subscription.accountId, subscription.product, null);
  }

  @FieldResolver(() => UserConnection, {
    description: 'The users holding a licence of the product, in the order they were assigned, a page at a time.',
  })
  @Extensions({ defaultPageSize: 20 })
  assignees(
    @Root() subscription: ProductSubscriptionRow,
    @Args(() => UsersArgs) { search, first, after, last, before }: UsersArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CountedConnection<UserRow>> {
    const { accountId, product } = subscription;
    return ctx.services.searchUsers(accountId, { search, first, after, last, before, product });
  }
}

@Resolver(() => SeatAvailability)
export class SeatAvailabilityFieldsResolver {
  @FieldResolver(() => ID, {
    description:
      'Live: `SeatAvailability:<accountId>:<product>`; as of a time: `...:asOf:<instant>`; around a bulk operation: `...:op:<id>:before|after`.',
  })
  id(@Root() seats: SeatAvailabilityRow): string {
    return seatAvailabilityId(seats.accountId, seats.product, seats.view);
  }

  @FieldResolver(() => Int, { description: 'Seats held for pending invitations.' })
  reserved(@Root() seats: SeatAvailabilityRow): number {
    return seats.reserved ?? 0;
  }
}

@Resolver(() => Account)
export class AccountFieldsResolver {
  @FieldResolver(() => User, { description: "The account's OWNER, who opened it." })
  async owner(@Root() account: AccountRow, @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    // A sign-up answered from the write side carries its owner; the read models do not show them yet.
    if (account.decidedOwner) return account.decidedOwner;
    const owner = await ctx.loaders(account.id).userById.load(account.ownerId);
    if (!owner) throw new Error(`owner ${account.ownerId} of account ${account.id} is missing from the read model`);
    return owner;
  }

  @FieldResolver(() => [ProductSubscription], {
    description: "The account's subscriptions, one per product bought, in the catalogue's order.",
  })
  subscriptions(@Root() account: AccountRow, @Ctx() ctx: GraphQLContext): Promise<readonly ProductSubscriptionRow[]> {
    return ctx.services.subscriptions(account.id);
  }
}

@Resolver(() => LicenseEvent)
export class LicenseEventFieldsResolver {
  @FieldResolver(() => LicenseEventType, { description: 'As `type`, typed: a switch over it can be exhaustive.' })
  eventType(@Root() event: LicenseEventRow): keyof typeof LicenseEventType {
    if (!Object.hasOwn(LicenseEventType, event.type))
      throw new Error(`event type ${event.type} is not a published type`);
    return event.type as keyof typeof LicenseEventType;
  }

  @FieldResolver(() => GraphQLJSON, {
    description: 'The payload as a JSON object (the object its published JSON Schema describes); `data` as parsed.',
  })
  payload(@Root() event: LicenseEventRow): unknown {
    return JSON.parse(event.data);
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'The user who did it; null when the system did (the revocations that follow a deactivation).',
  })
  async actor(@Root() event: LicenseEventRow, @Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    return event.actorId ? ctx.loaders(event.accountId).userById.load(event.actorId) : null;
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'The user the event is about (the licence holder, the user added …); null for events about none.',
  })
  async user(@Root() event: LicenseEventRow, @Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    return event.userId ? ctx.loaders(event.accountId).userById.load(event.userId) : null;
  }
}
