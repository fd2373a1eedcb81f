// The application's read side: every read is a read-model query scoped to one account, and every write is
// answered read-your-writes (its own position applied first), or from what the write side decided when the read
// models are late. The GraphQL layer maps to this and owns none of it.

import { invitationsByIds, invitationsPage } from '../../projections/invitations/queries';
import {
  eventById,
  type LicenseEventRow as HistoryRow,
  history,
  historyCount,
} from '../../projections/license-history/queries';
import { type SeatAlertRow, seatAlertsOf } from '../../projections/seat-alerts/queries';
import { seatsAsOf } from '../../projections/seat-availability/as-of';
import * as subscriptions from '../../projections/subscriptions/queries';
import * as users from '../../projections/users/queries';
import type { AssignedLicense, SubscriptionWritten, UserWritten } from '../application/application';
import type { InvitationWritten } from '../application/invitations';
import type { SeatAlertWritten } from '../application/seat-alerts';
import { NotFound } from '../domain/errors';
import type { InvitationStatus } from '../domain/invitation';
import { PRODUCTS, type Product } from '../domain/plans';
import { subscriptionStream } from '../domain/streams';
import type { UserState } from '../domain/user';
import type { Position } from '../eventstore/port';
import {
  countDeliveries,
  type Delivery,
  type DeliveryStatus,
  deliveryById,
  listDeliveries,
  type NotificationsDb,
} from '../notifications/db';
import { decidedLicense, decidedSeats, decidedSubscription, decidedUser } from './decided-rows';
import { liveFeed } from './live-feed';
import type { FencedReadModelSource, LogReader, ReadModelSource } from './read-models';
import { CommittedNotYetVisible, type ReadYourWritesLogger, readYourWrites } from './read-your-writes';
import type {
  AccountRow,
  Connection,
  CountedConnection,
  InvitationRow,
  LicenseEventRow,
  LicenseRow,
  NotificationDeliveryRow,
  PageArgs,
  ProductSubscriptionRow,
  SeatAvailabilityRow,
  UserRow,
} from './rows';
import { seatChanges } from './seat-changes';
import { seatCounts } from './seat-counts';

interface QueryServiceDeps {
  readonly readModels: ReadModelSource;
  /** The licence history's file when it is not the read models' (the server keeps it in history.db). */
  readonly history?: FencedReadModelSource;
  readonly log: LogReader;
  /** The notifier's delivery records; null where this instance runs no reactors (then no deliveries are listed). */
  readonly notificationsDb?: NotificationsDb | null;
  /** How long a write waits for the read models before it is answered from the write side; default 5 s. */
  readonly readYourWritesTimeoutMs?: number;
  /** Told how many rows each page of a live `licenseEvents` feed read (for /metrics). */
  readonly onLiveRead?: (rows: number) => void;
  readonly logger?: ReadYourWritesLogger;
}

export interface Assignment {
  readonly license: LicenseRow;
  readonly user: UserRow;
  readonly seats: SeatAvailabilityRow;
  /**
   * Every licence of the user as the answer read them, after the write (null when the answer came from the write
   * side): a request's licence loader can start with them instead of reading them again.
   */
  readonly userLicenses: readonly LicenseRow[] | null;
}

export interface Revocation {
  readonly user: UserRow;
  readonly seats: SeatAvailabilityRow;
  /** Every licence the user still holds, as the answer read them (null from the write side); as in Assignment. */
  readonly userLicenses: readonly LicenseRow[] | null;
}

export interface Deactivation {
  readonly user: UserRow;
  /** Every product of the catalogue, in its order, after the user's licences were revoked. */
  readonly seats: readonly SeatAvailabilityRow[];
}

/** An invitation after a write, with the seats of its products as they stand after it. */
export interface InvitationAnswer {
  readonly invitation: InvitationRow;
  readonly seats: readonly SeatAvailabilityRow[];
}

export interface QueryService {
  // Reads take the account they are scoped to; an id of another account answers as absent (NotFound), never
  // revealing that it exists.
  account(accountId: string): AccountRow;
  /** Current seats, or as they stood at `asOf` (folded from the subscription's own stream). */
  seatAvailability(accountId: string, product: Product, asOf: Date | null): Promise<SeatAvailabilityRow>;
  subscriptions(accountId: string): readonly ProductSubscriptionRow[];
  /** Users of the account; with `product`, only holders of a licence of that product. */
  searchUsers(
    accountId: string,
    args: PageArgs & { search?: string | null; product?: Product | null },
  ): CountedConnection<UserRow>;
  /** The account's history, oldest first. */
  licenseHistory(
    accountId: string,
    args: PageArgs & { userId?: string | null; product?: Product | null },
  ): Promise<Connection<LicenseEventRow>>;
  /** Every event of the account after `after` (or from now), then live. */
  licenseEvents(accountId: string, after: string | null): AsyncIterableIterator<LicenseEventRow>;
  /** Each change of a seat count of the account (of one product when given). */
  seatAvailabilityChanges(accountId: string, product: Product | null): AsyncIterableIterator<SeatAvailabilityRow>;
  /** The account's licence-mail deliveries, newest first; empty where this instance runs no notifier. */
  notifications(
    accountId: string,
    args: PageArgs & { status?: DeliveryStatus | null },
  ): Connection<NotificationDeliveryRow>;

  // Single entities by what their ids name (node(id:)); null for none in the account, never another account's.
  /** The licence of that product the user holds; null when they hold none. */
  license(accountId: string, userId: string, product: Product): LicenseRow | null;
  /** Null when the account never bought the product. */
  subscription(accountId: string, product: Product): ProductSubscriptionRow | null;
  licenseEvent(accountId: string, eventId: string): Promise<LicenseEventRow | null>;
  /** The delivery of the mail about that event. */
  notification(accountId: string, eventId: string): NotificationDeliveryRow | null;
  /** One batch of users by id, in the order asked; null for ids of no user or of another account. */
  usersByIds(accountId: string, ids: readonly string[]): (UserRow | null)[];
  /** The account's invitations (of one status when given), in the order they were sent. */
  invitations(
    accountId: string,
    args: PageArgs & { status?: InvitationStatus | null },
  ): CountedConnection<InvitationRow>;
  /** One batch of invitations by id, in the order asked; null for ids of none or of another account. */
  invitationsByIds(accountId: string, ids: readonly string[]): (InvitationRow | null)[];
  /** One batch of licences by holder, in the order asked; only the account's. */
  licensesByUserIds(accountId: string, ids: readonly string[]): (readonly LicenseRow[])[];

  // Answers to writes: read-your-writes, or the write side's decided state when the read models are late, or
  // CommittedNotYetVisible. Never an error for a write that committed.
  subscriptionAfter(written: SubscriptionWritten, accountId: string, product: Product): Promise<ProductSubscriptionRow>;
  userAfter(written: UserWritten, accountId: string, userId: string): Promise<UserRow>;
  assignmentAfter(
    written: SubscriptionWritten & UserWritten & { license: AssignedLicense },
    accountId: string,
    input: { userId: string; product: Product },
  ): Promise<Assignment>;
  /**
   * The users a bulk operation wrote, in order, once the read models show `position` (null: nothing written, read
   * as they stand); from their streams' states when the read models are late.
   */
  usersAfter(position: Position | null, accountId: string, users: readonly UserState[]): Promise<UserRow[]>;
  revocationAfter(
    written: SubscriptionWritten & UserWritten,
    accountId: string,
    input: { userId: string; product: Product },
  ): Promise<Revocation>;
  /**
   * The deactivated user once the deactivation reactor's revocations (written after the deactivation, by whichever
   * instance runs the reactor) are in the read models too; CommittedNotYetVisible when they are not in time.
   */
  deactivationAfter(written: UserWritten, accountId: string, userId: string): Promise<Deactivation>;
  /**
   * An invitation and its products' seats after a write. `sent` (when the write knows it: inviteUser) lets the
   * write side answer when the read models are late; without it a late read model is CommittedNotYetVisible.
   */
  invitationAfter(
    written: InvitationWritten,
    accountId: string,
    sent?: { createdAt: string; invitedById: string },
  ): Promise<InvitationAnswer>;
  /** A new account and its owner; `decided` builds them from the write side if the read models are late. */
  signedUp(
    position: Position | undefined,
    ids: { accountId: string; userId: string },
    decided: () => Promise<{ account: AccountRow; owner: UserState }>,
  ): Promise<{ account: AccountRow; user: UserRow }>;
  /**
   * The user who just signed in; without a position of their own (nothing written) the wait is for the log's
   * head, since they may have signed up a moment ago.
   */
  signedIn(userId: string, position: Position | undefined, decided: () => Promise<UserState>): Promise<UserRow>;

  /** The account's seat alerts, in product order. */
  seatAlerts(accountId: string): SeatAlertRow[];
  /** The account's active OWNER and ADMINs: who gets its seat alert mails. */
  accountAdmins(accountId: string): UserRow[];
  /** The product's alert after setSeatAlert (null: none); from the rule the write side holds if the read models are late. */
  seatAlertAfter(
    written: SeatAlertWritten,
    accountId: string,
    product: Product,
  ): Promise<{ readonly alert: SeatAlertRow | null }>;

  /** Stops following the read models. */
  close(): void;
}

const LIVE_PAGE = 200;

const toLicense = (row: users.LicenseRow): LicenseRow => ({ ...row, assignedById: row.assignedBy });
const toEventRow = (row: HistoryRow): LicenseEventRow => row;

const toDeliveryRow = (d: Delivery): NotificationDeliveryRow => ({
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
});

/** A page's flags and end cursors as the connection's pageInfo. */
const pageInfoOf = (page: {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}) => ({
  hasNextPage: page.hasNextPage,
  hasPreviousPage: page.hasPreviousPage,
  startCursor: page.startCursor,
  endCursor: page.endCursor,
});

export function createQueryService(deps: QueryServiceDeps): QueryService {
  const { readModels, log } = deps;
  const { db } = readModels;
  // Read at each call: a rebuild worker may hold history's file for a while (its `db` throws SERVICE_UNAVAILABLE then).
  const historySource = deps.history ?? readModels;
  const seats = seatCounts(readModels);
  const writes = readYourWrites(readModels, {
    ...(deps.readYourWritesTimeoutMs !== undefined ? { timeoutMs: deps.readYourWritesTimeoutMs } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });

  /** The history's connection once it shows every write answered so far (writes are not kept waiting for it). */
  const fencedHistory = async () => {
    if (deps.history) {
      // Its `db` first: while a rebuild worker holds the file, that answers SERVICE_UNAVAILABLE at once, no wait.
      void deps.history.db;
      await writes.fenced(deps.history, 'licence history');
    }
    return historySource.db;
  };

  /** A user of the account from the read model; an id of another account is NotFound, never revealed. */
  const userOf = (accountId: string, userId: string): UserRow => {
    const user = users.userInAccount(db, accountId, userId);
    if (!user) throw new NotFound('user', `no user ${userId} in this account`);
    return user;
  };

  const subscriptionOf = (accountId: string, product: Product): ProductSubscriptionRow => {
    const subscription = subscriptions.get(db, accountId, product);
    if (!subscription) throw new NotFound('subscription', `this account has no ${product} subscription`);
    return subscription;
  };

  const accountOf = (accountId: string): AccountRow => {
    const account = users.getAccount(db, accountId);
    if (!account) throw new NotFound('account', 'no such account');
    return { id: account.id, name: account.name, ownerId: account.ownerUserId };
  };

  /** The user's licences, only the account's (as the licence loader reads them). */
  const licensesOf = (accountId: string, userId: string): LicenseRow[] =>
    (users.licensesByUserIds(db, [userId]).get(userId) ?? []).filter((l) => l.accountId === accountId).map(toLicense);

  return {
    account: accountOf,

    async seatAvailability(accountId, product, asOf) {
      if (!asOf) return seats.current(accountId, product);
      // The past is folded from the subscription stream itself, never from a stored snapshot.
      const counts = await seatsAsOf(log.readStream(subscriptionStream(accountId, product)), asOf);
      return { accountId, product, ...counts, view: { kind: 'asOf', asOf } };
    },

    subscriptions: (accountId) => subscriptions.listForAccount(db, accountId),

    searchUsers(accountId, args) {
      const page = args.product
        ? subscriptions.assignees(db, accountId, args.product, args)
        : users.searchUsers(db, accountId, args);
      return { edges: page.edges, pageInfo: pageInfoOf(page), totalCount: page.totalCount };
    },

    async licenseHistory(accountId, args) {
      // A filter on a user of no account or of another one is NOT_FOUND, as everywhere else (api.md), not an empty page.
      if (args.userId) userOf(accountId, args.userId);
      const historyDb = await fencedHistory();
      const page = history(historyDb, accountId, args);
      return {
        edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toEventRow(edge.node) })),
        pageInfo: pageInfoOf(page),
        // Counted only when a client asks: a long history costs an index scan.
        get totalCount() {
          return historyCount(historyDb, accountId, args);
        },
      };
    },

    licenseEvents(accountId, after) {
      return liveFeed<LicenseEventRow, string>({
        // "From now": after the head of the log when the subscriber starts listening.
        start: after ?? (async () => (await log.headPosition()) ?? ''),
        readPage: (cursor) =>
          history(historySource.db, accountId, { after: cursor, first: LIVE_PAGE }).nodes.map(toEventRow),
        cursorOf: (row) => row.position,
        onApplied: (listener) => historySource.onApplied(listener),
        ...(deps.onLiveRead ? { onRead: deps.onLiveRead } : {}),
      });
    },

    seatAvailabilityChanges: (accountId, product) => seatChanges(readModels, seats, accountId, product),

    notifications(accountId, args) {
      const notificationsDb = deps.notificationsDb;
      if (!notificationsDb) {
        const none = { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };
        return { edges: [], pageInfo: none, totalCount: 0 };
      }
      const page = listDeliveries(notificationsDb, accountId, args);
      return {
        edges: page.edges.map(({ cursor, node }) => ({ cursor, node: toDeliveryRow(node) })),
        pageInfo: pageInfoOf(page),
        get totalCount() {
          return countDeliveries(notificationsDb, accountId, args);
        },
      };
    },

    license(accountId, userId, product) {
      const license = users
        .licensesByUserIds(db, [userId])
        .get(userId)
        ?.find((l) => l.product === product && l.accountId === accountId);
      return license ? toLicense(license) : null;
    },

    subscription: (accountId, product) => subscriptions.get(db, accountId, product),

    licenseEvent: async (accountId, eventId) => eventById(await fencedHistory(), accountId, eventId),

    notification(accountId, eventId) {
      const delivery = deps.notificationsDb ? deliveryById(deps.notificationsDb, accountId, eventId) : null;
      return delivery ? toDeliveryRow(delivery) : null;
    },

    usersByIds(accountId, ids) {
      const found = users.usersByIds(db, ids);
      return ids.map((id) => {
        const user = found.get(id);
        return user && user.accountId === accountId ? user : null;
      });
    },

    invitations(accountId, args) {
      const page = invitationsPage(db, accountId, args);
      return { edges: page.edges, pageInfo: pageInfoOf(page), totalCount: page.totalCount };
    },

    invitationsByIds(accountId, ids) {
      const found = invitationsByIds(db, accountId, ids);
      return ids.map((id) => found.get(id) ?? null);
    },

    licensesByUserIds(accountId, ids) {
      const found = users.licensesByUserIds(db, ids);
      return ids.map((id) => (found.get(id) ?? []).filter((l) => l.accountId === accountId).map(toLicense));
    },

    subscriptionAfter(written, accountId, product) {
      return writes.answer(
        written.position,
        () => subscriptionOf(accountId, product),
        () => (written.subscription ? decidedSubscription(written.subscription) : null),
      );
    },

    userAfter(written, accountId, userId) {
      return writes.answer(
        written.position,
        () => userOf(accountId, userId),
        () => decidedUser(log, written.user),
      );
    },

    assignmentAfter(written, accountId, { userId, product }) {
      return writes.answer(
        written.position,
        (): Assignment => {
          const userLicenses = licensesOf(accountId, userId);
          return {
            // A repeat (same idempotency key) of an assignment revoked since still answers the licence it made.
            license: userLicenses.find((l) => l.product === product) ?? decidedLicense(written.license),
            user: userOf(accountId, userId),
            seats: seats.fresh(accountId, product),
            userLicenses,
          };
        },
        async () => {
          const user = await decidedUser(log, written.user);
          if (!user || !written.subscription) return null;
          return {
            license: decidedLicense(written.license),
            user,
            seats: decidedSeats(written.subscription),
            userLicenses: null,
          };
        },
      );
    },

    async usersAfter(position, accountId, states) {
      const ids = states.map((user) => (user.status === 'absent' ? '' : user.userId));
      const decided = async () => {
        const rows = await Promise.all(states.map((user) => decidedUser(log, user)));
        return rows.every((row) => row !== null) ? (rows as UserRow[]) : null;
      };
      const read = () => {
        const found = users.usersByIds(db, ids);
        return ids.map((id) => {
          const user = found.get(id);
          return user && user.accountId === accountId ? user : null;
        });
      };
      if (position === null) {
        // Nothing written: users the read models do not show yet (just created elsewhere) come from their streams.
        const rows = read();
        return rows.every((row) => row !== null) ? (rows as UserRow[]) : ((await decided()) ?? []);
      }
      return writes.answer(
        position,
        () => {
          const rows = read();
          if (rows.some((row) => row === null)) throw new NotFound('user', 'a user of the operation is not visible');
          return rows as UserRow[];
        },
        decided,
      );
    },

    revocationAfter(written, accountId, { userId, product }) {
      return writes.answer(
        written.position,
        (): Revocation => ({
          user: userOf(accountId, userId),
          seats: seats.fresh(accountId, product),
          userLicenses: licensesOf(accountId, userId),
        }),
        async () => {
          const user = await decidedUser(log, written.user);
          if (!user || !written.subscription) return null;
          return { user, seats: decidedSeats(written.subscription), userLicenses: null };
        },
      );
    },

    seatAlerts: (accountId) => seatAlertsOf(db, accountId),

    accountAdmins: (accountId) => users.accountAdmins(db, accountId),

    seatAlertAfter(written, accountId, product) {
      return writes.answer(
        written.position,
        () => ({ alert: seatAlertsOf(db, accountId).find((alert) => alert.product === product) ?? null }),
        // Late read models: the rule as decided, not firing yet (the reactor decides that after the write).
        () => ({
          alert: written.rule && { accountId, product, ...written.rule, firing: false, lastCrossedAt: null },
        }),
      );
    },

    invitationAfter(written, accountId, sent) {
      const { invitation } = written;
      return writes.answer(
        written.position,
        () => {
          const [row] = invitationsByIds(db, accountId, [invitation.invitationId]).values();
          if (!row) throw new NotFound('invitation', `invitation ${invitation.invitationId} not found`);
          return { invitation: row, seats: row.products.map((product) => seats.fresh(accountId, product)) };
        },
        async () =>
          sent
            ? {
                invitation: {
                  id: invitation.invitationId,
                  accountId: invitation.accountId,
                  userId: invitation.userId,
                  products: invitation.products,
                  status: invitation.status,
                  expiresAt: invitation.expiresAt,
                  ...sent,
                },
                seats: written.seats.map(decidedSeats),
              }
            : null,
      );
    },

    async deactivationAfter(written, accountId, userId) {
      // Waiting for "no licence left" rather than for the reactor itself: it holds whichever instance revokes, and
      // also a licence assigned in a race with the deactivation (which the reactor revokes too).
      const revoked = () => (users.licensesByUserIds(db, [userId]).get(userId) ?? []).length === 0;
      if (!(await writes.visibleWhen(written.position, revoked))) throw new CommittedNotYetVisible(written.position);
      return { user: userOf(accountId, userId), seats: PRODUCTS.map((product) => seats.fresh(accountId, product)) };
    },

    async signedUp(position, { accountId, userId }, decided) {
      const read = () => ({ account: accountOf(accountId), user: userOf(accountId, userId) });
      const target = position ?? (await log.headPosition());
      if (target === null) return read();
      return writes.answer(target, read, async () => {
        const { account, owner } = await decided();
        const user = await decidedUser(log, owner);
        return user ? { account: { ...account, decidedOwner: user }, user } : null;
      });
    },

    async signedIn(userId, position, decided) {
      const read = () => {
        const [user] = users.usersByIds(db, [userId]).values();
        if (!user) throw new NotFound('user', 'no such user');
        return user;
      };
      const target = position ?? (await log.headPosition());
      // An empty log has nothing to wait for.
      if (target === null) return read();
      return writes.answer(target, read, async () => decidedUser(log, await decided()));
    },

    close: () => seats.close(),
  };
}
