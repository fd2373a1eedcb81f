// The contract's inputs and the field arguments, with their validation rules (checked by type-graphql through
// class-validator before any resolver runs).
import { IsOptional } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import type { Product as DomainProduct } from '../../domain/plans';
import { Product, Role } from './enums';
import { DateTimeScalar } from './scalars';
import {
  IsCursor,
  IsEmailAddress,
  IsEntityId,
  IsIdempotencyKey,
  IsName,
  IsNewPassword,
  IsNotWithFirst,
  IsPageSize,
  IsPasswordAttempt,
  IsPosition,
  IsQuantity,
  IsReason,
  IsSearchText,
  IsSecretToken,
} from './validators';

export const DEFAULT_ROLE: DomainRole = 'MEMBER';

const IDEMPOTENCY_KEY =
  'Same key and same input again, within the account and this mutation: the first result, nothing written twice. ' +
  'Same key, other input: IDEMPOTENCY_KEY_REUSED. A refused request spends no key.';

@InputType()
export class SignUpInput {
  @Field(() => String)
  @IsName()
  accountName!: string;

  @Field(() => String)
  @IsName()
  ownerName!: string;

  @Field(() => String)
  @IsEmailAddress()
  ownerEmail!: string;

  @Field(() => String)
  @IsNewPassword()
  password!: string;
}

@InputType()
export class PurchaseLicensesInput {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => ID)
  @IsEntityId()
  plan!: string;

  @Field(() => Int)
  @IsQuantity()
  quantity!: number;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class UpgradePlanInput {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => ID)
  @IsEntityId()
  plan!: string;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class ReleaseLicensesInput {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => Int)
  @IsQuantity()
  quantity!: number;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class CreateUserInput {
  @Field(() => String)
  @IsEmailAddress()
  email!: string;

  @Field(() => String)
  @IsName()
  name!: string;

  @Field(() => Role, { nullable: true, defaultValue: DEFAULT_ROLE })
  @IsOptional()
  role?: DomainRole | null;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class ChangeUserRoleInput {
  @Field(() => ID)
  @IsEntityId()
  userId!: string;

  @Field(() => Role)
  role!: DomainRole;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class DeactivateUserInput {
  @Field(() => ID)
  @IsEntityId()
  userId!: string;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class AssignLicenseInput {
  @Field(() => ID)
  @IsEntityId()
  userId!: string;

  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class RevokeLicenseInput {
  @Field(() => ID)
  @IsEntityId()
  userId!: string;

  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsReason()
  reason?: string | null;

  @Field(() => String, {
    nullable: true,
    description: IDEMPOTENCY_KEY,
  })
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string | null;
}

@InputType()
export class ActivateAccountInput {
  @Field(() => String)
  @IsSecretToken()
  token!: string;

  @Field(() => String)
  @IsNewPassword()
  password!: string;
}

@ArgsType()
export class LoginArgs {
  @Field(() => String)
  @IsEmailAddress()
  email!: string;

  @Field(() => String)
  @IsPasswordAttempt()
  password!: string;
}

@ArgsType()
export class PlansArgs {
  @Field(() => Product, { nullable: true })
  product?: DomainProduct | null;
}

@ArgsType()
export class SeatAvailabilityArgs {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => DateTimeScalar, { nullable: true })
  asOf?: Date | null;
}

@ArgsType()
export class UserArgs {
  @Field(() => ID)
  @IsEntityId()
  id!: string;
}

const FIRST = (fallback: number) =>
  `Forward: this many items after \`after\` (1 to 500; ${fallback} when neither first nor last is given).`;
const LAST = 'Backward: this many items before `before` (1 to 500); not together with `first`.';

/** users(...) and ProductSubscription.assignees(...). */
@ArgsType()
export class UsersArgs {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsSearchText()
  search?: string | null;

  @Field(() => Int, { nullable: true, description: FIRST(20) })
  @IsOptional()
  @IsPageSize()
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the page before.' })
  @IsOptional()
  @IsCursor()
  after?: string | null;

  @Field(() => Int, { nullable: true, description: LAST })
  @IsOptional()
  @IsPageSize()
  @IsNotWithFirst()
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'The `startCursor` of the page after.' })
  @IsOptional()
  @IsCursor()
  before?: string | null;
}

@ArgsType()
export class LicenseHistoryArgs {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsEntityId()
  userId?: string | null;

  @Field(() => Product, { nullable: true })
  product?: DomainProduct | null;

  @Field(() => Int, { nullable: true, description: FIRST(50) })
  @IsOptional()
  @IsPageSize()
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` (a log position) of the page before.' })
  @IsOptional()
  @IsPosition()
  after?: string | null;

  @Field(() => Int, { nullable: true, description: LAST })
  @IsOptional()
  @IsPageSize()
  @IsNotWithFirst()
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'The `startCursor` (a log position) of the page after.' })
  @IsOptional()
  @IsPosition()
  before?: string | null;
}

@ArgsType()
export class LicenseEventsArgs {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsPosition()
  after?: string | null;
}

@ArgsType()
export class SeatAvailabilityChangedArgs {
  @Field(() => Product, { nullable: true })
  product?: DomainProduct | null;
}
