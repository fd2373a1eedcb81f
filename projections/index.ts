// Every read model the API serves, in the order the runner applies them.
import type { ProjectionDefinition } from '../src/projection-runtime/define';
import { invitationsProjection } from './invitations';
import { licenseHistoryProjection } from './license-history';
import { seatAlertsProjection } from './seat-alerts';
import { seatAvailabilityProjection } from './seat-availability';
import { subscriptionsProjection } from './subscriptions';
import { usersProjection } from './users';

export {
  invitationsProjection,
  licenseHistoryProjection,
  seatAlertsProjection,
  seatAvailabilityProjection,
  subscriptionsProjection,
  usersProjection,
};

export const allProjections: readonly ProjectionDefinition[] = [
  seatAvailabilityProjection,
  subscriptionsProjection,
  usersProjection,
  licenseHistoryProjection,
  invitationsProjection,
  seatAlertsProjection,
];
