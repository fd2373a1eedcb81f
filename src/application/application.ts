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

export interface Application {
  /** Sign-up: opens an account with its owner. No actor yet: the correlation id is the request's. */
  openAccount(
    request: { readonly correlationId: string },
    input: { accountName: string; ownerName: string; ownerEmail: string },
  ): Promise<Written & { accountId: string; ownerUserId: string }>;
  createUser(
    ctx: RequestContext,
    input: { email: string; name: string; role: Role },
  ): Promise<Written & { userId: string }>;
  changeUserRole(ctx: RequestContext, input: { userId: string; role: Role }): Promise<Written>;
  deactivateUser(ctx: RequestContext, input: { userId: string }): Promise<Written>;
  purchaseLicenses(
    ctx: RequestContext,
    input: { product: Product; planId: string; quantity: number; idempotencyKey?: string | null },
  ): Promise<Written>;
  upgradePlan(ctx: RequestContext, input: { product: Product; planId: string }): Promise<Written>;
  releaseLicenses(ctx: RequestContext, input: { product: Product; quantity: number }): Promise<Written>;
  assignLicense(ctx: RequestContext, input: { userId: string; product: Product }): Promise<Written>;
  revokeLicense(
    ctx: RequestContext,
    input: { userId: string; product: Product; reason?: string | null },
  ): Promise<Written>;
  /** The user's current state from their own stream (cached): where roles and accounts come from. */
  loadUser(userId: string): Promise<UserState>;
  /** The user an e-mail (any case) is reserved for, from the reservation stream; null when none. */
  findUserByEmail(email: string): Promise<{ userId: string; accountId: string } | null>;
}
