// Current seat counts, the SPA's most frequent read: answered from memory until the read models next change.
// A read after one's own write goes to the read model (`fresh`), so read-your-writes never depends on this cache
// having been cleared before the writer's wait returned.
import * as seats from '../../projections/seat-availability/queries';
import type { Product } from '../domain/plans';
import type { ReadModelSource } from './read-models';
import type { SeatAvailabilityRow } from './rows';

/** Accounts × products kept in memory between read-model changes. */
const SEATS_READ_LIMIT = 10_000;

export interface SeatCounts {
  /** From memory when this key was read since the last applied batch. */
  current(accountId: string, product: Product): SeatAvailabilityRow;
  /** From the read model, remembered for the next `current`. */
  fresh(accountId: string, product: Product): SeatAvailabilityRow;
  /** Stops following the read models. */
  close(): void;
}

export function seatCounts(readModels: Pick<ReadModelSource, 'db' | 'onApplied'>): SeatCounts {
  const remembered = new Map<string, SeatAvailabilityRow>();
  const unsubscribe = readModels.onApplied(() => remembered.clear());
  const keyOf = (accountId: string, product: Product) => `${accountId}\u0000${product}`;

  const fresh = (accountId: string, product: Product): SeatAvailabilityRow => {
    if (remembered.size >= SEATS_READ_LIMIT) remembered.clear();
    const row = { accountId, ...seats.seatAvailability(readModels.db, accountId, product) };
    remembered.set(keyOf(accountId, product), row);
    return row;
  };

  return {
    current: (accountId, product) => remembered.get(keyOf(accountId, product)) ?? fresh(accountId, product),
    fresh,
    close: unsubscribe,
  };
}
