// The write side as the outside sees it: each Application method builds a command, runs it through the
// command handler on its stream, and answers the position of what it wrote.

import { randomBytes } from 'node:crypto';
import { accountDecider, type OpenAccount } from '../domain/account';
import { type Actor, SYSTEM_ACTOR_ID, systemActor } from '../domain/decider';
import { InvalidInput } from '../domain/errors';
import { validIdempotencyKey } from '../domain/idempotency';
import { isProduct, PRODUCTS, type Product } from '../domain/plans';
import { accountStream, subscriptionStream, userStream } from '../domain/streams';
import {
  type LicenseAssigned,
  type SubscriptionCommand,
  type SubscriptionState,
  subscriptionDecider,
} from '../domain/subscription';
import { type CreateUser, type RegisterOwner, type UserCommand, userDecider } from '../domain/user';
import type { EventStore } from '../eventstore/port';
import type {
  Application,
  RequestContext,
  SubscriptionSeats,
  SubscriptionWritten,
  UserWritten,
  Written,
} from './application';
import { bulkOperations } from './bulk';
import { emailReservations } from './email-reservation';
import { CommandHandler, type EventContext } from './handle-command';
import { CLAIM_METADATA, inputHashOf, runIdempotent } from './idempotency';
import { createInvitations } from './invitations';
import type { LogWatch } from './log-watch';

export interface ApplicationDeps {
  readonly store: EventStore;
  readonly now?: () => Date;
  /** Ids of new accounts, users and events; `crypto.randomUUID` by default. */
  readonly newId?: () => string;
  /** Streams whose state stays in memory (default 10,000). */
  readonly cacheSize?: number;
  /** Decisions per command before CONFLICT (default 8). */
  readonly maxAttempts?: number;
  /** Lets cached stream states be served without reading their streams again (see CommandHandlerOptions). */
  readonly watch?: LogWatch;
  /**
   * The HMAC key invitation links are derived with: the notifier's (so a mail re-sent after a restart carries a
   * valid link). Default: random per process, enough for tests that take links from `invitations.linkToken`.
   */
  readonly invitationTokenKey?: Uint8Array;
}

export function createApplication(deps: ApplicationDeps): Application {
  const now = deps.now ?? (() => new Date());
  const handler = new CommandHandler({
    store: deps.store,
    newId: deps.newId,
    cacheSize: deps.cacheSize,
    maxAttempts: deps.maxAttempts,
    watch: deps.watch,
  });
  const newId = handler.newId;
  const loadUser = async (userId: string) => (await handler.load(userDecider, userStream(userId))).state;
  const emails = emailReservations(handler, loadUser);

  const eventContext = (ctx: RequestContext, at: Date, extra?: Record<string, unknown>): EventContext => ({
    accountId: ctx.actor.accountId,
    actorId: ctx.actor.userId,
    occurredAt: at.toISOString(),
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? ctx.correlationId,
    extra,
  });

  async function onUser(
    ctx: RequestContext,
    userId: string,
    command: (actor: Actor, at: Date) => UserCommand,
  ): Promise<UserWritten> {
    const at = now();
    const { position } = await handler.handle(
      userDecider,
      userStream(userId),
      command(ctx.actor, at),
      eventContext(ctx, at),
    );
    return { position, user: await loadUser(userId) };
  }

  /**
   * The subscription as its stream stands after our write (the state the write was folded into, or else read under
   * the stream's lock, so its counts are of one revision): what a caller answers with when the read models are late.
   */
  async function seatsAfter(
    { position, state }: Written & { state?: SubscriptionState },
    accountId: string,
    product: Product,
  ): Promise<SubscriptionWritten> {
    const after = state ?? (await handler.load(subscriptionDecider, subscriptionStream(accountId, product))).state;
    return { position, subscription: seatsOf(after) };
  }

  async function decideOnSubscription(
    ctx: RequestContext,
    product: Product,
    command: (accountId: string, at: Date) => SubscriptionCommand,
  ) {
    const at = now();
    const stream = subscriptionStream(ctx.actor.accountId, validProduct(product));
    const { position, events, state } = await handler.handle(
      subscriptionDecider,
      stream,
      command(ctx.actor.accountId, at),
      eventContext(ctx, at),
    );
    return { position, events, at, state };
  }

  async function onSubscription(
    ctx: RequestContext,
    product: Product,
    command: (accountId: string, at: Date) => SubscriptionCommand,
  ): Promise<SubscriptionWritten> {
    return seatsAfter(await decideOnSubscription(ctx, product, command), ctx.actor.accountId, product);
  }

  return {
    async openAccount(request, input) {
      const at = now();
      const accountId = newId();
      const ownerUserId = newId();
      const actor: Actor = { userId: ownerUserId, accountId, role: 'OWNER' };
      const ctx: RequestContext = { actor, correlationId: request.correlationId };
      const registerOwner: RegisterOwner = {
        type: 'RegisterOwner',
        data: { userId: ownerUserId, accountId, email: input.ownerEmail, name: input.ownerName },
        metadata: { actor, now: at },
      };
      const openAccount: OpenAccount = {
        type: 'OpenAccount',
        data: { accountId, name: input.accountName, ownerUserId },
        metadata: { actor, now: at },
      };
      // Decided first, purely: a refused sign-up reserves no e-mail.
      accountDecider.decide(openAccount, accountDecider.initialState());
      try {
        userDecider.decide(registerOwner, userDecider.initialState());
      } catch (error) {
        // Named as sign-up's input names them.
        if (error instanceof InvalidInput && (error.field === 'email' || error.field === 'name')) {
          const field = error.field === 'email' ? 'ownerEmail' : 'ownerName';
          throw new InvalidInput(field, error.message.slice(error.field.length + 2), error.rule);
        }
        throw error;
      }
      const context = eventContext(ctx, at);
      await emails.reserve(input.ownerEmail, { userId: ownerUserId, accountId }, { actor, now: at }, context);
      await handler.handle(userDecider, userStream(ownerUserId), registerOwner, context);
      const { position } = await handler.handle(accountDecider, accountStream(accountId), openAccount, context);
      return { position, accountId, ownerUserId };
    },

    async createUser(ctx, input) {
      const at = now();
      const userId = newId();
      const command: CreateUser = {
        type: 'CreateUser',
        data: { userId, accountId: ctx.actor.accountId, email: input.email, name: input.name, role: input.role },
        metadata: { actor: ctx.actor, now: at },
      };
      // Decided first, purely: a refused creation reserves no e-mail.
      userDecider.decide(command, userDecider.initialState());
      const context = eventContext(ctx, at);
      await emails.reserve(
        input.email,
        { userId, accountId: ctx.actor.accountId },
        { actor: ctx.actor, now: at },
        context,
      );
      const { position } = await handler.handle(userDecider, userStream(userId), command, context);
      return { position, userId, user: await loadUser(userId) };
    },

    changeUserRole: (ctx, input) =>
      onUser(ctx, input.userId, (actor, at) => ({
        type: 'ChangeUserRole',
        data: { userId: input.userId, role: input.role },
        metadata: { actor, now: at },
      })),

    deactivateUser: (ctx, input) =>
      onUser(ctx, input.userId, (actor, at) => ({
        type: 'DeactivateUser',
        data: { userId: input.userId },
        metadata: { actor, now: at },
      })),

    async purchaseLicenses(ctx, input) {
      const { product, planId, quantity } = input;
      const at = now();
      const accountId = ctx.actor.accountId;
      const stream = subscriptionStream(accountId, validProduct(product));
      const command: SubscriptionCommand = {
        type: 'PurchaseLicenses',
        data: { accountId, product, planId, quantity },
        metadata: { actor: ctx.actor, now: at },
      };
      const purchase = async (extra?: Record<string, unknown>) => {
        const { position, state } = await handler.handle(
          subscriptionDecider,
          stream,
          command,
          eventContext(ctx, at, extra),
        );
        return { position, state };
      };
      if (input.idempotencyKey === undefined || input.idempotencyKey === null) {
        return seatsAfter(await purchase(), accountId, product);
      }
      const key = validIdempotencyKey(input.idempotencyKey);
      const written = await runIdempotent(
        handler,
        {
          accountId,
          key,
          inputHash: inputHashOf(['PurchaseLicenses', product, planId, quantity]),
          target: {
            stream,
            prepare: async () => {
              const { state, revision } = await handler.load(subscriptionDecider, stream);
              subscriptionDecider.decide(command, state);
              return revision;
            },
          },
          actor: ctx.actor,
          context: eventContext(ctx, at),
          now,
        },
        (claimId) => purchase({ idempotencyKey: key, [CLAIM_METADATA]: claimId }),
      );
      // A repeated key answers the subscription as it stands now, as the read models would.
      return seatsAfter(written, accountId, product);
    },

    upgradePlan: (ctx, input) =>
      onSubscription(ctx, input.product, (accountId, at) => ({
        type: 'UpgradePlan',
        data: { accountId, product: input.product, planId: input.planId },
        metadata: { actor: ctx.actor, now: at },
      })),

    releaseLicenses: (ctx, input) =>
      onSubscription(ctx, input.product, (accountId, at) => ({
        type: 'ReleaseLicenses',
        data: { accountId, product: input.product, quantity: input.quantity },
        metadata: { actor: ctx.actor, now: at },
      })),

    async assignLicense(ctx, input) {
      // The assignee's own stream says whether they exist, where, and whether they are active.
      const user = await loadUser(input.userId);
      const decided = await decideOnSubscription(ctx, input.product, (accountId, at) => ({
        type: 'AssignLicense',
        data: { accountId, product: input.product, userId: input.userId, user },
        metadata: { actor: ctx.actor, now: at },
      }));
      const assigned = decided.events.find((event): event is LicenseAssigned => event.type === 'LicenseAssigned');
      // The decider answers an assignment with exactly this event or refuses; anything else is a bug.
      if (!assigned) throw new Error(`AssignLicense appended no LicenseAssigned on ${input.product}`);
      const { accountId, userId, product, planId } = assigned.data;
      return {
        ...(await seatsAfter(decided, accountId, product)),
        user,
        license: {
          accountId,
          userId,
          product,
          planId,
          assignedAt: decided.at.toISOString(),
          assignedBy: ctx.actor.userId,
        },
      };
    },

    async revokeLicense(ctx, input) {
      const user = await loadUser(input.userId);
      const written = await onSubscription(ctx, input.product, (accountId, at) => ({
        type: 'RevokeLicense',
        data: { accountId, product: input.product, userId: input.userId, reason: input.reason ?? null, user },
        metadata: { actor: ctx.actor, now: at },
      }));
      return { ...written, user };
    },

    async revokeLicenseAsSystem(cause, input) {
      const at = now();
      const { accountId, userId, product, reason } = input;
      const user = await loadUser(userId);
      const command: SubscriptionCommand = {
        type: 'RevokeLicense',
        data: { accountId, product, userId, reason, user },
        metadata: { actor: systemActor(cause.onBehalfOf), now: at },
      };
      const context: EventContext = {
        accountId,
        actorId: SYSTEM_ACTOR_ID,
        occurredAt: at.toISOString(),
        correlationId: cause.correlationId,
        causationId: cause.causationId,
        extra: { onBehalfOf: cause.onBehalfOf },
      };
      const { position } = await handler.handle(
        subscriptionDecider,
        subscriptionStream(accountId, validProduct(product)),
        command,
        context,
      );
      return { position };
    },

    loadUser,
    findUserByEmail: (email) => emails.find(email),
    ...bulkOperations({ handler, now, loadUser, emails, eventContext, validProduct }),
    invitations: createInvitations({
      handler,
      now,
      newId,
      tokenKey: deps.invitationTokenKey ?? randomBytes(32),
      loadUser,
      emails,
      eventContext,
      seatsOf,
      validProduct,
    }),
  };
}

/** The counts a payload shows, copied out of the state (whose holders the next command changes in place). */
function seatsOf(state: SubscriptionState): SubscriptionSeats | null {
  if (state.status === 'none') return null;
  const { accountId, product, planId, purchased, holders, reservations } = state;
  return { accountId, product, planId, purchased, assigned: holders.size, reserved: reservations.size };
}

/** Products name streams, so one outside the catalog never gets that far (GraphQL's enum guards it too). */
function validProduct(product: string): Product {
  if (!isProduct(product)) throw new InvalidInput('product', `must be one of ${PRODUCTS.join(', ')}`, 'isEnum');
  return product;
}
