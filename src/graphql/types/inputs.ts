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

/** The description of every input's `idempotencyKey` (one mechanism: docs/idempotency.md). */
const IDEMPOTENCY_KEY =
  'Same key and same input again, within the account and this mutation: the first result, nothing written twice. ' +
  'Same key, other input: IDEMPOTENCY_KEY_REUSED. A refused request spends no key. ' +
  'Up to 100 of A-Z, a-z, 0-9, _, -, : and .; null: no idempotency, each call writes (docs/idempotency.md).';

/** The optional `idempotencyKey` every state-changing input has: one field, one description, one rule. */
export function IdempotencyKeyField(): PropertyDecorator {
  const decorators = [
    Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY }),
    IsOptional(),
    IsIdempotencyKey(),
  ];
  return (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };
}
const NAME = 'at most 200 characters after trimming, not blank, no control characters';
const EMAIL = 'an e-mail address like name@example.com, at most 254 characters after trimming';
const NEW_PASSWORD = '10 to 200 characters (spaces, tabs and any other character allowed); only its hash is kept';
const USER_ID = "The `id` of a user of the caller's account (NOT_FOUND, kind `user`, for any other id).";

@InputType({ description: 'A new account and its owner, who signs in with the password.' })
export class SignUpInput {
  @Field(() => String, { description: `The company's name: ${NAME}.` })
  @IsName()
  accountName!: string;

  @Field(() => String, { description: `The owner's name: ${NAME}.` })
  @IsName()
  ownerName!: string;

  @Field(() => String, { description: `The owner's sign-in e-mail: ${EMAIL}; taken already: EMAIL_TAKEN.` })
  @IsEmailAddress()
  ownerEmail!: string;

  @Field(() => String, { description: `The owner's password: ${NEW_PASSWORD}.` })
  @IsNewPassword()
  password!: string;
}

@InputType({ description: 'Buy More: how many seats of which product, on which plan.' })
export class PurchaseLicensesInput {
  @Field(() => Product, { description: 'The product to buy seats of.' })
  product!: DomainProduct;

  @Field(() => ID, {
    description:
      "A Plan.id of that product; once the product is bought, the subscription's current plan (else PLAN_MISMATCH).",
  })
  @IsEntityId()
  plan!: string;

  @Field(() => Int, {
    description: 'Seats to add: 1 to 10,000 per purchase, and at most 1,000,000 in the subscription.',
  })
  @IsQuantity()
  quantity!: number;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'Upgrade: which product moves to which plan.' })
export class UpgradePlanInput {
  @Field(() => Product, {
    description: 'The product whose seats move (NOT_FOUND, kind `subscription`, if never bought).',
  })
  product!: DomainProduct;

  @Field(() => ID, {
    description: 'A Plan.id of that product ranking above the current plan (else NOT_AN_UPGRADE).',
  })
  @IsEntityId()
  plan!: string;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'Release: how many unassigned seats of which product to give back.' })
export class ReleaseLicensesInput {
  @Field(() => Product, {
    description: 'The product whose seats go back (NOT_FOUND, kind `subscription`, if never bought).',
  })
  product!: DomainProduct;

  @Field(() => Int, {
    description: 'Seats to give back: 1 to 10,000, and at most the unassigned ones (BAD_USER_INPUT `maxReleasable`).',
  })
  @IsQuantity()
  quantity!: number;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: "Add New User: who to add to the caller's account, and as what." })
export class CreateUserInput {
  @Field(() => String, { description: `Their e-mail: ${EMAIL}; taken already: EMAIL_TAKEN.` })
  @IsEmailAddress()
  email!: string;

  @Field(() => String, { description: `Their name: ${NAME}.` })
  @IsName()
  name!: string;

  @Field(() => Role, {
    nullable: true,
    defaultValue: DEFAULT_ROLE,
    description: 'MEMBER (the default, also for null) or ADMIN (only an OWNER adds one); never OWNER.',
  })
  @IsOptional()
  role?: DomainRole | null;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'Whose role changes, and to what.' })
export class ChangeUserRoleInput {
  @Field(() => ID, { description: USER_ID })
  @IsEntityId()
  userId!: string;

  @Field(() => Role, { description: 'ADMIN or MEMBER: the OWNER role is never given or taken (FORBIDDEN).' })
  role!: DomainRole;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'Who to deactivate.' })
export class DeactivateUserInput {
  @Field(() => ID, { description: USER_ID })
  @IsEntityId()
  userId!: string;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'Who gets a licence of which product.' })
export class AssignLicenseInput {
  @Field(() => ID, { description: USER_ID })
  @IsEntityId()
  userId!: string;

  @Field(() => Product, { description: "The product; the licence is on its subscription's current plan." })
  product!: DomainProduct;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'Whose licence of which product to revoke, and why.' })
export class RevokeLicenseInput {
  @Field(() => ID, { description: USER_ID })
  @IsEntityId()
  userId!: string;

  @Field(() => Product, { description: 'The product of the licence.' })
  product!: DomainProduct;

  @Field(() => String, {
    nullable: true,
    description:
      "Why, for the history (kept trimmed in LicenseRevoked's payload): at most 500 characters, no control characters; null or blank: none given.",
  })
  @IsOptional()
  @IsReason()
  reason?: string | null;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@InputType({ description: 'The activation token from the mail and the password to set.' })
export class ActivateAccountInput {
  @Field(() => String, { description: 'The one-time token from the mail, at most 1000 characters.' })
  @IsSecretToken()
  token!: string;

  @Field(() => String, { description: `The new password: ${NEW_PASSWORD}.` })
  @IsNewPassword()
  password!: string;
}

@ArgsType()
export class LoginArgs {
  @Field(() => String, { description: `The e-mail signed in with: ${EMAIL}.` })
  @IsEmailAddress()
  email!: string;

  @Field(() => String, { description: 'The password, 1 to 200 characters.' })
  @IsPasswordAttempt()
  password!: string;
}

@ArgsType()
export class PlansArgs {
  @Field(() => Product, { nullable: true, description: 'Only the plans of this product; null: every plan.' })
  product?: DomainProduct | null;
}

@ArgsType()
export class SeatAvailabilityArgs {
  @Field(() => Product, { description: 'The product to count seats of.' })
  product!: DomainProduct;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'Counts as they stood at this instant (with an id of their own); null: the live counts.',
  })
  asOf?: Date | null;
}

@ArgsType()
export class UserArgs {
  @Field(() => ID, { description: "The `id` of a user; of no user of the caller's account: `user` is null." })
  @IsEntityId()
  id!: string;
}

const FIRST = (fallback: number) =>
  `Forward: this many items after \`after\` (1 to 500; ${fallback} when neither first nor last is given).`;
const LAST = 'Backward: this many items before `before` (1 to 500); not together with `first`.';

/** users(...) and ProductSubscription.assignees(...). */
@ArgsType()
export class UsersArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'Only users whose name or e-mail holds this text, in any case (one or two characters: starts with it); at most 200 characters; null or blank: all.',
  })
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
  @Field(() => ID, {
    nullable: true,
    description:
      "Only events about this user (not by them), e.g. their licences; NOT_FOUND for no user of the caller's account; null: every event.",
  })
  @IsOptional()
  @IsEntityId()
  userId?: string | null;

  @Field(() => Product, { nullable: true, description: 'Only events about this product; null: every event.' })
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
  @Field(() => String, {
    nullable: true,
    description:
      'A `position` (or history cursor) already seen: replays every later event first; null: only events from now on.',
  })
  @IsOptional()
  @IsPosition()
  after?: string | null;
}

@ArgsType()
export class SeatAvailabilityChangedArgs {
  @Field(() => Product, { nullable: true, description: "Only changes to this product's seats; null: every product." })
  product?: DomainProduct | null;
}
