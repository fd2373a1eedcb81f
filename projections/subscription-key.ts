// The key every read model of a product subscription shares: the account and the product of the event.
import type { RecordedEvent } from '../src/eventstore/port';

export const subscriptionKey = (event: RecordedEvent) =>
  [event.data.accountId as string, event.data.product as string] as const;
