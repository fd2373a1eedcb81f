// Seats as they stood at a past time: the subscription decider's own fold over its stream, never stored.
import { foldEvents } from '../../src/domain/decider';
import { isSubscriptionEvent } from '../../src/domain/events';
import {
  type SeatCounts,
  type SubscriptionEvent,
  type SubscriptionState,
  seatCounts,
  subscriptionDecider,
} from '../../src/domain/subscription';
import type { RecordedEvent } from '../../src/eventstore/port';

type SeatsAsOf = SeatCounts;

// Folded a chunk at a time: the decider copies the holders once per fold, not once per event.
const FOLD_CHUNK = 1000;

/** Folds one subscription stream's events that occurred at or before `asOf` (by metadata.occurredAt). */
export async function seatsAsOf(events: AsyncIterable<RecordedEvent>, asOf: Date): Promise<SeatsAsOf> {
  const limit = asOf.getTime();
  let state: SubscriptionState = subscriptionDecider.initialState();
  let chunk: SubscriptionEvent[] = [];
  for await (const event of events) {
    if (Date.parse(event.metadata.occurredAt) > limit || !isSubscriptionEvent(event)) continue;
    chunk.push(event);
    if (chunk.length >= FOLD_CHUNK) {
      state = foldEvents(subscriptionDecider, state, chunk);
      chunk = [];
    }
  }
  return seatCounts(foldEvents(subscriptionDecider, state, chunk));
}
