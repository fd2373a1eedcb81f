// The resolvers' services: each write goes input → command → handler, waits until the projections have passed
// its position (read-your-writes), and answers from the read models; each read is a read-model query.

import type Database from 'better-sqlite3';
import DataLoader from 'dataloader';
import { type LicenseEventRow as HistoryRow, history } from '../../projections/license-history/queries';
import { seatsAsOf } from '../../projections/seat-availability/as-of';
import * as seats from '../../projections/seat-availability/queries';
import * as subscriptions from '../../projections/subscriptions/queries';
import * as users from '../../projections/users/queries';
import type { Application } from '../application/application';
import type { SignIn } from '../auth/sign-in';
import { NotFound } from '../domain/errors';
import type { Product } from '../domain/plans';
import { subscriptionStream } from '../domain/streams';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port';
import { listDeliveries, type NotificationsDb } from '../notifications/db';
import type { AppliedListener } from '../projection-runtime/read-models-processor';
import type {
  AccountRow,
  Caller,
  LicenseEventRow,
  LicenseRow,
  Loaders,
  ProductSubscriptionRow,
  SeatAvailabilityRow,
  SeatledgerServices,
  UserRow,
} from './context';
import { liveFeed, wakeableIterator } from './live';

export interface ServicesDeps {
  readonly app: Application;
  readonly signIn: SignIn;
  readonly readSide: ReadSide;
  readonly store: EventStore;
  /** The notifier's delivery records; null where this instance runs no reactors (then no deliveries are listed). */
  readonly notificationsDb?: NotificationsDb | null;
  /** How long a write waits for its projections before answering CONFLICT-free but stale; default 5 s. */
  readonly readYourWritesTimeoutMs?: number;
  /** Told how many rows each page of a live `licenseEvents` feed read (for /metrics). */
  readonly onLiveRead?: (rows: number) => void;
}

/** The read models as queries see them: their connection, the read-your-writes wait, committed batches. */
export interface ReadSide {
  readonly db: Database.Database;
  waitForPosition(position: Position, timeoutMs?: number): Promise<void>;
  onApplied(listener: AppliedListener): () => void;
}

const SEAT_EVENTS = new Set(['LicensePurchased', 'LicensesReleased', 'LicenseAssigned', 'LicenseRevoked']);
const LIVE_PAGE = 200;

const toLicense = (row: users.LicenseRow): LicenseRow => ({ ...row, assignedById: row.assignedBy });
const toEventRow = (row: HistoryRow): LicenseEventRow => row;

/** Accounts × products whose current seats are kept in memory between read-model changes. */
const SEATS_READ_LIMIT = 10_000;

export function createServices(deps: ServicesDeps): SeatledgerServices {
  const { app, signIn, readSide: runner, store } = deps;
  const db: Database.Database = runner.db;
  // Seat counts are the SPA's most frequent read: answered from memory until the read models next change (the runner
  // clears this right after a batch commits, before any writer waiting for that batch reads).
  const seatsRead = new Map<string, SeatAvailabilityRow>();
  runner.onApplied(() => seatsRead.clear());
  const currentSeats = (accountId: string, product: Product): SeatAvailabilityRow => {
    const key = `${accountId}\u0000${product}`;
    let row = seatsRead.get(key);
    if (row === undefined) {
      if (seatsRead.size >= SEATS_READ_LIMIT) seatsRead.clear();
      row = seats.seatAvailability(db, accountId, product);
      seatsRead.set(key, row);
    }
    return row;
  };
  const waitFor = (position: Position | undefined) =>
    position ? runner.waitForPosition(position, deps.readYourWritesTimeoutMs) : Promise.resolve();
  const context = (caller: Caller) => ({ actor: caller.viewer, correlationId: caller.requestId });

  /** A user of the account from the read model; an id of another account is NotFound, never revealed. */
  const userOf = (accountId: string, userId: string): UserRow => {
    const user = users.userInAccount(db, accountId, userId);
    if (!user) throw new NotFound(`no user ${userId} in this account`);
    return user;
  };

  const subscriptionOf = (accountId: string, product: Product): ProductSubscriptionRow => {
    const subscription = subscriptions.get(db, accountId, product);
    if (!subscription) throw new NotFound(`this account has no ${product} subscription`);
    return subscription;
  };

  const accountOf = (accountId: string): AccountRow => {
    const account = users.getAccount(db, accountId);
    if (!account) throw new NotFound('no such account');
    return { id: account.id, name: account.name, ownerId: account.ownerUserId };
  };

  /** After a sign-in that wrote nothing, the user may still be on its way into the read model (just signed up). */
  const signedInUser = async (userId: string, position: Position | undefined): Promise<UserRow> => {
    await waitFor(position ?? (await store.headPosition()) ?? undefined);
    const [user] = users.usersByIds(db, [userId]).values();
    if (!user) throw new NotFound('no such user');
    return user;
  };

  return {
    async signUp(caller, input) {
      const signedUp = await signIn.signUp({ correlationId: caller.requestId }, input);
      await waitFor(signedUp.position);
      return {
        token: signedUp.token,
        account: accountOf(signedUp.accountId),
        user: userOf(signedUp.accountId, signedUp.userId),
      };
    },

    async login(_caller, input) {
      const signedIn = await signIn.login(input.email, input.password);
      return { token: signedIn.token, user: await signedInUser(signedIn.userId, signedIn.position) };
    },

    async activateAccount(caller, input) {
      const signedIn = await signIn.activateAccount({ correlationId: caller.requestId }, input);
      return { token: signedIn.token, user: await signedInUser(signedIn.userId, signedIn.position) };
    },

    async purchaseLicenses(caller, input) {
      await waitFor((await app.purchaseLicenses(context(caller), input)).position);
      return subscriptionOf(caller.viewer.accountId, input.product);
    },

    async upgradePlan(caller, input) {
      await waitFor((await app.upgradePlan(context(caller), input)).position);
      return subscriptionOf(caller.viewer.accountId, input.product);
    },

    async releaseLicenses(caller, input) {
      await waitFor((await app.releaseLicenses(context(caller), input)).position);
      return subscriptionOf(caller.viewer.accountId, input.product);
    },

    async createUser(caller, input) {
      const created = await app.createUser(context(caller), input);
      await waitFor(created.position);
      return userOf(caller.viewer.accountId, created.userId);
    },

    async changeUserRole(caller, input) {
      await waitFor((await app.changeUserRole(context(caller), input)).position);
      return userOf(caller.viewer.accountId, input.userId);
    },

    async deactivateUser(caller, input) {
      await waitFor((await app.deactivateUser(context(caller), input)).position);
      return userOf(caller.viewer.accountId, input.userId);
    },

    async assignLicense(caller, input) {
      const { accountId } = caller.viewer;
      await waitFor((await app.assignLicense(context(caller), input)).position);
      const license = users
        .licensesByUserIds(db, [input.userId])
        .get(input.userId)
        ?.find((l) => l.product === input.product);
      if (!license) throw new NotFound(`user ${input.userId} holds no ${input.product} licence`);
      return {
        license: toLicense(license),
        user: userOf(accountId, input.userId),
        seats: currentSeats(accountId, input.product),
      };
    },

    async revokeLicense(caller, input) {
      const { accountId } = caller.viewer;
      await waitFor((await app.revokeLicense(context(caller), input)).position);
      return { user: userOf(accountId, input.userId), seats: currentSeats(accountId, input.product) };
    },

    async account(accountId) {
      return accountOf(accountId);
    },

    async seatAvailability(accountId, product, asOf) {
      if (!asOf) return currentSeats(accountId, product);
      // The past is folded from the subscription stream itself, never from a stored snapshot.
      return { product, ...(await seatsAsOf(store.readStream(subscriptionStream(accountId, product)), asOf)) };
    },

    async subscriptions(accountId) {
      return subscriptions.listForAccount(db, accountId);
    },

    async searchUsers(accountId, args) {
      const page = args.product
        ? subscriptions.assignees(db, accountId, args.product, args)
        : users.searchUsers(db, accountId, args);
      return {
        edges: page.edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        totalCount: page.totalCount,
      };
    },

    async licenseHistory(accountId, args) {
      // A filter on a user of no account or of another one is NOT_FOUND, as everywhere else (api.md), not an empty page.
      if (args.userId) userOf(accountId, args.userId);
      const page = history(db, accountId, args);
      return {
        edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toEventRow(edge.node) })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },

    licenseEvents(accountId, after) {
      return liveFeed<LicenseEventRow, string>({
        // "From now": after the head of the log when the subscriber starts listening.
        start: after ?? (async () => (await store.headPosition()) ?? ''),
        readPage: (cursor) => history(db, accountId, { after: cursor, first: LIVE_PAGE }).nodes.map(toEventRow),
        cursorOf: (row) => row.position,
        onApplied: (listener) => runner.onApplied(listener),
        ...(deps.onLiveRead ? { onRead: deps.onLiveRead } : {}),
      });
    },

    seatAvailabilityChanges(accountId, product) {
      return seatChanges(runner, currentSeats, accountId, product);
    },

    async notifications(accountId, args) {
      if (!deps.notificationsDb) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
      const page = listDeliveries(deps.notificationsDb, accountId, args);
      return {
        edges: page.nodes.map((d) => ({
          cursor: d.position,
          node: {
            eventId: d.eventId,
            accountId: d.accountId,
            position: d.position,
            kind: d.kind,
            status: d.status,
            attempts: d.attempts,
            lastError: d.lastError,
            recipientUserId: d.recipient.userId,
            recipientEmail: d.recipient.email,
            createdAt: d.createdAt,
            updatedAt: d.updatedAt,
          },
        })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },

    createLoaders(accountId): Loaders {
      return {
        userById: new DataLoader(async (ids: readonly string[]) => {
          const found = users.usersByIds(db, ids);
          return ids.map((id) => {
            const user = found.get(id);
            return user && user.accountId === accountId ? user : null;
          });
        }),
        licensesByUserId: new DataLoader(async (ids: readonly string[]) => {
          const found = users.licensesByUserIds(db, ids);
          return ids.map((id) => (found.get(id) ?? []).filter((l) => l.accountId === accountId).map(toLicense));
        }),
      };
    },
  };
}

/**
 * Pushes the current seats of a product each time a committed batch changed them. Changes that arrive while the
 * consumer is busy coalesce into one (the latest count), so a slow consumer never grows a queue.
 */
function seatChanges(
  runner: ReadSide,
  currentSeats: (accountId: string, product: Product) => SeatAvailabilityRow,
  accountId: string,
  product: Product | null,
): AsyncIterableIterator<SeatAvailabilityRow> {
  const dirty = new Set<Product>();
  const touches = (event: RecordedEvent) =>
    SEAT_EVENTS.has(event.type) &&
    event.metadata.accountId === accountId &&
    (product === null || event.data.product === product);
  const feed = wakeableIterator<SeatAvailabilityRow>({
    pull() {
      const [next] = dirty;
      if (!next) return undefined;
      dirty.delete(next);
      return currentSeats(accountId, next);
    },
    onEnd: () => unsubscribe(),
  });
  const unsubscribe = runner.onApplied((events: readonly RecordedEvent[]) => {
    for (const event of events) if (touches(event)) dirty.add(event.data.product as Product);
    if (dirty.size > 0) feed.wake();
  });
  return feed.iterator;
}
