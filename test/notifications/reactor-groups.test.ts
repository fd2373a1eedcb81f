// A reactor in its consumer group on the EventStoreDB TEST STAND-IN (not EventStoreDB): a join the server never
// answers is left and tried again once the bound passes, "joined" is logged only on the server's confirmation, and a
// group lost after this instance had joined it is re-created from the end of the log, loudly, not from the start.
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { openEventStoreDbEventStore } from '../../src/eventstore/eventstoredb';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port';
import { type NotificationsDb, openNotificationsDb } from '../../src/notifications/db';
import { type RunningReactor, startReactor } from '../../src/notifications/reactor';
import { LogConsumer } from '../../src/processing/log-consumer';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import { makeTempDir } from '../support/temp-dir';
import { type CapturedLogger, captureLogger, eventually, sleep } from './support';

const JOIN_TIMEOUT_MS = 200;

let standIn: EventStoreDbStandIn;
let store: EventStore;
let db: NotificationsDb;
let logger: CapturedLogger;
let temp: ReturnType<typeof makeTempDir>;
let running: RunningReactor | null;
let handled: string[];
let prefix: string;

beforeEach(async () => {
  standIn = await startEventStoreDbStandIn();
  store = openEventStoreDbEventStore({ connectionString: standIn.connectionString, reconnectDelayMs: 20 });
  temp = makeTempDir();
  db = openNotificationsDb(temp.dir);
  logger = captureLogger();
  handled = [];
  running = null;
  prefix = `reactor${randomUUID().slice(0, 8)}-`;
});

afterEach(async () => {
  await running?.stop();
  await store.close();
  await standIn.stop();
  db.close();
  temp.cleanup();
});

function start(group = `group-${randomUUID()}`): RunningReactor {
  running = startReactor(
    {
      name: 'recorder',
      filter: { streamPrefixes: [prefix] },
      group,
      async handle(event: RecordedEvent) {
        handled.push(event.type);
        return undefined;
      },
    },
    {
      store,
      consumer: new LogConsumer({ store }),
      db,
      logger,
      retry: { baseMs: 20, maxMs: 100 },
      joinTimeoutMs: JOIN_TIMEOUT_MS,
    },
  );
  return running;
}

const append = (type: string) =>
  store.appendToStream(
    `${prefix}s`,
    [
      {
        id: randomUUID(),
        type,
        data: {},
        metadata: {
          accountId: 'a',
          actorId: 'b',
          occurredAt: new Date().toISOString(),
          correlationId: 'c',
          causationId: 'c',
          schemaVersion: 1,
        },
      },
    ],
    { expectedRevision: 'any' },
  );

const lines = (message: string) => logger.lines.filter((line) => line.includes(message));

describe('a reactor in its consumer group (on the EventStoreDB test stand-in)', () => {
  it('does not call itself joined while the server leaves the join unanswered, and joins again once the bound passes', async () => {
    await append('Before');
    standIn.persistent.hangJoins = true;
    const reactor = start();
    await sleep(JOIN_TIMEOUT_MS * 3);

    expect(lines('reactor joined its consumer group')).toEqual([]);
    expect(lines('did not confirm the join in time').length).toBeGreaterThanOrEqual(1);
    expect(reactor.status()).toMatchObject({ state: expect.stringMatching(/joining|waiting/) });

    standIn.persistent.hangJoins = false; // the node is ready: the next join is answered
    await reactor.started;
    await append('After');

    await eventually(() => expect(handled).toEqual(['Before', 'After']), 5_000);
    expect(lines('reactor joined its consumer group')).toHaveLength(1);
    expect(reactor.status()).toMatchObject({ state: 'joined', failures: 0 });
  });

  it('re-creates a group lost after it had joined from the end of the log, with an error, handling no event twice', async () => {
    const group = `group-${randomUUID()}`;
    await append('First');
    const reactor = start(group);
    await reactor.started;
    await append('Second');
    await eventually(() => expect(handled).toEqual(['First', 'Second']), 5_000);

    const admin = EventStoreDBClient.connectionString(standIn.connectionString);
    await admin.deletePersistentSubscriptionToAll(group);
    await admin.dispose();
    await eventually(() => expect(lines('re-created from the end of the log')).toHaveLength(1), 5_000);
    await eventually(() => expect(reactor.status()).toMatchObject({ state: 'joined' }), 5_000);
    await append('Third');

    await eventually(() => expect(handled).toEqual(['First', 'Second', 'Third']), 5_000);
    await sleep(200);
    expect(handled).toEqual(['First', 'Second', 'Third']);
    expect(JSON.parse(lines('re-created from the end')[0] as string)).toMatchObject({ level: 'error', group });
  });
});
