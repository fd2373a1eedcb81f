// Many at once: bulk licence assignments and revocations (one decision, one append on the product's subscription
// stream) and bulk user creation (every item checked first, then each user on its own stream with its e-mail
// reservation). A dry run decides exactly the same and writes nothing.
import { type Role, requireRole } from '../domain/decider';
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
  subscriptionDecider,
} from '../domain/subscription';
import { type CreateUser, normalizeEmail, type UserState, userDecider } from '../domain/user';
import type { Position } from '../eventstore/port';
import type { RequestContext } from './application';
import type { EmailReservations } from './email-reservation';
import type { CommandHandler, EventContext } from './handle-command';

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
}

export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
}

export interface BulkOperations {
  assignLicenses(ctx: RequestContext, input: BulkLicensesInput): Promise<LicensesWritten>;
  revokeLicenses(ctx: RequestContext, input: BulkLicensesInput & { reason: string | null }): Promise<LicensesWritten>;
  createUsers(
    ctx: RequestContext,
    input: { users: readonly NewUser[]; mode: BulkMode; dryRun: boolean },
  ): Promise<UsersCreated>;
}

interface BulkDeps {
  readonly handler: CommandHandler;
  readonly now: () => Date;
  readonly loadUser: (userId: string) => Promise<UserState>;
  readonly emails: EmailReservations;
  readonly eventContext: (ctx: RequestContext, at: Date, extra?: Record<string, unknown>) => EventContext;
  readonly validProduct: (product: string) => Product;
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
  ): Promise<LicensesWritten> {
    const at = now();
    const operationId = handler.newId();
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
    let position: Position | null = null;
    if (input.dryRun) {
      decision = decideLicenses(decided, (await handler.load(subscriptionDecider, stream)).state);
    } else {
      const written = await handler.handle(
        subscriptionDecider,
        stream,
        decided,
        deps.eventContext(ctx, at, { operationId }),
      );
      if (written.events.length > 0) position = written.position;
    }
    // The decider reports every decision it makes on a bulk command, the one appended last.
    if (!decision) throw new Error(`${decided.type} was appended without a decision`);
    const { applied, refused, before, after } = decision;
    return {
      position,
      operationId,
      dryRun: input.dryRun,
      accountId,
      product,
      applied: applied.map(({ index }) => items[index]?.user as UserState),
      refused,
      before,
      after,
    };
  }

  return {
    assignLicenses: (ctx, input) =>
      onLicenses(ctx, input, (data, metadata) => ({ type: 'AssignLicenses', data, metadata })),

    revokeLicenses: (ctx, input) =>
      onLicenses(ctx, input, (data, metadata) => ({
        type: 'RevokeLicenses',
        data: { ...data, reason: input.reason },
        metadata,
      })),

    async createUsers(ctx, input) {
      const at = now();
      const operationId = handler.newId();
      const { actor } = ctx;
      requireRole(actor, 'create users', 'OWNER', 'ADMIN');
      requireUserList(input.users);
      const context = deps.eventContext(ctx, at, { operationId });

      // 1. every item checked: its own rules (as createUser decides them), then whether its e-mail is taken
      const refused: UserRefusal[] = [];
      const accepted: { index: number; command: CreateUser; user: UserState }[] = [];
      const taken = await mapConcurrently(input.users, READ_CONCURRENCY, (user) => deps.emails.find(user.email));
      input.users.forEach(({ email, name, role }, index) => {
        const command: CreateUser = {
          type: 'CreateUser',
          data: { userId: handler.newId(), accountId: actor.accountId, email, name, role },
          metadata: { actor, now: at },
        };
        try {
          const events = userDecider.decide(command, userDecider.initialState());
          if (taken[index]) throw new EmailTaken('a user with this e-mail exists already');
          const user = events.reduce(userDecider.evolve, userDecider.initialState());
          accepted.push({ index, command, user });
        } catch (refusal) {
          if (!(refusal instanceof DomainError)) throw refusal;
          refused.push({ index, email, code: refusal.code, message: refusal.message });
        }
      });
      const answer = (position: Position | null, created: typeof accepted, dryRun: boolean): UsersCreated => ({
        position,
        operationId,
        dryRun,
        created: created.map(({ user }) => user),
        refused: [...refused].sort((a, b) => a.index - b.index),
      });
      if (input.mode === 'ALL_OR_NOTHING' && refused.length > 0) return answer(null, [], input.dryRun);
      if (input.dryRun) return answer(null, accepted, true);

      // 2. each user on its own stream, its e-mail reserved first. An address taken by someone else since the check
      // refuses that item only: the others stand, whatever the mode (their streams are not one append).
      let position: Position | null = null;
      const created = await mapConcurrently(accepted, WRITE_CONCURRENCY, async (item) => {
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
      });
      return answer(
        position,
        created.filter((item) => item !== null),
        false,
      );
    },
  };
}

/** Refuses an empty list, one over the bound, and an e-mail (any case) given twice, naming the repeat. */
function requireUserList(users: readonly NewUser[]): void {
  if (users.length === 0) throw new InvalidInput('users', 'must hold at least one user', 'arrayNotEmpty');
  if (users.length > MAX_BULK_ITEMS) {
    throw new InvalidInput('users', `must hold at most ${MAX_BULK_ITEMS} users, not ${users.length}`, 'arrayMaxSize');
  }
  const seen = new Map<string, number>();
  users.forEach(({ email }, index) => {
    const key = normalizeEmail(email);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new InvalidInput(
        `users.${index}.email`,
        `item ${index} repeats the e-mail of item ${first}`,
        'arrayUnique',
      );
    }
    seen.set(key, index);
  });
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
