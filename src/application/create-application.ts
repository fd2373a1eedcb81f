// The write side as the outside sees it: each Application method builds a command, runs it through the
// command handler on its stream, and answers the position of what it wrote.

import { randomBytes } from 'node:crypto';
import { accountDecider, type OpenAccount } from '../domain/account';
import { type Actor, type AnyCommand, type Decider, type Event, SYSTEM_ACTOR_ID, systemActor } from '../domain/decider';
import { InvalidInput } from '../domain/errors';
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
import { type IdempotencyCaller, type IdempotentCommand, idempotent } from './idempotency';
import { createInvitations } from './invitations';
import type { LogWatch } from './log-watch';
import { createSeatAlerts } from './seat-alerts';

/** The event a write appended (its last), as the write saw it or as a repeat reads it back. */
interface FirstEvent {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly occurredAt: string;
  readonly actorId: string;
}

export interface ApplicationDeps {
  readonly store: EventStore;
  readonly now?: () => Date;
  /** Ids of new accounts, users and events; time-ordered UUIDs (src/application/new-id.ts) by default. */
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

  const callerOf = (ctx: RequestContext, at: Date): IdempotencyCaller => ({
    accountId: ctx.actor.accountId,
    actor: ctx.actor,
    context: eventContext(ctx, at),
    now,
  });

  /** Decides `command` on the stream as it stands, writing nothing (a refusal throws); answers its revision. */
  async function prepareOn<S, C extends AnyCommand, E extends Event>(
    decider: Decider<S, C, E>,
    stream: string,
    command: C,
  ): Promise<number> {
    const { state, revision } = await handler.load(decider, stream);
    decider.decide(command, state);
    return revision;
  }

  /** A command on a user's stream, keyed or not: answered with the user as their stream stands. */
  async function onUser(
    ctx: RequestContext,
    userId: string,
    key: string | null | undefined,
    input: readonly unknown[],
    command: (actor: Actor, at: Date) => UserCommand,
  ): Promise<UserWritten> {
    const at = now();
    const stream = userStream(userId);
    const decided = command(ctx.actor, at);
    return idempotent(handler, callerOf(ctx, at), key, {
      command: decided.type as IdempotentCommand,
      input,
      target: { stream, prepare: () => prepareOn(userDecider, stream, decided) },
      async run(metadata) {
        const { position } = await handler.handle(userDecider, stream, decided, eventContext(ctx, at, metadata));
        return { position, user: await loadUser(userId) };
      },
      replay: async (position) => ({ position, user: await loadUser(userId) }),
    });
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

  /**
   * A command on the product's subscription stream, keyed or not. `answer` turns what was written (the first write,
   * on a repeat: its position and event, the state read now) into the mutation's own answer.
   */
  async function onSubscription<W extends Written>(
    ctx: RequestContext,
    product: Product,
    key: string | null | undefined,
    input: readonly unknown[],
    command: (accountId: string, at: Date) => SubscriptionCommand,
    answer: (written: SubscriptionWritten, event: () => Promise<FirstEvent | null>) => Promise<W>,
  ): Promise<W> {
    const at = now();
    const accountId = ctx.actor.accountId;
    const stream = subscriptionStream(accountId, validProduct(product));
    const decided = command(accountId, at);
    return idempotent(handler, callerOf(ctx, at), key, {
      command: decided.type as IdempotentCommand,
      input,
      target: { stream, prepare: () => prepareOn(subscriptionDecider, stream, decided) },
      async run(metadata) {
        const handled = await handler.handle(subscriptionDecider, stream, decided, eventContext(ctx, at, metadata));
        const written = await seatsAfter(handled, accountId, product);
        const event = handled.events.at(-1);
        const own: FirstEvent | null = event
          ? { type: event.type, data: event.data, occurredAt: at.toISOString(), actorId: ctx.actor.userId }
          : null;
        return answer(written, async () => own);
      },
      replay: async (position, first) =>
        answer(await seatsAfter({ position }, accountId, product), async () => {
          const event = await first();
          return event && { ...event, occurredAt: event.metadata.occurredAt, actorId: event.metadata.actorId };
        }),
    });
  }

  const asIs = async (written: SubscriptionWritten) => written;

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
      const stream = userStream(userId);
      // Decided first, purely: a refused creation reserves no e-mail and spends no key.
      const decidePurely = () => {
        userDecider.decide(command, userDecider.initialState());
        return -1;
      };
      return idempotent(handler, callerOf(ctx, at), input.idempotencyKey, {
        command: 'CreateUser',
        input: [input.email, input.name, input.role],
        target: { stream, prepare: async () => decidePurely() },
        async run(metadata) {
          decidePurely();
          const context = eventContext(ctx, at, metadata);
          await emails.reserve(
            input.email,
            { userId, accountId: ctx.actor.accountId },
            { actor: ctx.actor, now: at },
            context,
          );
          const { position } = await handler.handle(userDecider, stream, command, context);
          return { position, userId, user: await loadUser(userId) };
        },
        // The user the first request created (its UserCreated names them), as they stand now.
        async replay(position, first) {
          const created = (await first())?.data.userId;
          if (typeof created !== 'string') throw new Error(`no UserCreated found for the key at ${position}`);
          return { position, userId: created, user: await loadUser(created) };
        },
      });
    },

    changeUserRole: (ctx, input) =>
      onUser(ctx, input.userId, input.idempotencyKey, [input.userId, input.role], (actor, at) => ({
        type: 'ChangeUserRole',
        data: { userId: input.userId, role: input.role },
        metadata: { actor, now: at },
      })),

    deactivateUser: (ctx, input) =>
      onUser(ctx, input.userId, input.idempotencyKey, [input.userId], (actor, at) => ({
        type: 'DeactivateUser',
        data: { userId: input.userId },
        metadata: { actor, now: at },
      })),

    purchaseLicenses: (ctx, input) =>
      // The input as purchases hashed it before every mutation took keys: keys sent then still answer.
      onSubscription(
        ctx,
        input.product,
        input.idempotencyKey,
        [input.product, input.planId, input.quantity],
        (accountId, at) => ({
          type: 'PurchaseLicenses',
          data: { accountId, product: input.product, planId: input.planId, quantity: input.quantity },
          metadata: { actor: ctx.actor, now: at },
        }),
        asIs,
      ),

    upgradePlan: (ctx, input) =>
      onSubscription(
        ctx,
        input.product,
        input.idempotencyKey,
        [input.product, input.planId],
        (accountId, at) => ({
          type: 'UpgradePlan',
          data: { accountId, product: input.product, planId: input.planId },
          metadata: { actor: ctx.actor, now: at },
        }),
        asIs,
      ),

    releaseLicenses: (ctx, input) =>
      onSubscription(
        ctx,
        input.product,
        input.idempotencyKey,
        [input.product, input.quantity],
        (accountId, at) => ({
          type: 'ReleaseLicenses',
          data: { accountId, product: input.product, quantity: input.quantity },
          metadata: { actor: ctx.actor, now: at },
        }),
        asIs,
      ),

    async assignLicense(ctx, input) {
      // The assignee's own stream says whether they exist, where, and whether they are active.
      const user = await loadUser(input.userId);
      return onSubscription(
        ctx,
        input.product,
        input.idempotencyKey,
        [input.userId, input.product],
        (accountId, at) => ({
          type: 'AssignLicense',
          data: { accountId, product: input.product, userId: input.userId, user },
          metadata: { actor: ctx.actor, now: at },
        }),
        async (written, first) => {
          const assigned = await first();
          // The decider answers an assignment with exactly this event or refuses; anything else is a bug.
          if (assigned?.type !== 'LicenseAssigned') {
            throw new Error(`AssignLicense appended no LicenseAssigned on ${input.product}`);
          }
          const { accountId, userId, product, planId } = (assigned as unknown as LicenseAssigned).data;
          return {
            ...written,
            // As the decision saw them; on a repeat, as they stand now.
            user,
            license: {
              accountId,
              userId,
              product,
              planId,
              assignedAt: assigned.occurredAt,
              assignedBy: assigned.actorId,
            },
          };
        },
      );
    },

    revokeLicense: async (ctx, input) => {
      const user = await loadUser(input.userId);
      return onSubscription(
        ctx,
        input.product,
        input.idempotencyKey,
        [input.userId, input.product, input.reason ?? null],
        (accountId, at) => ({
          type: 'RevokeLicense',
          data: { accountId, product: input.product, userId: input.userId, reason: input.reason ?? null, user },
          metadata: { actor: ctx.actor, now: at },
        }),
        async (written) => ({ ...written, user }),
      );
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
    ...bulkOperations({ handler, now, loadUser, emails, eventContext, validProduct, callerOf }),
    invitations: createInvitations({
      handler,
      now,
      newId,
      tokenKey: deps.invitationTokenKey ?? randomBytes(32),
      loadUser,
      emails,
      eventContext,
      callerOf,
      seatsOf,
      validProduct,
    }),
    seatAlerts: createSeatAlerts({ handler, now, eventContext }),
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
