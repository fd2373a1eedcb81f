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

/** A read-model file of the data dir, the lane of the log consumer that writes it, and the projections it holds. */
export interface ReadModelFile {
  /** Its name in the data dir. */
  readonly file: string;
  /** Its lane's name (logs, `/readyz`, `/metrics`). */
  readonly processor: string;
  readonly projections: readonly ProjectionDefinition[];
}

/** Seats, subscriptions, users, invitations and alerts: what most queries read. */
export const readModelsFile: ReadModelFile = {
  file: 'readmodels.db',
  processor: 'read-models',
  projections: [
    seatAvailabilityProjection,
    subscriptionsProjection,
    usersProjection,
    invitationsProjection,
    seatAlertsProjection,
  ],
};

/**
 * The licence history, a row per licence event, in a file of its own: a second writer, so a rebuild from scratch
 * runs it in a worker thread on the other core beside the rest (bench:replay: 19 s instead of 30 s for 1M events),
 * and the server writes it from a thread of its own once caught up.
 */
export const historyFile: ReadModelFile = {
  file: 'history.db',
  processor: 'license-history',
  projections: [licenseHistoryProjection],
};

export const readModelFiles: readonly ReadModelFile[] = [readModelsFile, historyFile];

export const allProjections: readonly ProjectionDefinition[] = readModelFiles.flatMap((file) => file.projections);

/** The projections of these names, in this order: how a worker thread, handed names, finds what to run. */
export function projectionsNamed(names: readonly string[]): ProjectionDefinition[] {
  return names.map((name) => {
    const projection = allProjections.find((p) => p.name === name);
    if (!projection) throw new Error(`no projection named ${name}`);
    return projection;
  });
}
