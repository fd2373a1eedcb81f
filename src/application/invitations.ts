// Invitations that hold a seat: inviting holds one seat per product on its subscription stream (SeatReserved, in the
// decision that counts seats), then creates the user (INVITED) and the invitation with its first link; accepting
// turns each held seat into a licence; cancelling or expiry frees them. Every write goes through the application's
// command handler, so invitations and assignments queue on the same per-stream locks.
//
// Order of the writes, and why: seats first (the only step that can lose a race once every check has passed), then
// the e-mail, the user, the link's hash and the invitation. A later seat or the e-mail lost to a concurrent request
// gives back the seats already held (SeatReservationCancelled) before refusing. A crash half-way leaves held seats
// without an invitation: each carries its own expiry, and the expiry reactor frees it then.
//
// inviteUser, cancelInvitation and resendInvitation take an idempotency key through the one mechanism
// (./idempotency.ts): the key's target is the invitation's stream, whose event a repeat reads back.

import { credentialsDecider, type SetPassword } from '../domain/credentials';
import {
  type Actor,
  type CommandMetadata,
  type ReactorCommandMetadata,
  type Role,
  SYSTEM_ACTOR_ID,
  systemActor,
} from '../domain/decider';
import { EmailTaken, InvitationRefused } from '../domain/errors';
import {
  type AcceptInvitation,
  type InvitationCommand,
  type InvitationState,
  type InvitationStatus,
  invitationDecider,
  invitationValidityMs,
  type SendInvitation,
} from '../domain/invitation';
import { type IssueInvitationToken, invitationTokenDecider, tokenVerdict } from '../domain/invitation-token';
import type { Product } from '../domain/plans';
import {
  credentialsStream,
  invitationStream,
  invitationTokenStream,
  subscriptionStream,
  userStream,
} from '../domain/streams';
import { type SubscriptionCommand, type SubscriptionState, subscriptionDecider } from '../domain/subscription';
import {
  type ActivateInvitedUser,
  type EndUserInvitation,
  type InviteUser,
  type UserState,
  userDecider,
} from '../domain/user';
import type { Position } from '../eventstore/port';
import type { RequestContext, SubscriptionSeats, SystemCause, UserWritten, Written } from './application';
import type { emailReservations } from './email-reservation';
import type { CommandHandler, EventContext } from './handle-command';
import { type IdempotencyCaller, idempotent } from './idempotency';
import { deriveInvitationToken, parseInvitationToken } from './invitation-token';

/** An invitation as its stream stands after a write (a copy: the stream's cached state changes with the next one). */
export interface InvitationSnapshot {
  readonly invitationId: string;
  readonly accountId: string;
  readonly userId: string;
  readonly products: readonly Product[];
  readonly status: InvitationStatus;
  /** ISO-8601. */
  readonly expiresAt: string;
  /** The link now valid: 1, one more per resend. */
  readonly issue: number;
}

/** A write about an invitation: the invitation, and the seats of its products as their streams stand after it. */
export interface InvitationWritten extends Written {
  readonly invitation: InvitationSnapshot;
  readonly seats: readonly SubscriptionSeats[];
}

export interface Invitations {
  /** Holds a seat of each product, creates the user (INVITED) and the invitation; the mail follows from the log. */
  inviteUser(
    ctx: RequestContext,
    input: {
      email: string;
      name: string;
      role: Role;
      products: readonly Product[];
      expiresIn: string;
      idempotencyKey?: string | null;
    },
  ): Promise<InvitationWritten & UserWritten & { createdAt: string; invitedBy: string }>;
  /**
   * The invited user accepts with the link's token and chooses a password. The token is checked (and refused with
   * InvitationRefused or InvitationExpired, nothing written) before `hashPassword` runs: it may refuse the password
   * itself (BAD_USER_INPUT), also with nothing written. Then each held seat becomes a licence, the user ACTIVE and
   * the password theirs. Answers who signed in.
   */
  acceptInvitation(
    request: { readonly correlationId: string },
    input: { token: string; password: string },
    hashPassword: (password: string) => Promise<string>,
  ): Promise<InvitationWritten & { userId: string; accountId: string }>;
  /** Frees the seats and deactivates the invited user; cancelling a lapsed or cancelled invitation changes nothing. */
  cancelInvitation(ctx: RequestContext, input: KeyedInvitationInput): Promise<InvitationWritten>;
  /** A new link (the mail follows from InvitationResent); every earlier link is spent. */
  resendInvitation(ctx: RequestContext, input: KeyedInvitationInput): Promise<InvitationWritten>;
  /** The expiry reactor, at or after expiresAt: the invitation lapses, its seats are freed, its user deactivated. */
  expireInvitation(cause: SystemCause, input: { invitationId: string }): Promise<Written>;
  /** The expiry reactor, for a seat held by an invitation that was never finished (a crash half-way). */
  expireSeatReservation(
    cause: SystemCause,
    input: { accountId: string; product: Product; invitationId: string },
  ): Promise<Written>;
  /** The invitation's state from its own stream (cached). */
  loadInvitation(invitationId: string): Promise<InvitationState>;
  /** The token of the link of `issue`, for the mail: recomputed from the server key, never stored. */
  linkToken(invitationId: string, issue: number): string;
}

/** One invitation, and an idempotency key (null or absent: none). */
export interface KeyedInvitationInput {
  readonly invitationId: string;
  readonly idempotencyKey?: string | null;
}

interface InvitationParts {
  readonly handler: CommandHandler;
  readonly now: () => Date;
  readonly newId: () => string;
  /** The HMAC key of invitation links: the notifier's key, so a mail re-sent after a restart carries a valid link. */
  readonly tokenKey: Uint8Array;
  readonly loadUser: (userId: string) => Promise<UserState>;
  readonly emails: ReturnType<typeof emailReservations>;
  readonly eventContext: (ctx: RequestContext, at: Date, extra?: Record<string, unknown>) => EventContext;
  readonly callerOf: (ctx: RequestContext, at: Date) => IdempotencyCaller;
  readonly seatsOf: (state: SubscriptionState) => SubscriptionSeats | null;
  readonly validProduct: (product: string) => Product;
}

const KEEP_LATEST_ONLY = { maxCount: 1 } as const;

const snapshotOf = (state: InvitationState): InvitationSnapshot => {
  if (state.status === 'none') throw new Error('an invitation write left no invitation');
  const { invitationId, accountId, userId, products, status, expiresAt, issue } = state;
  return { invitationId, accountId, userId, products: [...products], status, expiresAt, issue };
};

export function createInvitations(parts: InvitationParts): Invitations {
  const { handler, now, newId, tokenKey, loadUser, emails, eventContext, callerOf, seatsOf, validProduct } = parts;

  const loadInvitation = async (invitationId: string) =>
    (await handler.load(invitationDecider, invitationStream(invitationId))).state;

  /** The seats of the products as their streams stand now: what a repeat answers. */
  async function seatsNow(accountId: string, products: readonly Product[]): Promise<SubscriptionSeats[]> {
    const seats: SubscriptionSeats[] = [];
    for (const product of products) {
      const { state } = await handler.load(subscriptionDecider, subscriptionStream(accountId, product));
      const counts = seatsOf(state);
      if (counts) seats.push(counts);
    }
    return seats;
  }

  /** Decides `command` on the invitation's stream as it stands, writing nothing; answers its revision. */
  async function prepareOnInvitation(invitationId: string, command: InvitationCommand): Promise<number> {
    const { state, revision } = await handler.load(invitationDecider, invitationStream(invitationId));
    invitationDecider.decide(command, state);
    return revision;
  }

  /** The answer to a repeat of a cancel or resend: the invitation and its seats as they stand now. */
  async function invitationNow(position: Position, invitationId: string, withSeats: boolean) {
    const invitation = snapshotOf(await loadInvitation(invitationId));
    const seats = withSeats ? await seatsNow(invitation.accountId, invitation.products) : [];
    return { position, invitation, seats };
  }

  const systemContext = (cause: SystemCause, accountId: string, at: Date): EventContext => ({
    accountId,
    actorId: SYSTEM_ACTOR_ID,
    occurredAt: at.toISOString(),
    correlationId: cause.correlationId,
    causationId: cause.causationId,
    extra: { onBehalfOf: cause.onBehalfOf },
  });

  async function onSubscription(
    accountId: string,
    product: Product,
    command: SubscriptionCommand,
    context: EventContext,
  ): Promise<{ position: Position; seats: SubscriptionSeats | null }> {
    const { position, state } = await handler.handle(
      subscriptionDecider,
      subscriptionStream(accountId, validProduct(product)),
      command,
      context,
    );
    return { position, seats: seatsOf(state) };
  }

  async function onInvitation(invitationId: string, command: InvitationCommand, context: EventContext) {
    const { position, state } = await handler.handle(
      invitationDecider,
      invitationStream(invitationId),
      command,
      context,
    );
    return { position, invitation: snapshotOf(state) };
  }

  async function issueLink(
    invitationId: string,
    issue: number,
    metadata: ReactorCommandMetadata,
    context: EventContext,
  ) {
    const { tokenHash } = deriveInvitationToken(invitationId, tokenKey, issue);
    const command: IssueInvitationToken = {
      type: 'IssueInvitationToken',
      data: { invitationId, issue, tokenHash },
      metadata,
    };
    await handler.handle(
      invitationTokenDecider,
      invitationTokenStream(invitationId),
      command,
      context,
      KEEP_LATEST_ONLY,
    );
  }

  /** Frees the seats an invitation holds (cancelled, or half-made): those already freed are skipped by the decider. */
  async function freeSeats(
    invitation: { invitationId: string; accountId: string; products: readonly Product[] },
    kind: 'CancelSeatReservation' | 'ExpireSeatReservation',
    metadata: ReactorCommandMetadata,
    context: EventContext,
  ) {
    const seats: SubscriptionSeats[] = [];
    let position: Position | null = null;
    for (const product of invitation.products) {
      const { invitationId, accountId } = invitation;
      const command: SubscriptionCommand = { type: kind, data: { accountId, product, invitationId }, metadata };
      const written = await onSubscription(accountId, product, command, context);
      position = written.position;
      if (written.seats) seats.push(written.seats);
    }
    return { seats, position };
  }

  /** The invited user, no longer waiting on this invitation: deactivated (their licences follow by the reactor). */
  async function endUsersInvitation(
    userId: string,
    invitationId: string,
    metadata: ReactorCommandMetadata,
    context: EventContext,
  ) {
    const command: EndUserInvitation = { type: 'EndUserInvitation', data: { userId, invitationId }, metadata };
    return (await handler.handle(userDecider, userStream(userId), command, context)).position;
  }

  return {
    async inviteUser(ctx, input) {
      const at = now();
      const accountId = ctx.actor.accountId;
      const metadata: CommandMetadata = { actor: ctx.actor, now: at };
      const expiresAt = new Date(at.getTime() + invitationValidityMs(input.expiresIn)).toISOString();
      const products = input.products.map(validProduct);
      const invitationId = newId();
      const userId = newId();
      const { email, name, role } = input;
      const inviteUser: InviteUser = {
        type: 'InviteUser',
        data: { userId, accountId, email, name, role, invitationId },
        metadata,
      };
      const send: SendInvitation = {
        type: 'SendInvitation',
        data: { invitationId, accountId, userId, email, name, role, products, expiresAt },
        metadata,
      };
      const reserve = (product: Product): SubscriptionCommand => ({
        type: 'ReserveSeat',
        data: { accountId, product, invitationId, userId, expiresAt },
        metadata,
      });

      // 1. Every check first, purely, on the streams as they stand: a refused invitation writes nothing (and, keyed,
      // spends no key: this is also the key's `prepare`).
      const checkAll = async () => {
        userDecider.decide(inviteUser, userDecider.initialState());
        invitationDecider.decide(send, invitationDecider.initialState());
        if (await emails.find(email)) throw new EmailTaken('a user with this e-mail exists already');
        for (const product of products) {
          const { state } = await handler.load(subscriptionDecider, subscriptionStream(accountId, product));
          subscriptionDecider.decide(reserve(product), state);
        }
        return -1;
      };

      return idempotent(handler, callerOf(ctx, at), input.idempotencyKey, {
        command: 'InviteUser',
        input: [email, name, role, products, input.expiresIn],
        target: { stream: invitationStream(invitationId), prepare: checkAll },
        run: async (extra) => {
          await checkAll();
          return write(eventContext(ctx, at, extra));
        },
        // The invitation the first request sent (its InvitationSent names it), as it stands now.
        async replay(position, first) {
          const sent = await first();
          const sentId = sent?.data.invitationId;
          if (!sent || typeof sentId !== 'string') {
            throw new Error(`no InvitationSent found for the key at ${position}`);
          }
          const { invitation, seats } = await invitationNow(position, sentId, true);
          return {
            position,
            invitation,
            seats,
            user: await loadUser(invitation.userId),
            createdAt: sent.metadata.occurredAt,
            invitedBy: sent.metadata.actorId,
          };
        },
      });

      async function write(context: EventContext) {
        // 2. Hold each seat, then the e-mail; a race lost on any gives back what was held, then refuses with its code.
        const held: Product[] = [];
        const seats: SubscriptionSeats[] = [];
        try {
          for (const product of products) {
            const written = await onSubscription(accountId, product, reserve(product), context);
            held.push(product);
            if (written.seats) seats.push(written.seats);
          }
          await emails.reserve(email, { userId, accountId }, metadata, context);
        } catch (refusal) {
          // Not given back now (the store failing too): they lapse at expiresAt like any held seat.
          await freeSeats(
            { invitationId, accountId, products: held },
            'CancelSeatReservation',
            metadata,
            context,
          ).catch(() => undefined);
          throw refusal;
        }

        // 3. The user, the first link's hash, then the invitation (what the mail and the read models follow).
        await handler.handle(userDecider, userStream(userId), inviteUser, context);
        await issueLink(invitationId, 1, metadata, context);
        const { position, invitation } = await onInvitation(invitationId, send, context);
        return {
          position,
          invitation,
          seats,
          user: await loadUser(userId),
          createdAt: at.toISOString(),
          invitedBy: ctx.actor.userId,
        };
      }
    },

    async acceptInvitation(request, input, hashPassword) {
      // 1. The token, before any password is hashed: one SHA-256, then two cached streams.
      const parsed = parseInvitationToken(input.token);
      if (!parsed) throw new InvitationRefused();
      const { invitationId } = parsed;
      const tokens = (await handler.load(invitationTokenDecider, invitationTokenStream(invitationId))).state;
      const verdict = tokenVerdict(tokens, parsed.tokenHash);
      if (verdict.kind === 'unknown') throw new InvitationRefused();
      const current = (await handler.load(invitationDecider, invitationStream(invitationId))).state;
      if (current.status === 'none') throw new InvitationRefused();
      const user = await loadUser(current.userId);
      if (user.status === 'absent') throw new InvitationRefused();
      const actor: Actor = { userId: user.userId, accountId: user.accountId, role: user.role };
      const at = now();
      const metadata: CommandMetadata = { actor, now: at };
      // A spent link (issue 0 is none) is refused as replaced, unless the invitation was accepted meanwhile.
      const accept: AcceptInvitation = {
        type: 'AcceptInvitation',
        data: { invitationId, issue: verdict.kind === 'current' ? verdict.issue : 0 },
        metadata,
      };
      const activate: ActivateInvitedUser = {
        type: 'ActivateInvitedUser',
        data: { userId: user.userId, invitationId },
        metadata,
      };
      invitationDecider.decide(accept, current);
      userDecider.decide(activate, user);
      const { products, accountId } = current;

      // 2. The password: refused here, nothing is written either.
      const passwordHash = await hashPassword(input.password);

      // 3. Each held seat becomes a licence (SeatReservationConverted, then LicenseAssigned), then the invitation, the
      // user and their password.
      const context = eventContext({ actor, correlationId: request.correlationId }, at);
      const seats: SubscriptionSeats[] = [];
      for (const product of products) {
        const convert: SubscriptionCommand = {
          type: 'ConvertSeatReservation',
          data: { accountId, product, invitationId },
          metadata,
        };
        const written = await onSubscription(accountId, product, convert, context);
        if (written.seats) seats.push(written.seats);
      }
      const { invitation } = await onInvitation(invitationId, accept, context);
      await handler.handle(userDecider, userStream(user.userId), activate, context);
      const setPassword: SetPassword = {
        type: 'SetPassword',
        data: { userId: user.userId, passwordHash },
        metadata,
      };
      const { position } = await handler.handle(
        credentialsDecider,
        credentialsStream(user.userId),
        setPassword,
        context,
        KEEP_LATEST_ONLY,
      );
      return { position, invitation, seats, userId: user.userId, accountId };
    },

    async cancelInvitation(ctx, input) {
      const at = now();
      const metadata: CommandMetadata = { actor: ctx.actor, now: at };
      const cancel: InvitationCommand = {
        type: 'CancelInvitation',
        data: { invitationId: input.invitationId },
        metadata,
      };
      return idempotent(handler, callerOf(ctx, at), input.idempotencyKey, {
        command: 'CancelInvitation',
        input: [input.invitationId],
        target: {
          stream: invitationStream(input.invitationId),
          prepare: () => prepareOnInvitation(input.invitationId, cancel),
        },
        run: (extra) => write(eventContext(ctx, at, extra)),
        replay: (position) => invitationNow(position, input.invitationId, true),
      });

      async function write(context: EventContext): Promise<InvitationWritten> {
        const written = await onInvitation(input.invitationId, cancel, context);
        const { invitation } = written;
        let position = written.position;
        let seats: SubscriptionSeats[] = [];
        // Also when it was cancelled before: a retry finishes what a crash left half done (each step is idempotent).
        if (invitation.status === 'CANCELLED') {
          const freed = await freeSeats(invitation, 'CancelSeatReservation', metadata, context);
          seats = freed.seats;
          position = await endUsersInvitation(invitation.userId, invitation.invitationId, metadata, context);
        }
        return { position, invitation, seats };
      }
    },

    async resendInvitation(ctx, input) {
      const at = now();
      const metadata: CommandMetadata = { actor: ctx.actor, now: at };
      const resend: InvitationCommand = {
        type: 'ResendInvitation',
        data: { invitationId: input.invitationId },
        metadata,
      };
      return idempotent(handler, callerOf(ctx, at), input.idempotencyKey, {
        command: 'ResendInvitation',
        input: [input.invitationId],
        target: {
          stream: invitationStream(input.invitationId),
          prepare: () => prepareOnInvitation(input.invitationId, resend),
        },
        run: (extra) => write(eventContext(ctx, at, extra)),
        replay: (position) => invitationNow(position, input.invitationId, false),
      });

      async function write(context: EventContext): Promise<InvitationWritten> {
        // The new hash first: the InvitationResent the mail follows must find its link valid. Should the invitation
        // refuse (or lose a race) after it, the next resend issues that number again with the same hash.
        const current = (await handler.load(invitationDecider, invitationStream(input.invitationId))).state;
        invitationDecider.decide(resend, current);
        if (current.status === 'none') throw new InvitationRefused();
        await issueLink(input.invitationId, current.issue + 1, metadata, context);
        const { position, invitation } = await onInvitation(input.invitationId, resend, context);
        if (invitation.issue !== current.issue + 1)
          await issueLink(input.invitationId, invitation.issue, metadata, context);
        return { position, invitation, seats: [] };
      }
    },

    async expireInvitation(cause, input) {
      const at = now();
      const current = (await handler.load(invitationDecider, invitationStream(input.invitationId))).state;
      if (current.status === 'none') return { position: (await handler.store.headPosition()) ?? '' };
      const metadata: ReactorCommandMetadata = { actor: systemActor(cause.onBehalfOf), now: at };
      const context = systemContext(cause, current.accountId, at);
      const expire: InvitationCommand = {
        type: 'ExpireInvitation',
        data: { invitationId: input.invitationId },
        metadata,
      };
      const { position, invitation } = await onInvitation(input.invitationId, expire, context);
      if (invitation.status !== 'EXPIRED') return { position };
      await freeSeats(invitation, 'ExpireSeatReservation', metadata, context);
      return { position: await endUsersInvitation(invitation.userId, invitation.invitationId, metadata, context) };
    },

    async expireSeatReservation(cause, input) {
      const at = now();
      const metadata: ReactorCommandMetadata = { actor: systemActor(cause.onBehalfOf), now: at };
      const command: SubscriptionCommand = { type: 'ExpireSeatReservation', data: input, metadata };
      const { position } = await onSubscription(
        input.accountId,
        input.product,
        command,
        systemContext(cause, input.accountId, at),
      );
      return { position };
    },

    loadInvitation,

    linkToken: (invitationId, issue) => deriveInvitationToken(invitationId, tokenKey, issue).token,
  };
}
