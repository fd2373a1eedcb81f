// Live subscriptions of the process read what this connection just committed from memory (one parsed event per row,
// however many subscribers): they must see exactly what reading the file would give, whoever else writes.
import path from 'node:path';
import type { AllSubscription } from '../../src/eventstore/port';
import { openSqliteEventStore, type SqliteEventStore } from '../../src/eventstore/sqlite';
import { makeTempDir } from '../support/temp-dir';
import { anEvent, collect, SubscriptionReader, streamName } from './contract';

describe('SQLite event log: subscriptions woken by a commit', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  const opened: SqliteEventStore[] = [];
  const subscriptions: AllSubscription[] = [];
  const open = () => {
    const store = openSqliteEventStore({ file });
    opened.push(store);
    return store;
  };
  const subscribe = async (store: SqliteEventStore, streamPrefixes?: string[]) => {
    const subscription = store.subscribeToAll(streamPrefixes ? { filter: { streamPrefixes } } : {});
    subscriptions.push(subscription);
    const reader = new SubscriptionReader(subscription);
    await reader.eventsUntilCaughtUp();
    return reader;
  };

  beforeEach(() => {
    temp = makeTempDir();
    file = path.join(temp.dir, 'events.db');
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) await subscription.unsubscribe();
    for (const store of opened.splice(0)) await store.close();
    temp.cleanup();
  });

  it('hands every subscriber the same event of a commit, as the file holds it', async () => {
    // given two live subscribers, one filtered
    const store = open();
    const everything = await subscribe(store);
    const accounts = await subscribe(store, ['account-']);
    // when
    await store.appendToStream('account-1', [anEvent('Opened', { n: 1 })], { expectedRevision: 'no_stream' });
    await store.appendToStream('user-1', [anEvent('Created', { n: 2 })], { expectedRevision: 'no_stream' });
    // then
    const [opened1, created] = await everything.events(2);
    const [openedToo] = await accounts.events(1);
    expect(openedToo).toBe(opened1);
    expect([opened1?.streamName, created?.streamName]).toEqual(['account-1', 'user-1']);
    expect(await accounts.nothingMoreWithin(50)).toBe(true);
    expect(await collect(store.readAll())).toEqual([opened1, created]);
  });

  it('misses nothing another connection wrote between its own commits, in log order', async () => {
    const store = open();
    const other = open();
    const reader = await subscribe(store);
    // when the two interleave
    const streams = Array.from({ length: 6 }, () => streamName());
    for (const [i, stream] of streams.entries()) {
      await (i % 2 === 0 ? store : other).appendToStream(stream, [anEvent('E', { i })], { expectedRevision: 'any' });
    }
    // then
    const seen = await reader.events(6);
    expect(seen.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.map((e) => e.position)).toEqual([...seen.map((e) => e.position)].sort());
    expect(await reader.nothingMoreWithin(50)).toBe(true);
  });

  it('never hands out an event pruned before it was read', async () => {
    // given a subscriber that reads only after two writes to a stream that keeps its latest event
    const store = open();
    const first = await store.appendToStream('credentials-1', [anEvent('Set', { v: 1 })], {
      expectedRevision: 'no_stream',
      maxCount: 1,
    });
    const late = store.subscribeToAll({ after: first.position });
    subscriptions.push(late);
    await store.appendToStream('credentials-1', [anEvent('Set', { v: 2 })], { expectedRevision: 0, maxCount: 1 });
    await store.appendToStream('credentials-1', [anEvent('Set', { v: 3 })], { expectedRevision: 1, maxCount: 1 });
    // then it gets the latest only, as a read of the file would
    const { events } = await new SubscriptionReader(late).eventsUntilCaughtUp();
    expect(events.map((e) => e.data.v)).toEqual([3]);
  });
});
