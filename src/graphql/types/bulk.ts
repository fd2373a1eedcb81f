// The [BULK] surface: many licences or users at once, ALL_OR_NOTHING or BEST_EFFORT, with a dry run. Inputs carry
// their shape rules (checked before anything runs); repeats within a list are refused by the decision, by index.
// The people of createUsers are checked one by one (../resolvers/bulk.ts): one malformed entry is that item's
// refusal, not the call's.
import { IsOptional } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { BulkMode as DomainBulkMode } from '../../application/bulk';
import type { Role as DomainRole } from '../../domain/decider';
import type { Product as DomainProduct } from '../../domain/plans';
import type { SeatAvailabilityRow, UserRow } from '../../queries/rows';
import { Product, Role } from './enums';
import { DEFAULT_ROLE, IdempotencyKeyField } from './inputs';
import { SeatAvailability, User } from './objects';
import { IsBulkList, IsEmailAddress, IsEntityId, IsName, IsReason } from './validators';

export const BulkMode = { ALL_OR_NOTHING: 'ALL_OR_NOTHING', BEST_EFFORT: 'BEST_EFFORT' } as const satisfies {
  readonly [M in DomainBulkMode]: M;
};

registerEnumType(BulkMode, {
  name: 'BulkMode',
  description: 'How a bulk operation treats items it cannot apply.',
  valuesConfig: {
    ALL_OR_NOTHING: {
      description: 'All or none: every item is checked before anything is written; one refusal writes nothing.',
    },
    BEST_EFFORT: { description: 'Each item on its own: what can be applied is, the rest is listed with its reason.' },
  },
});

const DRY_RUN = 'Decide and answer as if applied, write nothing (no idempotency key is spent).';

@ObjectType({
  description: 'One item of a bulk operation that was not (or, with ALL_OR_NOTHING, would not be) applied.',
})
export class BulkRefusal {
  @Field(() => Int, { description: 'Position of the item in the input list, from 0.' })
  index!: number;

  @Field(() => ID, { nullable: true, description: 'The user id the item named (licence operations).' })
  userId!: string | null;

  @Field(() => String, { nullable: true, description: 'The e-mail the item gave, as given (createUsers).' })
  email!: string | null;

  @Field(() => String, {
    description: 'Why, as the single operation would answer it: NO_SEATS_AVAILABLE, NOT_FOUND, EMAIL_TAKEN, …',
  })
  code!: string;

  @Field(() => String, { description: 'A sentence for people; may change between releases.' })
  message!: string;
}

@InputType({ description: 'Licences of one product for many users at once.' })
export class BulkLicenseInput {
  @Field(() => [ID], { description: 'At most 1,000, no duplicates.' })
  @IsBulkList()
  @IsEntityId({ each: true })
  userIds!: string[];

  @Field(() => Product, { description: 'The product whose licences are assigned or revoked.' })
  product!: DomainProduct;

  @Field(() => BulkMode, {
    nullable: true,
    defaultValue: 'ALL_OR_NOTHING',
    description: 'All or none, or each on its own.',
  })
  @IsOptional()
  mode?: DomainBulkMode | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: DRY_RUN })
  @IsOptional()
  dryRun?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the licences are revoked (revokeLicenses only), kept in history.',
  })
  @IsOptional()
  @IsReason()
  reason?: string | null;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'What a bulk licence operation applied (or would apply) and refused.' })
export class BulkLicensePayload {
  @Field(() => Boolean, { description: 'True: nothing was written; this is what would happen.' })
  dryRun!: boolean;

  @Field(() => [User], { description: 'The users the operation applied to, in the order given.' })
  applied!: readonly UserRow[];

  @Field(() => [BulkRefusal], { description: 'Every item not applied, with its index and code.' })
  refused!: readonly BulkRefusal[];

  @Field(() => SeatAvailability, {
    description: 'The counts the operation was decided on (id `SeatAvailability:<account>:<product>:op:<id>:before`).',
  })
  seatsBefore!: SeatAvailabilityRow;

  @Field(() => SeatAvailability, {
    description: 'The counts right after it (id `…:op:<id>:after`); equal to seatsBefore when nothing was applied.',
  })
  seatsAfter!: SeatAvailabilityRow;
}

@InputType({ description: 'One person of createUsers.' })
export class NewUserInput {
  @Field(() => String, { description: 'Unique (case-insensitive) across every account.' })
  @IsEmailAddress()
  email!: string;

  @Field(() => String, { description: 'Shown to the account and in mails.' })
  @IsName()
  name!: string;

  @Field(() => Role, {
    nullable: true,
    defaultValue: DEFAULT_ROLE,
    description: 'MEMBER unless given; only the OWNER creates ADMINs.',
  })
  @IsOptional()
  role?: DomainRole | null;
}

@InputType({ description: 'Many users of the account at once.' })
export class CreateUsersInput {
  @Field(() => [NewUserInput], {
    description:
      'At most 1,000. An entry that breaks a rule (e-mail, name, an e-mail given before in the list) is refused on ' +
      'its own, BAD_USER_INPUT in `refused`.',
  })
  @IsBulkList()
  users!: NewUserInput[];

  @Field(() => BulkMode, {
    nullable: true,
    defaultValue: 'ALL_OR_NOTHING',
    description: 'All or none, or each on its own.',
  })
  @IsOptional()
  mode?: DomainBulkMode | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: DRY_RUN })
  @IsOptional()
  dryRun?: boolean | null;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'What createUsers created (or would create) and refused.' })
export class CreateUsersPayload {
  @Field(() => Boolean, {
    description: 'True: nothing was written; the users shown would be created (their ids are not kept).',
  })
  dryRun!: boolean;

  @Field(() => [User], { description: 'The users created, in the order given.' })
  created!: readonly UserRow[];

  @Field(() => [BulkRefusal], { description: 'Every item not created, with its index, e-mail and code.' })
  refused!: readonly BulkRefusal[];
}
