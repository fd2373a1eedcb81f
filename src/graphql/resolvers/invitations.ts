// Invitations over GraphQL: `invitations(status:)` for the account's OWNER and ADMINs, inviteUser, cancelInvitation
// and resendInvitation for them, acceptInvitation for the invited (public: they have no token yet, and answer
// signed in), and the Invitation's relations through the account's loaders.
import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Extensions,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { InvalidInput } from '../../domain/errors';
import { requireInvitationReader } from '../../domain/invitation';
import type { CountedConnection, InvitationRow, UserRow } from '../../queries/rows';
import { callerOf } from '../auth';
import type { GraphQLContext, InvitationResult } from '../context';
import { invitationNodeId, parseInvitationId } from '../ids';
import { DEFAULT_ROLE } from '../types/inputs';
import {
  AcceptInvitationInput,
  CancelInvitationInput,
  CancelInvitationPayload,
  DEFAULT_EXPIRES_IN,
  Invitation,
  InvitationConnection,
  InvitationsArgs,
  InviteUserInput,
  InviteUserPayload,
  ResendInvitationInput,
  ResendInvitationPayload,
} from '../types/invitations';
import { User } from '../types/objects';
import { AuthPayload } from '../types/payloads';

/** The invitation an input names, by its node id or its bare id; anything else is no invitation's. */
function invitationIdOf(id: string): string {
  const invitationId = parseInvitationId(id);
  if (!invitationId) throw new InvalidInput('invitationId', 'is not the id of an invitation', 'isInvitationId');
  return invitationId;
}

@Authorized()
@Resolver()
export class InvitationQueryResolver {
  @Query(() => InvitationConnection, {
    description:
      "The caller's account's invitations in the order they were sent; only its OWNER and ADMINs may read them.",
  })
  @Extensions({ defaultPageSize: 20 })
  invitations(
    @Args(() => InvitationsArgs) { status, first, after, last, before }: InvitationsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CountedConnection<InvitationRow>> {
    const { viewer } = callerOf(ctx);
    requireInvitationReader(viewer);
    return ctx.services.invitations(viewer.accountId, { status, first, after, last, before });
  }
}

@Resolver()
export class InvitationMutationResolver {
  @Authorized()
  @Mutation(() => InviteUserPayload, {
    description:
      'Creates the user (status INVITED) and holds a seat of each product for them, in the decision that counts the ' +
      'seats; the invitation mail with its one-time link follows. OWNER or ADMIN.' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  inviteUser(
    @Arg('input', () => InviteUserInput, { description: 'Who to invite, with which role and products.' })
    input: InviteUserInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<InvitationResult> {
    return ctx.services.inviteUser(callerOf(ctx), {
      email: input.email.trim(),
      name: input.name.trim(),
      role: input.role ?? DEFAULT_ROLE,
      products: input.products ?? [],
      expiresIn: input.expiresIn ?? DEFAULT_EXPIRES_IN,
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }

  @Mutation(() => AuthPayload, {
    description:
      "Accepts an invitation with its link's token and a new password: each held seat becomes a licence, the user " +
      'ACTIVE, and the answer is signed in. A lapsed, cancelled or replaced link: INVITATION_EXPIRED.',
  })
  acceptInvitation(
    @Arg('input', () => AcceptInvitationInput, { description: 'The token of the link and the new password.' })
    input: AcceptInvitationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuthPayload> {
    return ctx.services.acceptInvitation(
      { requestId: ctx.requestId, clientAddress: ctx.clientAddress },
      { token: input.token, password: input.password },
    );
  }

  @Authorized()
  @Mutation(() => CancelInvitationPayload, {
    description:
      'Cancels a pending invitation: its seats are freed and the invited user deactivated. OWNER or ADMIN.' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  cancelInvitation(
    @Arg('input', () => CancelInvitationInput, { description: 'The invitation to cancel.' })
    input: CancelInvitationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<InvitationResult> {
    return ctx.services.cancelInvitation(callerOf(ctx), {
      invitationId: invitationIdOf(input.invitationId),
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }

  @Authorized()
  @Mutation(() => ResendInvitationPayload, {
    description:
      'Sends a pending invitation again with a new link, spending the old one; the expiry stays. OWNER or ADMIN.' +
      ' With an `idempotencyKey`, the same call again answers its first result (IDEMPOTENCY_KEY_REUSED for another input).',
  })
  resendInvitation(
    @Arg('input', () => ResendInvitationInput, { description: 'The invitation to send again.' })
    input: ResendInvitationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<InvitationResult> {
    return ctx.services.resendInvitation(callerOf(ctx), {
      invitationId: invitationIdOf(input.invitationId),
      idempotencyKey: input.idempotencyKey ?? null,
    });
  }
}

@Resolver(() => Invitation)
export class InvitationFieldsResolver {
  @FieldResolver(() => ID, { description: '`Invitation:<invitationId>`.' })
  id(@Root() invitation: InvitationRow): string {
    return invitationNodeId(invitation.id);
  }

  @FieldResolver(() => User, { description: 'The invited user (INVITED until they accept).' })
  async user(@Root() invitation: InvitationRow, @Ctx() ctx: GraphQLContext): Promise<UserRow> {
    const user = await ctx.loaders(invitation.accountId).userById.load(invitation.userId);
    if (!user) throw new Error(`invitation ${invitation.id} names user ${invitation.userId}, not in the read model`);
    return user;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who sent it; null when no longer in the read model.' })
  invitedBy(@Root() invitation: InvitationRow, @Ctx() ctx: GraphQLContext): Promise<UserRow | null> {
    return ctx.loaders(invitation.accountId).userById.load(invitation.invitedById);
  }
}
