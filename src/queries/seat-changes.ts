// A live feed of an account's seat counts: pushes the current seats of a product each time a committed batch
// changed them.
import { isProduct, type Product } from '../domain/plans';
import type { RecordedEvent } from '../eventstore/port';
import { wakeableIterator } from './live-feed';
import type { ReadModelSource } from './read-models';
import type { SeatAvailabilityRow } from './rows';
import type { SeatCounts } from './seat-counts';

const SEAT_EVENTS = new Set(['LicensePurchased', 'LicensesReleased', 'LicenseAssigned', 'LicenseRevoked']);

/**
 * Changes that arrive while the consumer is busy coalesce into one (the latest count), so a slow consumer never
 * grows a queue. `product` null: every product of the account.
 */
export function seatChanges(
  readModels: Pick<ReadModelSource, 'onApplied'>,
  counts: Pick<SeatCounts, 'current'>,
  accountId: string,
  product: Product | null,
): AsyncIterableIterator<SeatAvailabilityRow> {
  const dirty = new Set<Product>();
  const touched = (event: RecordedEvent): Product | undefined => {
    if (!SEAT_EVENTS.has(event.type) || event.metadata.accountId !== accountId) return undefined;
    const touchedProduct = productOf(event);
    return product === null || touchedProduct === product ? touchedProduct : undefined;
  };
  const feed = wakeableIterator<SeatAvailabilityRow>({
    pull() {
      const [next] = dirty;
      if (!next) return undefined;
      dirty.delete(next);
      return counts.current(accountId, next);
    },
    onEnd: () => unsubscribe(),
  });
  const unsubscribe = readModels.onApplied((events: readonly RecordedEvent[]) => {
    for (const event of events) {
      const changed = touched(event);
      if (changed) dirty.add(changed);
    }
    if (dirty.size > 0) feed.wake();
  });
  return feed.iterator;
}

/** The product a seat event is about (events are plain data here: checked, not cast). */
function productOf(event: RecordedEvent): Product | undefined {
  const product = event.data.product;
  return typeof product === 'string' && isProduct(product) ? product : undefined;
}
