// What the outside (GraphQL, CLI, reactors) may ask of the write side. Implemented by createApplication.
import type { Actor, Role } from '../domain/decider';
import type { Product } from '../domain/plans';
import type { UserState } from '../domain/user';
import type { Position } from '../eventstore/port';
import type { BulkOperations } from './bulk';
import type { Invitations } from './invitations';
import type { SeatAlerts } from './seat-alerts';

/** Who asks and why: becomes the events' actorId, correlationId and causationId. */
export interface RequestContext {
  readonly actor: Actor;
  readonly correlationId: string;
  /** The message (request or event id) that caused this command; defaults to correlationId. */
  readonly causationId?: string;
}

/**
 * What caused a change the system makes (a reactor's): recorded with actorId `system`, the event it acted on as
 * causationId, and the user whose act it carries out as metadata `onBehalfOf`.
 */
export interface SystemCause {
  readonly correlationId: string;
  /** The id of the event the reactor acted on. */
  readonly causationId: string;
  /** The user whose act the change carries out (who deactivated the holder, or who assigned to an inactive user). */
  readonly onBehalfOf: string;
}

/** Every write answers with the position of its last event, so the caller can wait for its projections. */
export interface Written {
  readonly position: Position;
}

// What a write decided, handed back with its position: when the read models have not caught up in time, the
// caller answers from these rather than calling a committed write a failure.

/** A subscription's plan and seats as its stream stands right after a write. */
export interface SubscriptionSeats {
  readonly accountId: string;
  readonly product: Product;
  readonly planId: string;
  readonly purchased: number;
  readonly assigned: number;
  /** Held for pending invitations. */
  readonly reserved: number;
}

/** A write on a subscription stream; `subscription` is null only where nothing was ever bought. */
export interface SubscriptionWritten extends Written {
  readonly subscription: SubscriptionSeats | null;
}

/** A write on or about a user: the user's state from their own stream. */
export interface UserWritten extends Written {
  readonly user: UserState;
}

/** The licence as its LicenseAssigned event recorded it. */
export interface AssignedLicense {
  readonly accountId: string;
  readonly userId: string;
  readonly product: Product;
  readonly planId: string;
  /** ISO-8601, the event's occurredAt. */
  readonly assignedAt: string;
  readonly assignedBy: string;
}

/**
 * Every state-changing command of a caller takes an optional `idempotencyKey`: the same key and input again, within
 * the account and the command, answer the first write (its ids, the state as it stands now) and write nothing;
 * another input is IDEMPOTENCY_KEY_REUSED (src/application/idempotency.ts, docs/idempotency.md).
 * The bulk operations (src/application/bulk.ts) are the application's too.
 */
export interface Application extends BulkOperations {
  /** Sign-up: opens an account with its owner. No actor yet: the correlation id is the request's. */
  openAccount(
    request: { readonly correlationId: string },
    input: { accountName: string; ownerName: string; ownerEmail: string },
  ): Promise<Written & { accountId: string; ownerUserId: string }>;
  createUser(
    ctx: RequestContext,
    input: { email: string; name: string; role: Role; idempotencyKey?: string | null },
  ): Promise<UserWritten & { userId: string }>;
  changeUserRole(
    ctx: RequestContext,
    input: { userId: string; role: Role; idempotencyKey?: string | null },
  ): Promise<UserWritten>;
  deactivateUser(ctx: RequestContext, input: { userId: string; idempotencyKey?: string | null }): Promise<UserWritten>;
  purchaseLicenses(
    ctx: RequestContext,
    input: { product: Product; planId: string; quantity: number; idempotencyKey?: string | null },
  ): Promise<SubscriptionWritten>;
  upgradePlan(
    ctx: RequestContext,
    input: { product: Product; planId: string; idempotencyKey?: string | null },
  ): Promise<SubscriptionWritten>;
  releaseLicenses(
    ctx: RequestContext,
    input: { product: Product; quantity: number; idempotencyKey?: string | null },
  ): Promise<SubscriptionWritten>;
  /** `user` is the assignee as the decision saw them. */
  assignLicense(
    ctx: RequestContext,
    input: { userId: string; product: Product; idempotencyKey?: string | null },
  ): Promise<SubscriptionWritten & UserWritten & { license: AssignedLicense }>;
  revokeLicense(
    ctx: RequestContext,
    input: { userId: string; product: Product; reason?: string | null; idempotencyKey?: string | null },
  ): Promise<SubscriptionWritten & UserWritten>;
  /** A licence revoked by the system (the deactivation reactor), in the account the input names. */
  revokeLicenseAsSystem(
    cause: SystemCause,
    input: { accountId: string; userId: string; product: Product; reason: string | null },
  ): Promise<Written>;
  /** The user's current state from their own stream (cached): where roles and accounts come from. */
  loadUser(userId: string): Promise<UserState>;
  /** The user an e-mail (any case) is reserved for, from the reservation stream; null when none. */
  findUserByEmail(email: string): Promise<{ userId: string; accountId: string } | null>;
  /** Invitations that hold a seat (src/application/invitations.ts), on the same command handler. */
  readonly invitations: Invitations;
  /** Seat alerts: the account's rules and the alert streams (src/application/seat-alerts.ts). */
  readonly seatAlerts: SeatAlerts;
}
