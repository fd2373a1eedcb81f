// What the outside (GraphQL, CLI, reactors) may ask of the write side. Implemented by createApplication.
import type { Actor, Role } from '../domain/decider';
import type { Product } from '../domain/plans';
import type { UserState } from '../domain/user';
import type { Position } from '../eventstore/port';

/** Who asks and why: becomes the events' actorId, correlationId and causationId. */
export interface RequestContext {
  readonly actor: Actor;
  readonly correlationId: string;
  /** The message (request or event id) that caused this command; defaults to correlationId. */
  readonly causationId?: string;
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

export interface Application {
  /** Sign-up: opens an account with its owner. No actor yet: the correlation id is the request's. */
  openAccount(
    request: { readonly correlationId: string },
    input: { accountName: string; ownerName: string; ownerEmail: string },
  ): Promise<Written & { accountId: string; ownerUserId: string }>;
  createUser(
    ctx: RequestContext,
    input: { email: string; name: string; role: Role },
  ): Promise<UserWritten & { userId: string }>;
  changeUserRole(ctx: RequestContext, input: { userId: string; role: Role }): Promise<UserWritten>;
  deactivateUser(ctx: RequestContext, input: { userId: string }): Promise<UserWritten>;
  purchaseLicenses(
    ctx: RequestContext,
    input: { product: Product; planId: string; quantity: number; idempotencyKey?: string | null },
  ): Promise<SubscriptionWritten>;
  upgradePlan(ctx: RequestContext, input: { product: Product; planId: string }): Promise<SubscriptionWritten>;
  releaseLicenses(ctx: RequestContext, input: { product: Product; quantity: number }): Promise<SubscriptionWritten>;
  /** `user` is the assignee as the decision saw them. */
  assignLicense(
    ctx: RequestContext,
    input: { userId: string; product: Product },
  ): Promise<SubscriptionWritten & UserWritten & { license: AssignedLicense }>;
  revokeLicense(
    ctx: RequestContext,
    input: { userId: string; product: Product; reason?: string | null },
  ): Promise<SubscriptionWritten & UserWritten>;
  /** The user's current state from their own stream (cached): where roles and accounts come from. */
  loadUser(userId: string): Promise<UserState>;
  /** The user an e-mail (any case) is reserved for, from the reservation stream; null when none. */
  findUserByEmail(email: string): Promise<{ userId: string; accountId: string } | null>;
}
