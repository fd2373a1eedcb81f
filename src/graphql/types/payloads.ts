// What each mutation answers: plain holders of read-model rows, resolved further by the object types' resolvers.
import { Field, ObjectType } from 'type-graphql';
import type { AccountRow, LicenseRow, ProductSubscriptionRow, SeatAvailabilityRow, UserRow } from '../../queries/rows';
import { Account, License, ProductSubscription, SeatAvailability, User } from './objects';
import { DateTimeScalar } from './scalars';

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: 'Access token (a JWT) for `Authorization: Bearer`; it names its session.' })
  token!: string;

  @Field(() => DateTimeScalar, { description: 'When `token` stops being accepted (AUTH_TOKEN_TTL_SECONDS).' })
  expiresAt!: Date;

  @Field(() => String, { description: 'One-time: `refreshSession` answers a new pair and spends this one.' })
  refreshToken!: string;

  @Field(() => User)
  user!: UserRow;
}

@ObjectType()
export class SignUpPayload {
  @Field(() => String, { description: 'Access token (a JWT) for `Authorization: Bearer`; it names its session.' })
  token!: string;

  @Field(() => DateTimeScalar, { description: 'When `token` stops being accepted (AUTH_TOKEN_TTL_SECONDS).' })
  expiresAt!: Date;

  @Field(() => String, { description: 'One-time: `refreshSession` answers a new pair and spends this one.' })
  refreshToken!: string;

  @Field(() => Account)
  account!: AccountRow;

  @Field(() => User)
  owner!: UserRow;
}

@ObjectType()
export class PurchaseLicensesPayload {
  @Field(() => ProductSubscription)
  subscription!: ProductSubscriptionRow;
}

@ObjectType()
export class UpgradePlanPayload {
  @Field(() => ProductSubscription)
  subscription!: ProductSubscriptionRow;
}

@ObjectType()
export class ReleaseLicensesPayload {
  @Field(() => ProductSubscription)
  subscription!: ProductSubscriptionRow;
}

@ObjectType()
export class CreateUserPayload {
  @Field(() => User)
  user!: UserRow;
}

@ObjectType()
export class ChangeUserRolePayload {
  @Field(() => User)
  user!: UserRow;
}

@ObjectType()
export class DeactivateUserPayload {
  @Field(() => User, { description: 'The deactivated user, holding no licence any more.' })
  user!: UserRow;

  @Field(() => [SeatAvailability], {
    description: "The counts of every product, in the catalogue's order, after the user's licences were revoked.",
  })
  seats!: readonly SeatAvailabilityRow[];
}

@ObjectType()
export class AssignLicensePayload {
  @Field(() => License)
  license!: LicenseRow;

  @Field(() => User)
  user!: UserRow;

  @Field(() => SeatAvailability)
  seats!: SeatAvailabilityRow;
}

@ObjectType()
export class RevokeLicensePayload {
  @Field(() => User)
  user!: UserRow;

  @Field(() => SeatAvailability)
  seats!: SeatAvailabilityRow;
}
