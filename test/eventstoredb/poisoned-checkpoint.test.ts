// KDB-710 against the adapter: on EventStoreDB 24.2-24.10.4 a filtered subscription to $all from the start of a young
// database can get (2^64-1, 2^64-1) as its checkpoint at the switch to live. Taken as a position, every later event is
// "before" it: read models would record it as applied, drop all that follows, answer read-your-writes at once, and
// resume after the end on restart. The adapter must refuse any position at or above 2^63, say so once, and keep the
// last good one. Runs on the TEST STAND-IN (not EventStoreDB) with its KDB-710 switch on.
import path from 'node:path';
import { openEventStoreDbEventStore } from '../../src/eventstore/eventstoredb';
import type { EventStore, SubscriptionMessage } from '../../src/eventstore/port';
import { anEvent, uniquePrefix } from '../eventstore/contract';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import { type FollowedReadModels, followReadModels } from '../support/followed-read-models';
import { EventLog, seatCount } from '../support/projection-world';
import { makeTempDir } from '../support/temp-dir';
import { withTimeout } from '../support/with-timeout';

/** Encoded positions start with the commit position's 20 digits: anything from 2^63 up starts with at least "0922". */
const isPoisoned = (position: string | null) => position !== null && BigInt(position.slice(0, 20)) >= 1n << 63n;

describe('a poisoned checkpoint at the switch to live (KDB-710, test stand-in)', () => {
  let standIn: EventStoreDbStandIn;
  let store: EventStore;
  let warnings: Array<{ obj: object; msg: string }>;
  let temp: ReturnType<typeof makeTempDir>;
  const runners: FollowedReadModels[] = [];

  beforeEach(async () => {
    // A young database: only the server's own events, so a subscription from the start finds nothing to send.
    standIn = await startEventStoreDbStandIn({ poisonedLiveCheckpoint: true });
    warnings = [];
    store = openEventStoreDbEventStore({
      connectionString: standIn.connectionString,
      logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
    });
    temp = makeTempDir('seatledger-kdb710-');
  });

  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await store.close();
    await standIn.stop();
    temp.cleanup();
  });

  const follow = async () => {
    const runner = followReadModels({ store, file: path.join(temp.dir, 'readmodels.db'), projections: [seatCount] });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  const purchased = (runner: FollowedReadModels, account: string) =>
    runner.db.prepare('SELECT purchased FROM seat_count WHERE account_id = ?').get(account);

  it('read models on the log consumer keep every later event, and resume from a sound checkpoint after a restart', async () => {
    const log = new EventLog(store);
    const first = await follow();

    const position = await log.purchase('acc-1', 'WEBINAR', 'webinar-100', 7);
    await first.waitForPosition(position, 3000);

    expect(purchased(first, 'acc-1')).toEqual({ purchased: 7 });
    expect(isPoisoned(first.readModels.checkpoint() as string | null)).toBe(false);
    expect(first.consumer.status().every((s) => !isPoisoned(s.position))).toBe(true);
    const said = warnings.filter((w) => /position/i.test(w.msg) && /2\^63/.test(w.msg));
    expect(said).toHaveLength(1);
    expect(said[0]?.obj).toMatchObject({ commit: '18446744073709551615', prepare: '18446744073709551615' });

    await first.stop();
    const afterRestart = await log.purchase('acc-2', 'WEBINAR', 'webinar-100', 3);
    const second = await follow();
    await second.waitForPosition(afterRestart, 3000);

    expect(purchased(second, 'acc-1')).toEqual({ purchased: 7 });
    expect(purchased(second, 'acc-2')).toEqual({ purchased: 3 });
  });

  it('a subscription with a stream filter never hands the poisoned checkpoint on, and delivers what follows', async () => {
    const prefix = uniquePrefix();
    const subscription = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
    const messages: SubscriptionMessage[] = [];
    const reading = (async () => {
      for await (const message of subscription) {
        messages.push(message);
        if (message.kind === 'caughtUp') {
          await store.appendToStream(`${prefix}a`, [anEvent('Later')], { expectedRevision: 'no_stream' });
        }
        if (message.kind === 'event') break;
      }
    })();
    try {
      await withTimeout(reading, 3000);
    } finally {
      await subscription.unsubscribe();
    }

    expect(messages.map((m) => m.kind)).toEqual(['caughtUp', 'event']);
    expect(messages.some((m) => m.kind !== 'event' && isPoisoned(m.position))).toBe(false);
    expect(warnings.filter((w) => /2\^63/.test(w.msg))).toHaveLength(1);
  });
});
