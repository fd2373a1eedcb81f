// The rows the query service answers with: the shapes the GraphQL object types are filled from. Instants are
// Date or ISO-8601 strings, as read models and events hold them.
import type { Product } from '../domain/plans';
import type { DeliveryKind, DeliveryStatus } from '../notifications/db';

/** Instants arrive from read models as Date or ISO-8601 strings; the DateTime scalar accepts both. */
export type Instant = Date | string;

import type { InvitationRow } from '../../projections/invitations/queries';
import type { SeatAlertRow } from '../../projections/seat-alerts/queries';
import type { UserRow } from '../../projections/users/queries';

/** A user as the users read model answers it (the write side's fallback builds the same shape). */
/** An invitation as the invitations read model answers it. */
/** A product's seat alert as the seat-alerts read model answers it. */
export type { InvitationRow, SeatAlertRow, UserRow };

export interface LicenseRow {
  readonly accountId: string;
  readonly userId: string;
  readonly product: Product;
  readonly planId: string;
  readonly assignedAt: Instant;
  /** Null when the assigner is unknown to the read model (e.g. a system actor). */
  readonly assignedById: string | null;
}

/**
 * Which counts a seat row holds: the live ones (every live read of an account's product is the same entity to a
 * client's cache), the counts as of a past instant, or the counts before or after one bulk operation.
 */
export type SeatsView =
  | { readonly kind: 'live' }
  | { readonly kind: 'asOf'; readonly asOf: Date }
  | { readonly kind: 'operation'; readonly operationId: string; readonly side: 'before' | 'after' };

export interface SeatAvailabilityRow {
  readonly accountId: string;
  readonly product: Product;
  readonly purchased: number;
  readonly assigned: number;
  /** Seats held for pending invitations. */
  readonly reserved: number;
  /** purchased − assigned − reserved */
  readonly available: number;
  /** Absent: live. */
  readonly view?: SeatsView;
}

export interface ProductSubscriptionRow {
  readonly id: string;
  readonly accountId: string;
  readonly product: Product;
  readonly planId: string;
  /**
   * Set only when the row was answered from the write side (the read models were late): the seats the write
   * left, which the read models do not show yet. Otherwise the seats are read as current.
   */
  readonly decidedSeats?: SeatAvailabilityRow;
}

export interface AccountRow {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  /** Set only when answered from the write side (a sign-up the read models do not show yet): the owner. */
  readonly decidedOwner?: UserRow;
}

export interface LicenseEventRow {
  readonly id: string;
  readonly accountId: string;
  readonly position: string;
  readonly type: string;
  readonly occurredAt: Instant;
  readonly actorId: string | null;
  readonly product: Product | null;
  readonly userId: string | null;
  /** The event's payload as a JSON object string. */
  readonly data: string;
}

/** One licence mail's delivery record (the notifier's, in notifications.db). */
export interface NotificationDeliveryRow {
  readonly eventId: string;
  readonly accountId: string;
  /** The event's position in the log: the cursor. */
  readonly position: string;
  readonly kind: DeliveryKind;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly recipientUserId: string;
  readonly recipientEmail: string;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

export interface PageInfoRow {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

export interface Connection<T> {
  readonly edges: ReadonlyArray<{ readonly cursor: string; readonly node: T }>;
  readonly pageInfo: PageInfoRow;
  /** Every item the list holds under its filters, across pages (may be a getter: counted only when read). */
  readonly totalCount: number;
}

/** Kept for the connections that always counted; every connection counts now. */
export type CountedConnection<T> = Connection<T>;

/**
 * Page arguments after validation: `first` with `after` (forward) or `last` with `before` (backward), each 1..500,
 * never `first` and `last` together; cursors are opaque, from a previous page. Neither count: the list's default.
 */
export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

/** One item of a bulk operation not applied: `userId` for licence operations, `email` for createUsers. */
export interface BulkRefusalRow {
  readonly index: number;
  readonly userId: string | null;
  readonly email: string | null;
  readonly code: string;
  readonly message: string;
}

/** A bulk licence operation's answer; the seat rows carry the operation's own view (ids of their own). */
export interface BulkLicensesAnswer {
  readonly dryRun: boolean;
  readonly applied: readonly UserRow[];
  readonly refused: readonly BulkRefusalRow[];
  readonly seatsBefore: SeatAvailabilityRow;
  readonly seatsAfter: SeatAvailabilityRow;
}

export interface UsersCreatedAnswer {
  readonly dryRun: boolean;
  readonly created: readonly UserRow[];
  readonly refused: readonly BulkRefusalRow[];
}
