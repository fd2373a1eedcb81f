// Many at once: bulk licence assignments and revocations (one decision, one append on the product's subscription
// stream) and bulk user creation (every item checked first, then each user on its own stream with its e-mail
// reservation). A dry run decides exactly the same and writes nothing.
//
// Keyed calls go through the one idempotency mechanism (./idempotency.ts). Only a call that writes spends its key:
// a dry run never reaches it, and a call that writes nothing (an ALL_OR_NOTHING refusal, every item refused) answers
// its refusals with the key left free, like any refused request.
import { foldEvents, type Role, requireRole } from '../domain/decider';
import { DomainError, EmailTaken, InvalidInput } from '../domain/errors';
import type { Product } from '../domain/plans';
import { subscriptionStream, userStream } from '../domain/streams';
import {
  type AssignLicenses,
  type BulkItemRefusal,
  type BulkMode,
  decideLicenses,
  type LicensesDecision,
  MAX_BULK_ITEMS,
  type RevokeLicenses,
  type SeatCounts,
  type SubscriptionEvent,
  subscriptionDecider,
} from '../domain/subscription';
import { type CreateUser, normalizeEmail, type UserState, userDecider } from '../domain/user';
import type { Position, RecordedEvent } from '../eventstore/port';
import type { RequestContext, Written } from './application';
import type { EmailReservations } from './email-reservation';
import type { CommandHandler, EventContext } from './handle-command';
import { CLAIM_METADATA, type IdempotencyCaller, idempotent } from './idempotency';

export type { BulkItemRefusal, BulkMode };

/** What a bulk licence operation decided; `position` is null when nothing was written (a dry run, a refusal). */
export interface LicensesWritten {
  readonly position: Position | null;
  /** Names this operation: in its events' metadata (`operationId`) and in its seat counts' ids. */
  readonly operationId: string;
  readonly dryRun: boolean;
  readonly accountId: string;
  readonly product: Product;
  /** The users the operation applies to, in the order given, as their streams stood when it was decided. */
  readonly applied: readonly UserState[];
  readonly refused: readonly BulkItemRefusal[];
  readonly before: SeatCounts;
  readonly after: SeatCounts;
}

/** One item of `createUsers` that was not created: its index, its e-mail as given, and why. */
export interface UserRefusal {
  readonly index: number;
  readonly email: string;
  readonly code: string;
  readonly message: string;
}

export interface UsersCreated {
  /** The last write's position; null when nothing was written. */
  readonly position: Position | null;
  readonly operationId: string;
  readonly dryRun: boolean;
  /** In the order given; in a dry run, the users as they would be (their ids are not kept). */
  readonly created: readonly UserState[];
  readonly refused: readonly UserRefusal[];
}

export interface BulkLicensesInput {
  readonly userIds: readonly string[];
  readonly product: Product;
  readonly mode: BulkMode;
  readonly dryRun: boolean;
  readonly idempotencyKey?: string | null;
}

/** A rule of the input's shape one item breaks, as the API's input rules found it (field within the item). */
export interface ItemProblem {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** Found by the API's input rules (format, length, control characters): this item is refused, not the call. */
  readonly problems?: readonly ItemProblem[];
}

export interface NewUsersInput {
  readonly users: readonly NewUser[];
  readonly mode: BulkMode;
  readonly dryRun: boolean;
  readonly idempotencyKey?: string | null;
}

export interface BulkOperations {
  assignLicenses(ctx: RequestContext, input: BulkLicensesInput): Promise<LicensesWritten>;
  revokeLicenses(ctx: RequestContext, input: BulkLicensesInput & { reason: string | null }): Promise<LicensesWritten>;
  createUsers(ctx: RequestContext, input: NewUsersInput): Promise<UsersCreated>;
}

interface BulkDeps {
  readonly handler: CommandHandler;
  readonly now: () => Date;
  readonly loadUser: (userId: string) => Promise<UserState>;
  readonly emails: EmailReservations;
  readonly eventContext: (ctx: RequestContext, at: Date, extra?: Record<string, unknown>) => EventContext;
  readonly validProduct: (product: string) => Product;
  readonly callerOf: (ctx: RequestContext, at: Date) => IdempotencyCaller;
}

/**
 * A keyed call that writes nothing: answered as decided, its key released (or never claimed). `code`, the first
 * refusal's, is what a released key records.
 */
class NothingWritten<A extends { readonly refused: readonly { readonly code: string }[] }> extends Error {
  readonly code: string;
  constructor(readonly answer: A) {
    super('nothing to write');
    this.code = answer.refused[0]?.code ?? 'CONFLICT';
  }
}

/** Runs a keyed bulk operation; one that wrote nothing answers what it decided. */
async function answeredOrNothing<A>(run: () => Promise<A>): Promise<A> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof NothingWritten) return error.answer as unknown as A;
    throw error;
  }
}

// Reads of user and reservation streams at once (most are cached: then no read at all), and writes of new users:
// enough to keep the log busy, few enough not to crowd out other requests.
const READ_CONCURRENCY = 32;
const WRITE_CONCURRENCY = 8;

export function bulkOperations(deps: BulkDeps): BulkOperations {
  const { handler, now } = deps;

  async function onLicenses(
    ctx: RequestContext,
    input: BulkLicensesInput,
    command: (
      base: Pick<AssignLicenses['data'], 'accountId' | 'product' | 'mode' | 'items'>,
      metadata: AssignLicenses['metadata'],
    ) => AssignLicenses | RevokeLicenses,
    keyInput: readonly unknown[],
  ): Promise<LicensesWritten> {
    const at = now();
    const accountId = ctx.actor.accountId;
    const product = deps.validProduct(input.product);
    const stream = subscriptionStream(accountId, product);
    // The assignees' own streams say whether they exist, where, and whether they are active: read all at once.
    const users = await mapConcurrently(input.userIds, READ_CONCURRENCY, deps.loadUser);
    const items = input.userIds.map((userId, index) => ({ userId, user: users[index] as UserState }));
    let decision: LicensesDecision | undefined;
    const decided = command(
      { accountId, product, mode: input.mode, items },
      {
        actor: ctx.actor,
        now: at,
        onDecided: (made) => {
          decision = made;
        },
      },
    );
    const answer = <P extends Position | null>(
      made: LicensesDecision,
      position: P,
      operationId: string,
      dryRun = false,
    ): LicensesWritten & { position: P } => ({
      position,
      operationId,
      dryRun,
      accountId,
      product,
      applied: made.applied.map(({ index }) => items[index]?.user as UserState),
      refused: made.refused,
      before: made.before,
      after: made.after,
    });

    if (input.dryRun) {
      const state = (await handler.load(subscriptionDecider, stream)).state;
      return answer(decideLicenses(decided, state), null, handler.newId(), true);
    }
    const operationId = handler.newId();
    return answeredOrNothing(() =>
      idempotent<LicensesWritten & Written>(deps.handler, deps.callerOf(ctx, at), input.idempotencyKey, {
        command: decided.type,
        input: keyInput,
        target: {
          stream,
          async prepare() {
            const { state, revision } = await handler.load(subscriptionDecider, stream);
            const made = decideLicenses(decided, state);
            if (made.events.length === 0) throw new NothingWritten(answer(made, null, operationId));
            return revision;
          },
        },
        async run(extra) {
          const written = await handler.handle(
            subscriptionDecider,
            stream,
            decided,
            deps.eventContext(ctx, at, { ...extra, operationId }),
          );
          // The decider reports every decision it makes on a bulk command, the one appended last.
          if (!decision) throw new Error(`${decided.type} was appended without a decision`);
          if (written.events.length === 0) throw new NothingWritten(answer(decision, null, operationId));
          return answer(decision, written.position, operationId);
        },
        // The same input decided again on the stream as it stood before the first write; the users it applied to
        // are those its events name, as they stand now.
        async replay(position, first) {
          const event = await first();
          if (!event) throw new Error(`no ${decided.type} event found for the key at ${position}`);
          const { before, applied } = await aroundWrite(stream, event);
          const made = decideLicenses(decided, before);
          const appliedIndexes = new Set(items.flatMap(({ userId }, index) => (applied.has(userId) ? [index] : [])));
          return answer(
            {
              ...made,
              applied: [...appliedIndexes].map((index) => ({ index, userId: items[index]?.userId as string })),
              refused: made.refused.filter(({ index }) => !appliedIndexes.has(index)),
            },
            position,
            String(event.metadata.operationId ?? operationId),
          );
        },
      }),
    );
  }

  /** The stream's state before a keyed write's first event, and the users that write's events name. */
  async function aroundWrite(stream: string, first: RecordedEvent) {
    const claimId = first.metadata[CLAIM_METADATA];
    const earlier: SubscriptionEvent[] = [];
    const applied = new Set<string>();
    for await (const recorded of handler.store.readStream(stream, { fromRevision: 0 })) {
      if (recorded.revision < first.revision) {
        earlier.push({
          type: recorded.type,
          data: recorded.data,
          metadata: { occurredAt: recorded.metadata.occurredAt },
        } as unknown as SubscriptionEvent);
      } else if (recorded.metadata[CLAIM_METADATA] === claimId) {
        if (typeof recorded.data.userId === 'string') applied.add(recorded.data.userId);
      } else break;
    }
    return { before: foldEvents(subscriptionDecider, subscriptionDecider.initialState(), earlier), applied };
  }

  return {
    assignLicenses: (ctx, input) =>
      onLicenses(ctx, input, (data, metadata) => ({ type: 'AssignLicenses', data, metadata }), [
        input.userIds,
        input.product,
        input.mode,
      ]),

    revokeLicenses: (ctx, input) =>
      onLicenses(
        ctx,
        input,
        (data, metadata) => ({ type: 'RevokeLicenses', data: { ...data, reason: input.reason }, metadata }),
        [input.userIds, input.product, input.mode, input.reason],
      ),

    async createUsers(ctx, input) {
      const at = now();
      const { actor } = ctx;
      requireRole(actor, 'create users', 'OWNER', 'ADMIN');
      requireUserList(input.users);

      /**
       * 1. Every item checked, in order: the input rules it broke, an e-mail repeated from an earlier item, its own
       * rules (as createUser decides them), then whether its e-mail is taken. `ours` (a repeat of a keyed call):
       * an address held by a user of this account counts as created by the first call.
       */
      const check = async (ours = false) => {
        const refused: UserRefusal[] = [];
        const accepted: { index: number; command: CreateUser; user: UserState }[] = [];
        const taken = await mapConcurrently(input.users, READ_CONCURRENCY, (user) =>
          user.problems?.length ? Promise.resolve(null) : deps.emails.find(user.email),
        );
        const seen = new Map<string, number>();
        for (const [index, { email, name, role, problems }] of input.users.entries()) {
          const refuse = (code: string, message: string) => refused.push({ index, email, code, message });
          const holder = taken[index];
          if (problems?.length) {
            refuse('BAD_USER_INPUT', problems.map((p) => `${p.message} (${p.rule})`).join('; '));
            continue;
          }
          const key = normalizeEmail(email);
          const repeated = seen.get(key);
          if (repeated !== undefined) {
            refuse('BAD_USER_INPUT', `email repeats the e-mail of item ${repeated} (arrayUnique)`);
            continue;
          }
          seen.set(key, index);
          if (ours && holder?.accountId === actor.accountId) {
            accepted.push({
              index,
              command: createUser(holder.userId, email, name, role),
              user: await deps.loadUser(holder.userId),
            });
            continue;
          }
          const command = createUser(handler.newId(), email, name, role);
          try {
            const events = userDecider.decide(command, userDecider.initialState());
            if (holder) throw new EmailTaken('a user with this e-mail exists already');
            accepted.push({ index, command, user: events.reduce(userDecider.evolve, userDecider.initialState()) });
          } catch (refusal) {
            if (!(refusal instanceof DomainError)) throw refusal;
            refuse(refusal.code, refusal.message);
          }
        }
        return { refused, accepted };
      };
      const createUser = (userId: string, email: string, name: string, role: Role): CreateUser => ({
        type: 'CreateUser',
        data: { userId, accountId: actor.accountId, email, name, role },
        metadata: { actor, now: at },
      });
      const answer = <P extends Position | null>(
        position: P,
        operationId: string,
        created: readonly { user: UserState }[],
        refused: readonly UserRefusal[],
        dryRun = false,
      ): UsersCreated & { position: P } => ({
        position,
        operationId,
        dryRun,
        created: created.map(({ user }) => user),
        refused: [...refused].sort((a, b) => a.index - b.index),
      });
      /** Nothing to write: every refusal of ALL_OR_NOTHING, or no item left. */
      const writesNothing = ({ refused, accepted }: Awaited<ReturnType<typeof check>>) =>
        accepted.length === 0 || (input.mode === 'ALL_OR_NOTHING' && refused.length > 0);

      if (input.dryRun) {
        const checked = await check();
        const created = writesNothing(checked) ? [] : checked.accepted;
        return answer(null, handler.newId(), created, checked.refused, true);
      }
      const operationId = handler.newId();
      const checked = await check();
      const { accepted, refused } = checked;
      // A keyed call asks its key first (a repeat finds every address taken: by the users it created).
      if (writesNothing(checked) && !input.idempotencyKey) return answer(null, operationId, [], refused);
      // The key's target: the first new user's stream, written before the others (a crashed call is found there).
      const [head, ...rest] = accepted;

      return answeredOrNothing(() =>
        idempotent<UsersCreated & Written>(handler, deps.callerOf(ctx, at), input.idempotencyKey, {
          command: 'CreateUsers',
          input: [input.users.map(({ email, name, role }) => [email, name, role]), input.mode],
          target: {
            // No head: nothing to write, refused in `prepare` before the stream is claimed.
            stream: userStream(head?.command.data.userId ?? operationId),
            async prepare() {
              if (writesNothing(checked)) throw new NothingWritten(answer(null, operationId, [], refused));
              return -1;
            },
          },
          // 2. each user on its own stream, its e-mail reserved first. An address taken by someone else since the
          // check refuses that item only: the others stand, whatever the mode (their streams are not one append).
          async run(extra) {
            const context = deps.eventContext(ctx, at, { ...extra, operationId });
            let position: Position | null = null;
            const write = async (item: (typeof accepted)[number]) => {
              const { userId, email } = item.command.data;
              try {
                await deps.emails.reserve(email, { userId, accountId: actor.accountId }, { actor, now: at }, context);
                const written = await handler.handle(userDecider, userStream(userId), item.command, context);
                position = later(position, written.position);
                return item;
              } catch (refusal) {
                if (!(refusal instanceof DomainError)) throw refusal;
                refused.push({ index: item.index, email, code: refusal.code, message: refusal.message });
                return null;
              }
            };
            if (!head || writesNothing(checked)) throw new NothingWritten(answer(null, operationId, [], refused));
            const created = [await write(head), ...(await mapConcurrently(rest, WRITE_CONCURRENCY, write))].filter(
              (item) => item !== null,
            );
            if (position === null) throw new NothingWritten(answer(null, operationId, [], refused));
            return answer(position, operationId, created, refused);
          },
          // The users of this account holding the input's addresses, as they stand now; the rest checked again.
          async replay(position, first) {
            const again = await check(true);
            const event = await first();
            return answer(position, String(event?.metadata.operationId ?? operationId), again.accepted, again.refused);
          },
        }),
      );
    },
  };
}

/** Refuses an empty list and one over the bound: the list itself, so the whole call (items are refused one by one). */
function requireUserList(users: readonly NewUser[]): void {
  if (users.length === 0) throw new InvalidInput('users', 'must hold at least one user', 'arrayNotEmpty');
  if (users.length > MAX_BULK_ITEMS) {
    throw new InvalidInput('users', `must hold at most ${MAX_BULK_ITEMS} users, not ${users.length}`, 'arrayMaxSize');
  }
}

/** The later of two log positions (of one adapter: fixed-width digits, so longer or else greater is later). */
function later(a: Position | null, b: Position): Position {
  if (a === null) return b;
  if (a.length !== b.length) return a.length > b.length ? a : b;
  return a > b ? a : b;
}

/** `task` over every item with at most `limit` running at once; answers in the items' order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
