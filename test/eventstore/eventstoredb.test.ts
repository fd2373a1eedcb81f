// The EventStoreDB adapter: the shared contract, then what only this adapter promises (error and position mapping,
// checkpoints over filtered stretches, resubscribing after a dropped connection, $maxCount on credentials- streams).
// With EVENTSTORE_CONNECTION_STRING set it runs against that real server; otherwise against the in-repo TEST STAND-IN,
// which is not EventStoreDB.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { EventStoreDBClient } from '@eventstore/db-client';
import { decodePosition, encodePosition, openEventStoreDbEventStore } from '../../src/eventstore/eventstoredb';
import {
  type EventStore,
  EventStoreUnavailable,
  type GroupMessage,
  type GroupSubscription,
  type RecordedEvent,
  type SubscriptionMessage,
  WrongExpectedRevision,
} from '../../src/eventstore/port';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';
import {
  type EventStoreDbForTests,
  eventStoreDbForTests,
  eventStoreDbTarget,
  realEventStoreDb,
} from '../support/eventstoredb-target';
import { withTimeout } from '../support/with-timeout';
import { anEvent, collect, describeEventStoreContract, SubscriptionReader, streamName, uniquePrefix } from './contract';

let eventStoreDb: EventStoreDbForTests | undefined;
let connectionString: string;

beforeAll(async () => {
  eventStoreDb = await eventStoreDbForTests();
  connectionString = eventStoreDb.connectionString;
});

afterAll(async () => {
  await eventStoreDb?.stop();
});

describeEventStoreContract(`eventstoredb on ${eventStoreDbTarget}`, async () => {
  const store = openEventStoreDbEventStore({ connectionString });
  return { store, close: () => store.close() };
});

describe(`EventStoreDB adapter on ${eventStoreDbTarget}`, () => {
  let store: EventStore;

  beforeEach(() => {
    store = openEventStoreDbEventStore({ connectionString });
  });

  afterEach(async () => {
    await store.close();
  });

  it('maps the client WrongExpectedVersionError to the port WrongExpectedRevision', async () => {
    const stream = streamName();
    await store.appendToStream(stream, [anEvent(), anEvent(), anEvent()], { expectedRevision: 'no_stream' });

    const error = await store.appendToStream(stream, [anEvent()], { expectedRevision: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WrongExpectedRevision);
    expect(error).toMatchObject({ streamName: stream, expected: 1, actual: 2 });
    expect((error as Error).constructor.name).not.toBe('WrongExpectedVersionError');
  });

  it('encodes positions at fixed width so string order is numeric order, and decodes them back', () => {
    const small = { commit: 9n, prepare: 9n };
    const large = { commit: 10n, prepare: 3n };
    const max = { commit: 18446744073709551615n, prepare: 18446744073709551615n };

    expect(encodePosition(small) < encodePosition(large)).toBe(true);
    expect(encodePosition({ commit: 10n, prepare: 3n }) < encodePosition({ commit: 10n, prepare: 4n })).toBe(true);
    expect(decodePosition(encodePosition(max))).toEqual(max);
    expect(decodePosition(encodePosition(large))).toEqual(large);
    expect(() => decodePosition('12')).toThrow(RangeError);
  });

  it('a position read back resumes readAll exactly after that event', async () => {
    const prefix = uniquePrefix();
    const written = await store.appendToStream(`${prefix}a`, [anEvent('A'), anEvent('B')], {
      expectedRevision: 'no_stream',
    });
    const [a] = await collect(store.readStream(`${prefix}a`));

    const after = await collect(store.readAll({ after: a?.position, filter: { streamPrefixes: [prefix] } }));

    expect(after.map((e) => e.type)).toEqual(['B']);
    expect(after[0]?.position).toBe(written.position);
  });

  it('never shows EventStoreDB system streams or events ($-prefixed) in readAll', async () => {
    // Setting metadata writes a $metadata event to a $$ stream: it is in $all, but it is not ours.
    await store.appendToStream(`credentials-${randomUUID()}`, [anEvent('Secret')], {
      expectedRevision: 'no_stream',
      maxCount: 1,
    });

    const all = await collect(store.readAll());

    expect(all.some((e) => e.streamName.startsWith('$') || e.type.startsWith('$'))).toBe(false);
  });

  it('never delivers system events ($-prefixed streams or types) to a subscription, filtered or not', async () => {
    const prefix = uniquePrefix();
    const unfiltered = new SubscriptionReader(store.subscribeToAll());
    const filtered = new SubscriptionReader(store.subscribeToAll({ filter: { streamPrefixes: [prefix, '$'] } }));
    // Metadata (a $metadata event in a $$ stream) around ours; a real node adds $stats and projection events of its own.
    await store.appendToStream(`credentials-${randomUUID()}`, [anEvent('Secret')], {
      expectedRevision: 'no_stream',
      maxCount: 1,
    });
    await store.appendToStream(`${prefix}a`, [anEvent('Ours')], { expectedRevision: 'no_stream' });

    const seen = [...(await eventsUntil(unfiltered, 'Ours')), ...(await eventsUntil(filtered, 'Ours'))];

    expect(seen.filter((e) => e.streamName.startsWith('$') || e.type.startsWith('$'))).toEqual([]);
  });

  it('keeps only the latest event of a credentials- stream ($maxCount: 1 metadata)', async () => {
    const stream = `credentials-${randomUUID()}`;
    await store.appendToStream(stream, [anEvent('PasswordSet', { v: 1 })], {
      expectedRevision: 'no_stream',
      maxCount: 1,
    });
    await store.appendToStream(stream, [anEvent('PasswordSet', { v: 2 })], { expectedRevision: 0, maxCount: 1 });
    await store.appendToStream(stream, [anEvent('PasswordSet', { v: 3 })], { expectedRevision: 1, maxCount: 1 });

    const events = await collect(store.readStream(stream));
    const client = EventStoreDBClient.connectionString(connectionString);
    const metadata = await client.getStreamMetadata(stream);
    await client.dispose();

    expect(events.map((e) => [e.revision, e.data])).toEqual([[2, { v: 3 }]]);
    expect(metadata.metadata?.maxCount).toBe(1);
  });

  it('a second process writing the same credentials- stream does not rewrite its metadata', async () => {
    const stream = `credentials-${randomUUID()}`;
    const other = openEventStoreDbEventStore({ connectionString });
    try {
      await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream', maxCount: 1 });
      await other.appendToStream(stream, [anEvent()], { expectedRevision: 0, maxCount: 1 });
    } finally {
      await other.close();
    }

    const client = EventStoreDBClient.connectionString(connectionString);
    const metadataEvents = [];
    for await (const resolved of client.readStream(`$$${stream}`)) metadataEvents.push(resolved.event?.type);
    await client.dispose();

    expect(metadataEvents).toEqual(['$metadata']);
  });

  it('sends checkpoints over a stretch where nothing matches its filter, so a checkpoint can advance', async () => {
    const prefix = uniquePrefix();
    const head = await store.headPosition();
    const subscription = store.subscribeToAll({
      ...(head ? { after: head } : {}),
      filter: { streamPrefixes: [prefix] },
    });
    const messages: SubscriptionMessage[] = [];
    const reading = (async () => {
      for await (const message of subscription) {
        messages.push(message);
        if (message.kind === 'checkpoint') break;
      }
    })();

    // EventStoreDB checkpoints every 32 (window) x 1 (multiplier) events searched.
    for (let i = 0; i < 40; i++) {
      await store.appendToStream(streamName(), [anEvent('Unrelated')], { expectedRevision: 'no_stream' });
    }
    await withTimeout(reading, 10_000);
    await subscription.unsubscribe();

    const checkpoint = messages.find((m) => m.kind === 'checkpoint');
    expect(messages.some((m) => m.kind === 'event')).toBe(false);
    expect(checkpoint).toBeDefined();
    expect(head === null || (checkpoint as { position: string }).position > head).toBe(true);
  });

  it('turns a refused connection into EventStoreUnavailable', async () => {
    const nowhere = openEventStoreDbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false' });
    try {
      const error = await nowhere
        .appendToStream(streamName(), [anEvent()], { expectedRevision: 'any' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailable);
      expect(String((error as Error).message)).not.toMatch(/password|changeit/i);
    } finally {
      await nowhere.close();
    }
  });
});

describe(`EventStoreDB consumer groups (subscribeToGroup) on ${eventStoreDbTarget}`, () => {
  const stores: EventStore[] = [];
  const open = () => {
    const store = openEventStoreDbEventStore({ connectionString, reconnectDelayMs: 50, maxReconnectDelayMs: 200 });
    stores.push(store);
    return store;
  };
  const group = () => `test-group-${randomUUID()}`;

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('a member is joined on the server’s confirmation, which says whether this join created the group', async () => {
    const prefix = uniquePrefix();
    const name = group();
    const first = open().subscribeToGroup?.(name, { filter: { streamPrefixes: [prefix] } }) as GroupSubscription;
    expect(await first.joined).toEqual({ created: true });
    const second = open().subscribeToGroup?.(name, { filter: { streamPrefixes: [prefix] } }) as GroupSubscription;
    expect(await second.joined).toEqual({ created: false });
    await stores[0]?.appendToStream(`${prefix}a`, [anEvent('Later')], { expectedRevision: 'no_stream' });

    const seen = await readUntil([new GroupReader(first), new GroupReader(second)], 1);
    expect(seen.all.size).toBe(1);
  });

  it('a group created from the end hands out only what is written after it', async () => {
    const prefix = uniquePrefix();
    await open().appendToStream(`${prefix}a`, [anEvent('Before')], { expectedRevision: 'no_stream' });
    const member = stores[0]?.subscribeToGroup?.(group(), {
      filter: { streamPrefixes: [prefix] },
      createFrom: 'end',
    }) as GroupSubscription;
    expect(await member.joined).toEqual({ created: true });
    await stores[0]?.appendToStream(`${prefix}a`, [anEvent('After')], { expectedRevision: 0 });

    const reader = new GroupReader(member);
    expect((await reader.next()).event.type).toBe('After');
  });

  it('two processes in one group share its events: each event goes to exactly one of them', async () => {
    const prefix = uniquePrefix();
    const name = group();
    const [one, two] = [open(), open()] as [EventStore, EventStore];
    const readers = [one, two].map(
      (store) =>
        new GroupReader(store.subscribeToGroup?.(name, { filter: { streamPrefixes: [prefix] } }) as GroupSubscription),
    );
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      const event = anEvent('Shared', { i });
      written.push(event.id);
      await one.appendToStream(`${prefix}${i % 3}`, [event], { expectedRevision: 'any' });
    }

    const seen = await readUntil(readers, 20);

    expect([...seen.all].sort()).toEqual([...written].sort());
    expect(seen.duplicates).toEqual([]);
    expect(seen.byReader.every((count) => count > 0)).toBe(true);
  });

  it('an event nacked for retry comes back with its retry count; a parked one does not come back', async () => {
    const prefix = uniquePrefix();
    const reader = new GroupReader(
      open().subscribeToGroup?.(group(), { filter: { streamPrefixes: [prefix] } }) as GroupSubscription,
    );
    await stores[0]?.appendToStream(`${prefix}a`, [anEvent('First'), anEvent('Second')], {
      expectedRevision: 'no_stream',
    });

    const first = await reader.next();
    expect([first.event.type, first.retryCount]).toEqual(['First', 0]);
    await first.nack('retry', 'try again');
    const second = await reader.next();
    await second.nack('park', 'give up');
    const messages = [await reader.next()];
    await messages[0]?.ack();

    expect(second.event.type).toBe('Second');
    expect(messages.map((m) => [m.event.type, m.retryCount])).toEqual([['First', 1]]);
    expect(await reader.nothingWithin(300)).toBe(true);
  });

  it('what a member held unsettled goes to another member once it leaves', async () => {
    const prefix = uniquePrefix();
    const name = group();
    const leaving = open().subscribeToGroup?.(name, { filter: { streamPrefixes: [prefix] } }) as GroupSubscription;
    await stores[0]?.appendToStream(`${prefix}a`, [anEvent('Held')], { expectedRevision: 'no_stream' });
    const held = await new GroupReader(leaving).next();
    const staying = new GroupReader(
      open().subscribeToGroup?.(name, { filter: { streamPrefixes: [prefix] } }) as GroupSubscription,
    );

    await leaving.unsubscribe();
    const again = await staying.next();

    expect(again.event.id).toBe(held.event.id);
    expect(again.retryCount).toBeGreaterThanOrEqual(1);
    await again.ack();
  });
});

/** Pulls group messages with a timeout; a timed-out pull stays pending and is reused, so nothing is lost. */
class GroupReader {
  private readonly iterator: AsyncIterator<GroupMessage>;
  private pending: Promise<IteratorResult<GroupMessage>> | undefined;

  constructor(subscription: GroupSubscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async next(timeoutMs = 10_000): Promise<GroupMessage> {
    this.pending ??= this.iterator.next();
    const result = await withTimeout(this.pending, timeoutMs);
    this.pending = undefined;
    if (result.done) throw new Error('the group subscription ended');
    return result.value;
  }

  async nothingWithin(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }
}

/** Reads and acks from every reader until `count` events were seen in all. */
async function readUntil(readers: GroupReader[], count: number) {
  const all = new Set<string>();
  const duplicates: string[] = [];
  const byReader = readers.map(() => 0);
  const deadline = Date.now() + 10_000;
  await Promise.all(
    readers.map(async (reader, index) => {
      while (all.size < count && Date.now() < deadline) {
        const message = await reader.next(200).catch(() => null);
        if (!message) continue;
        if (all.has(message.event.id)) duplicates.push(message.event.id);
        all.add(message.event.id);
        byReader[index] = (byReader[index] ?? 0) + 1;
        await message.ack();
      }
    }),
  );
  return { all, duplicates, byReader };
}

describe('EventStoreDB adapter against a node that accepts connections and never answers', () => {
  let hole: net.Server;
  let sockets: net.Socket[];
  let store: EventStore;

  beforeEach(async () => {
    sockets = [];
    hole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const { port } = hole.address() as net.AddressInfo;
    store = openEventStoreDbEventStore({ connectionString: `esdb://127.0.0.1:${port}?tls=false`, deadlineMs: 300 });
  });

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hole.close(resolve));
    await store.close();
  });

  it('fails an append with EventStoreUnavailable once its deadline passes, instead of hanging', async () => {
    const started = Date.now();
    const error = await store
      .appendToStream(streamName(), [anEvent()], { expectedRevision: 'any' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect((error as Error).message).toMatch(/did not answer an append within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('fails a read and headPosition the same way', async () => {
    await expect(collect(store.readStream(streamName()))).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(collect(store.readAll())).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
  });
});

// Restarting a real server is not something a test may do: this part runs on the stand-in only.
(realEventStoreDb ? describe.skip : describe)(
  'EventStoreDB adapter across a dropped connection (test stand-in)',
  () => {
    it('resubscribes after the server goes away and comes back, without a gap or a duplicate', async () => {
      const first = await startEventStoreDbStandIn();
      const log = first.log;
      const port = first.port;
      const warnings: object[] = [];
      const store = openEventStoreDbEventStore({
        connectionString: first.connectionString,
        logger: { warn: (obj) => warnings.push(obj) },
        reconnectDelayMs: 50,
        maxReconnectDelayMs: 200,
      });
      const prefix = uniquePrefix();
      const stream = `${prefix}${randomUUID()}`;
      let second: EventStoreDbStandIn | undefined;
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } });
      try {
        await store.appendToStream(stream, [anEvent('E0'), anEvent('E1')], { expectedRevision: 'no_stream' });
        const reader = new SubscriptionReader(subscription);
        const before = await reader.events(2);

        await first.stop();
        // Written while the subscriber is away: it must pick these up from where it was.
        log.append(stream, { kind: 'revision', revision: 1n }, [proposed('E2'), proposed('E3')]);
        await new Promise((resolve) => setTimeout(resolve, 150));
        second = await startEventStoreDbStandIn({ port, log });
        await store.appendToStream(stream, [anEvent('E4')], { expectedRevision: 3 });
        const after = await reader.events(3, 15_000);

        expect([...before, ...after].map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3', 'E4']);
        expect(await reader.nothingMoreWithin(200)).toBe(true);
        expect(reader.caughtUpCount).toBe(1);
        expect(warnings.length).toBeGreaterThan(0);
      } finally {
        await subscription.unsubscribe();
        await store.close();
        await second?.stop();
      }
    });
  },
);

/** Every event the reader hands out up to and including the first of `type`. */
async function eventsUntil(reader: SubscriptionReader, type: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  while (events.at(-1)?.type !== type) events.push(...(await reader.events(1)));
  return events;
}

function proposed(type: string) {
  const event = anEvent(type);
  return {
    id: event.id,
    type: event.type,
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(event.data)),
    customMetadata: Buffer.from(JSON.stringify(event.metadata)),
  };
}
