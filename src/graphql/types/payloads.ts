// What each mutation answers: plain holders of read-model rows, resolved further by the object types' resolvers.
import { Field, ObjectType } from 'type-graphql';
import type { AccountRow, LicenseRow, ProductSubscriptionRow, SeatAvailabilityRow, UserRow } from '../../queries/rows';
import { Account, License, ProductSubscription, SeatAvailability, User } from './objects';
import { DateTimeScalar } from './scalars';

@ObjectType({ description: 'A signed-in session: its access and refresh tokens and whose they are.' })
export class AuthPayload {
  @Field(() => String, { description: 'Access token (a JWT) for `Authorization: Bearer`; it names its session.' })
  token!: string;

  @Field(() => DateTimeScalar, { description: 'When `token` stops being accepted (AUTH_TOKEN_TTL_SECONDS).' })
  expiresAt!: Date;

  @Field(() => String, { description: 'One-time: `refreshSession` answers a new pair and spends this one.' })
  refreshToken!: string;

  @Field(() => User, { description: 'The signed-in user.' })
  user!: UserRow;
}

@ObjectType({ description: 'The new account and its owner, signed in.' })
export class SignUpPayload {
  @Field(() => String, { description: 'Access token (a JWT) for `Authorization: Bearer`; it names its session.' })
  token!: string;

  @Field(() => DateTimeScalar, { description: 'When `token` stops being accepted (AUTH_TOKEN_TTL_SECONDS).' })
  expiresAt!: Date;

  @Field(() => String, { description: 'One-time: `refreshSession` answers a new pair and spends this one.' })
  refreshToken!: string;

  @Field(() => Account, { description: 'The account just opened.' })
  account!: AccountRow;

  @Field(() => User, { description: 'Its OWNER, the signed-in user.' })
  owner!: UserRow;
}

@ObjectType({ description: 'What Buy More left.' })
export class PurchaseLicensesPayload {
  @Field(() => ProductSubscription, {
    description: 'The subscription with the seats added (its `seats` are the new counts).',
  })
  subscription!: ProductSubscriptionRow;
}

@ObjectType({ description: 'What Upgrade left.' })
export class UpgradePlanPayload {
  @Field(() => ProductSubscription, { description: 'The subscription on its new plan.' })
  subscription!: ProductSubscriptionRow;
}

@ObjectType({ description: 'What the release left.' })
export class ReleaseLicensesPayload {
  @Field(() => ProductSubscription, {
    description: 'The subscription with fewer seats (its `seats` are the new counts).',
  })
  subscription!: ProductSubscriptionRow;
}

@ObjectType({ description: 'The user added.' })
export class CreateUserPayload {
  @Field(() => User, { description: 'The new user: active, holding no licence yet.' })
  user!: UserRow;
}

@ObjectType({ description: 'The user whose role changed.' })
export class ChangeUserRolePayload {
  @Field(() => User, { description: 'The user, with the new role.' })
  user!: UserRow;
}

@ObjectType({ description: 'The deactivated user and the seats their licences freed.' })
export class DeactivateUserPayload {
  @Field(() => User, { description: 'The deactivated user, holding no licence any more.' })
  user!: UserRow;

  @Field(() => [SeatAvailability], {
    description: "The counts of every product, in the catalogue's order, after the user's licences were revoked.",
  })
  seats!: readonly SeatAvailabilityRow[];
}

@ObjectType({ description: 'The licence assigned, its holder and the seats left.' })
export class AssignLicensePayload {
  @Field(() => License, { description: 'The new licence.' })
  license!: LicenseRow;

  @Field(() => User, { description: 'Its holder, with the licence among their `licenses`.' })
  user!: UserRow;

  @Field(() => SeatAvailability, { description: "The product's live counts after the assignment." })
  seats!: SeatAvailabilityRow;
}

@ObjectType({ description: 'The user whose licence was revoked and the seats left.' })
export class RevokeLicensePayload {
  @Field(() => User, { description: 'The user, without the licence.' })
  user!: UserRow;

  @Field(() => SeatAvailability, { description: "The product's live counts after the revocation." })
  seats!: SeatAvailabilityRow;
}
