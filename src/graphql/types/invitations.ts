// The GraphQL face of invitations that hold a seat (issue #16): the Invitation node and its connection, the
// mutations' inputs and payloads, and the statuses of invitations and users. Relations (the user, the inviter, the
// id) are field resolvers in ../resolvers/invitations.ts, so a type never loads anything itself.
import { IsOptional } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Role as DomainRole } from '../../domain/decider';
import type { InvitationStatus as DomainInvitationStatus } from '../../domain/invitation';
import type { Product as DomainProduct } from '../../domain/plans';
import type { InvitationRow, PageInfoRow, SeatAvailabilityRow } from '../../queries/rows';
import { Product, Role } from './enums';
import { DEFAULT_ROLE, IdempotencyKeyField } from './inputs';
import { Node } from './node';
import { PageInfo, SeatAvailability } from './objects';
import { DateTimeScalar } from './scalars';
import {
  IsCursor,
  IsDuration,
  IsEmailAddress,
  IsEntityId,
  IsName,
  IsNewPassword,
  IsNotWithFirst,
  IsPageSize,
  IsSecretToken,
} from './validators';

export const InvitationStatus = {
  PENDING: 'PENDING',
  ACCEPTED: 'ACCEPTED',
  EXPIRED: 'EXPIRED',
  CANCELLED: 'CANCELLED',
} as const satisfies { readonly [S in DomainInvitationStatus]: S };

registerEnumType(InvitationStatus, {
  name: 'InvitationStatus',
  description: 'Where an invitation stands; only a PENDING one holds seats.',
  valuesConfig: {
    PENDING: { description: 'Sent, holding a seat of each of its products until accepted, cancelled or expired.' },
    ACCEPTED: { description: 'Accepted: its held seats became licences.' },
    EXPIRED: { description: 'Lapsed at its expiry (written by the system): its seats were freed.' },
    CANCELLED: { description: 'Cancelled by an OWNER or ADMIN: its seats were freed.' },
  },
});

@ObjectType({
  description:
    'An invitation to join the account that holds a seat of each of its products (assigned + reserved never exceeds ' +
    'purchased) until it is accepted, cancelled or expires. Its id is `Invitation:<invitationId>`.',
  implements: Node,
})
export class Invitation implements InvitationRow {
  @Field(() => [Product], {
    description: 'Products whose seat the invitation holds; accepting turns each into a licence.',
  })
  products!: readonly DomainProduct[];

  @Field(() => InvitationStatus, { description: 'PENDING until accepted, cancelled or expired.' })
  status!: DomainInvitationStatus;

  @Field(() => DateTimeScalar, { description: 'When it lapses, unless accepted or cancelled before.' })
  expiresAt!: string;

  @Field(() => DateTimeScalar, { description: 'When it was sent.' })
  createdAt!: string;

  id!: string;
  accountId!: string;
  userId!: string;
  invitedById!: string;
}

@ObjectType({ description: 'One invitation of a page, with its cursor.' })
class InvitationEdge {
  @Field(() => String, { description: 'Pass as `after` (or `before`) to page on from this invitation.' })
  cursor!: string;

  @Field(() => Invitation, { description: 'The invitation.' })
  node!: InvitationRow;
}

@ObjectType({ description: "A page of the account's invitations, in the order they were sent." })
export class InvitationConnection {
  @Field(() => [InvitationEdge], { description: 'The invitations of this page.' })
  edges!: readonly InvitationEdge[];

  @Field(() => PageInfo, { description: 'Where this page lies in the list.' })
  pageInfo!: PageInfoRow;

  @Field(() => Int, { description: 'Every invitation under the same filter, across pages.' })
  totalCount!: number;
}

@ArgsType()
export class InvitationsArgs {
  @Field(() => InvitationStatus, { nullable: true, description: 'Only invitations in this status; all when absent.' })
  @IsOptional()
  status?: DomainInvitationStatus | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Forward: this many invitations after `after` (1 to 500, at most 100 answered; 20 by default).',
  })
  @IsOptional()
  @IsPageSize()
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the page before.' })
  @IsOptional()
  @IsCursor()
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Backward: this many invitations before `before`; not with `first`.',
  })
  @IsOptional()
  @IsPageSize()
  @IsNotWithFirst()
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'The `startCursor` of the page after.' })
  @IsOptional()
  @IsCursor()
  before?: string | null;
}

/** `expiresIn` when none is given: a week. */
export const DEFAULT_EXPIRES_IN = 'P7D';

@InputType({ description: 'Who to invite, with which role and products, and for how long.' })
export class InviteUserInput {
  @Field(() => String, { description: 'Their e-mail: taken by the invitation (EMAIL_TAKEN if it already is).' })
  @IsEmailAddress()
  email!: string;

  @Field(() => String, { description: 'Their name.' })
  @IsName()
  name!: string;

  @Field(() => Role, { nullable: true, defaultValue: DEFAULT_ROLE, description: 'Their role once they accept.' })
  @IsOptional()
  role?: DomainRole | null;

  @Field(() => [Product], {
    nullable: true,
    defaultValue: [],
    description: 'A seat of each is held now (NO_SEATS_AVAILABLE, nothing written, if one has none free).',
  })
  @IsOptional()
  products?: DomainProduct[] | null;

  @Field(() => String, {
    nullable: true,
    defaultValue: DEFAULT_EXPIRES_IN,
    description: 'ISO-8601 duration, from PT1M to P30D (e.g. PT1H, P7D).',
  })
  @IsOptional()
  @IsDuration()
  expiresIn?: string | null;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'The invitation sent, and the counts of its products with the seats it holds.' })
export class InviteUserPayload {
  @Field(() => Invitation, { description: 'The invitation, PENDING.' })
  invitation!: InvitationRow;

  @Field(() => [SeatAvailability], { description: "The live counts of the invitation's products after it." })
  seats!: readonly SeatAvailabilityRow[];
}

@InputType({ description: 'The link of the invitation mail, and the password the invited user chooses.' })
export class AcceptInvitationInput {
  @Field(() => String, { description: 'The `token` of the `/invite?token=` link in the invitation mail.' })
  @IsSecretToken()
  token!: string;

  @Field(() => String, { description: 'The password to sign in with from now on.' })
  @IsNewPassword()
  password!: string;
}

@InputType({ description: 'The invitation to cancel.' })
export class CancelInvitationInput {
  @Field(() => ID, { description: 'The `id` of the invitation.' })
  @IsEntityId()
  invitationId!: string;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'The cancelled invitation and the counts of its products, its seats freed.' })
export class CancelInvitationPayload {
  @Field(() => Invitation, { description: 'The invitation, CANCELLED (or as it stood, if it had ended already).' })
  invitation!: InvitationRow;

  @Field(() => [SeatAvailability], { description: "The live counts of the invitation's products after it." })
  seats!: readonly SeatAvailabilityRow[];
}

@InputType({ description: 'The invitation to send again with a new link.' })
export class ResendInvitationInput {
  @Field(() => ID, { description: 'The `id` of the invitation.' })
  @IsEntityId()
  invitationId!: string;

  @IdempotencyKeyField()
  idempotencyKey?: string | null;
}

@ObjectType({ description: 'The invitation sent again; its earlier links are spent (INVITATION_EXPIRED).' })
export class ResendInvitationPayload {
  @Field(() => Invitation, { description: 'The invitation, still PENDING, with its expiry unchanged.' })
  invitation!: InvitationRow;
}
