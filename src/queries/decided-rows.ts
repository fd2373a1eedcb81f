// Rows built from what the write side decided, for answering a committed write whose effect the read models do
// not show yet. Each mirrors what the projections would write for the same events.
import type { AssignedLicense, SubscriptionSeats } from '../application/application';
import { subscriptionStream, userStream } from '../domain/streams';
import { type UserState, userStatus } from '../domain/user';
import type { LogReader } from './read-models';
import type { LicenseRow, ProductSubscriptionRow, SeatAvailabilityRow, UserRow } from './rows';

export function decidedSeats(subscription: SubscriptionSeats): SeatAvailabilityRow {
  const { accountId, product, purchased, assigned, reserved } = subscription;
  return { accountId, product, purchased, assigned, reserved, available: purchased - assigned - reserved };
}

export function decidedSubscription(subscription: SubscriptionSeats): ProductSubscriptionRow {
  const { accountId, product, planId } = subscription;
  return {
    id: subscriptionStream(accountId, product),
    accountId,
    product,
    planId,
    decidedSeats: decidedSeats(subscription),
  };
}

export function decidedLicense(license: AssignedLicense): LicenseRow {
  const { accountId, userId, product, planId, assignedAt, assignedBy } = license;
  return { accountId, userId, product, planId, assignedAt, assignedById: assignedBy };
}

/**
 * The user as their stream stands; null for no user. The state carries no creation time, so it is read from the
 * stream's first event (UserCreated), whose occurredAt is what the users read model shows as well.
 */
export async function decidedUser(log: LogReader, user: UserState): Promise<UserRow | null> {
  if (user.status === 'absent') return null;
  let createdAt: string | undefined;
  for await (const event of log.readStream(userStream(user.userId), { maxCount: 1 })) {
    createdAt = event.metadata.occurredAt;
    break;
  }
  if (createdAt === undefined) return null;
  const { userId, accountId, email, name, role, status } = user;
  return { id: userId, accountId, email, name, role, active: status === 'active', status: userStatus(user), createdAt };
}

/** A user a dry run would create, as the users read model would show them then (`at`: when it was decided). */
export function plannedUser(user: UserState, at: Date): UserRow | null {
  if (user.status === 'absent') return null;
  const { userId, accountId, email, name, role, status } = user;
  return {
    id: userId,
    accountId,
    email,
    name,
    role,
    active: status === 'active',
    status: userStatus(user),
    createdAt: at.toISOString(),
  };
}
