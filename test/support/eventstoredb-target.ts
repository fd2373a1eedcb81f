// Where the EventStoreDB specs run: a real server when EVENTSTORE_CONNECTION_STRING is set, otherwise the in-repo
// TEST STAND-IN (not EventStoreDB), started for the spec and stopped after it.
import { startEventStoreDbStandIn } from './eventstoredb-standin';

export const realEventStoreDb = process.env.EVENTSTORE_CONNECTION_STRING;
/** For test names: which server the figures and answers come from. */
export const eventStoreDbTarget = realEventStoreDb ? 'a real EventStoreDB' : 'the test stand-in (not EventStoreDB)';

export interface EventStoreDbForTests {
  readonly connectionString: string;
  /** Stops the stand-in, if one was started; a real server is left alone. */
  stop(): Promise<void>;
}

export async function eventStoreDbForTests(): Promise<EventStoreDbForTests> {
  if (realEventStoreDb) return { connectionString: realEventStoreDb, stop: () => Promise.resolve() };
  const standIn = await startEventStoreDbStandIn();
  return { connectionString: standIn.connectionString, stop: () => standIn.stop() };
}
