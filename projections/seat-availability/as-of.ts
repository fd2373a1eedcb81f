// Seats as they stood at a past time: folded from the subscription stream itself, never stored.
import type { RecordedEvent } from '../../src/eventstore/port';

export interface SeatsAsOf {
  readonly purchased: number;
  readonly assigned: number;
  readonly available: number;
}

/** Folds one subscription stream's events that occurred at or before `asOf` (by metadata.occurredAt). */
export async function seatsAsOf(events: AsyncIterable<RecordedEvent>, asOf: Date): Promise<SeatsAsOf> {
  const limit = asOf.getTime();
  let purchased = 0;
  let assigned = 0;
  for await (const event of events) {
    if (Date.parse(event.metadata.occurredAt) > limit) continue;
    switch (event.type) {
      case 'LicensePurchased':
        purchased += event.data.quantity as number;
        break;
      case 'LicensesReleased':
        purchased -= event.data.quantity as number;
        break;
      case 'LicenseAssigned':
        assigned += 1;
        break;
      case 'LicenseRevoked':
        assigned -= 1;
        break;
    }
  }
  return { purchased, assigned, available: purchased - assigned };
}
