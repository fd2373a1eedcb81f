// Read-your-writes on EventStoreDB, where a filtered subscription checkpoints only every 32 events searched: a
// writer whose last event is on a stream the projections skip (credentials-) must still read its write at once.
// Runs on the in-repo TEST STAND-IN (not EventStoreDB), or on a real server when EVENTSTORE_CONNECTION_STRING is set.
import path from 'node:path';
import { openEventStoreDbEventStore } from '../../src/eventstore/eventstoredb';
import type { EventStore } from '../../src/eventstore/port';
import { type EventStoreDbForTests, eventStoreDbForTests } from '../support/eventstoredb-target';
import { type FollowedReadModels, followReadModels } from '../support/followed-read-models';
import { EventLog, seatCount } from '../support/projection-world';
import { makeTempDir } from '../support/temp-dir';

describe('read models on the log consumer on EventStoreDB (test stand-in unless EVENTSTORE_CONNECTION_STRING is set)', () => {
  let eventStoreDb: EventStoreDbForTests | undefined;
  let store: EventStore;
  let runner: FollowedReadModels;
  let temp: ReturnType<typeof makeTempDir>;

  beforeEach(async () => {
    eventStoreDb = await eventStoreDbForTests();
    store = openEventStoreDbEventStore({ connectionString: eventStoreDb.connectionString });
    temp = makeTempDir('seatledger-runner-esdb-');
    runner = followReadModels({ store, file: path.join(temp.dir, 'readmodels.db'), projections: [seatCount] });
    await runner.start();
  });

  afterEach(async () => {
    await runner.stop();
    await store.close();
    await eventStoreDb?.stop();
    temp.cleanup();
  });

  it('a writer whose last event is on a skipped stream reads its licence write well before the timeout', async () => {
    const log = new EventLog(store);
    const account = `acc-${Date.now()}`;
    await log.purchase(account, 'WEBINAR', 'webinar-100', 7);
    const position = await log.storeCredentials(account, `ann-${Date.now()}`);

    const started = Date.now();
    await runner.waitForPosition(position, 3000);

    expect(Date.now() - started).toBeLessThan(1000);
    expect(runner.db.prepare('SELECT purchased FROM seat_count WHERE account_id = ?').get(account)).toEqual({
      purchased: 7,
    });
  });

  it('a wait on a skipped stream alone settles too', async () => {
    const log = new EventLog(store);
    const position = await log.storeCredentials('acc-x', `bob-${Date.now()}`);

    await expect(runner.waitForPosition(position, 1000)).resolves.toBeUndefined();
  });
});
