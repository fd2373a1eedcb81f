// The EventStore contract: what every adapter (SQLite, EventStoreDB) must do, written against the port alone.
// Each test uses its own stream names and prefixes, so it also runs on a shared server whose log is not empty.
import { randomUUID } from 'node:crypto';
import {
  type AllSubscription,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type Position,
  type RecordedEvent,
  type SubscriptionMessage,
  WrongExpectedRevision,
} from '../../src/eventstore/port';

export type OpenEventStore = () => Promise<{ store: EventStore; close: () => Promise<void> }>;

export function describeEventStoreContract(adapterName: string, open: OpenEventStore): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;
    let closeStore: () => Promise<void>;

    beforeEach(async () => {
      ({ store, close: closeStore } = await open());
    });

    afterEach(async () => {
      await closeStore();
    });

    describe('appendToStream', () => {
      it('starts a new stream at revision 0 with no_stream and counts up', async () => {
        const stream = streamName();

        const first = await store.appendToStream(stream, [anEvent('A')], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, [anEvent('B'), anEvent('C')], { expectedRevision: 0 });

        expect(first.nextRevision).toBe(0);
        expect(second.nextRevision).toBe(2);
        const events = await collect(store.readStream(stream));
        expect(events.map((e) => [e.revision, e.type])).toEqual([
          [0, 'A'],
          [1, 'B'],
          [2, 'C'],
        ]);
        expect(events.every((e) => e.streamName === stream)).toBe(true);
      });

      it('gives back the position of the last event written', async () => {
        const stream = streamName();

        const result = await store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' });

        const events = await collect(store.readStream(stream));
        expect(result.position).toBe(events[1]?.position);
      });

      it('refuses no_stream on a stream that exists', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });

        const error = await failure(store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' }));

        expectConflict(error, stream);
        expect((error as WrongExpectedRevision).actual).toBe(0);
        expect(await collect(store.readStream(stream))).toHaveLength(1);
      });

      it('refuses a revision that is behind or ahead of the stream', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' });

        const behind = await failure(store.appendToStream(stream, [anEvent()], { expectedRevision: 0 }));
        const ahead = await failure(store.appendToStream(stream, [anEvent()], { expectedRevision: 5 }));

        expectConflict(behind, stream);
        expectConflict(ahead, stream);
        expect((behind as WrongExpectedRevision).actual).toBe(1);
        expect(await collect(store.readStream(stream))).toHaveLength(2);
      });

      it('refuses a revision on a stream that does not exist', async () => {
        const stream = streamName();

        const error = await failure(store.appendToStream(stream, [anEvent()], { expectedRevision: 0 }));

        expectConflict(error, stream);
        expect((error as WrongExpectedRevision).actual).toBe('no_stream');
        expect(await collect(store.readStream(stream))).toEqual([]);
      });

      it('stream_exists appends to an existing stream and refuses a missing one', async () => {
        const existing = streamName();
        const missing = streamName();
        await store.appendToStream(existing, [anEvent()], { expectedRevision: 'no_stream' });

        const appended = await store.appendToStream(existing, [anEvent()], { expectedRevision: 'stream_exists' });
        const error = await failure(store.appendToStream(missing, [anEvent()], { expectedRevision: 'stream_exists' }));

        expect(appended.nextRevision).toBe(1);
        expectConflict(error, missing);
        expect(await collect(store.readStream(missing))).toEqual([]);
      });

      it('any appends to a missing stream and to an existing one', async () => {
        const stream = streamName();

        const first = await store.appendToStream(stream, [anEvent()], { expectedRevision: 'any' });
        const second = await store.appendToStream(stream, [anEvent()], { expectedRevision: 'any' });

        expect([first.nextRevision, second.nextRevision]).toEqual([0, 1]);
      });

      it('a retried append with the same event ids succeeds without writing twice', async () => {
        const stream = streamName();
        const events = [anEvent('A'), anEvent('B')];
        const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

        const retried = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

        expect(retried.nextRevision).toBe(first.nextRevision);
        expect(retried.position).toBe(first.position);
        expect((await collect(store.readStream(stream))).map((e) => e.id)).toEqual(events.map((e) => e.id));
      });

      it('a retry at a revision after other writes is still recognised', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
        const events = [anEvent('Retried')];
        const first = await store.appendToStream(stream, events, { expectedRevision: 0 });
        await store.appendToStream(stream, [anEvent('Later')], { expectedRevision: 1 });

        const retried = await store.appendToStream(stream, events, { expectedRevision: 0 });

        expect(retried.nextRevision).toBe(first.nextRevision);
        expect(await collect(store.readStream(stream))).toHaveLength(3);
      });

      it('a retry that only partly matches what was written conflicts', async () => {
        const stream = streamName();
        const a = anEvent('A');
        await store.appendToStream(stream, [a, anEvent('B')], { expectedRevision: 'no_stream' });

        const error = await failure(store.appendToStream(stream, [a, anEvent('C')], { expectedRevision: 'no_stream' }));

        expectConflict(error, stream);
        expect((await collect(store.readStream(stream))).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('20+ concurrent appenders on different streams all succeed', async () => {
        const streams = Array.from({ length: 24 }, () => streamName());

        const results = await Promise.all(
          streams.map((stream) =>
            store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' }),
          ),
        );

        expect(results.every((r) => r.nextRevision === 1)).toBe(true);
        expect(new Set(results.map((r) => r.position)).size).toBe(streams.length);
        for (const stream of streams) expect(await collect(store.readStream(stream))).toHaveLength(2);
      });

      it('of N concurrent appenders at the same revision exactly one wins', async () => {
        const stream = streamName();
        await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });

        const outcomes = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            store.appendToStream(stream, [anEvent(`Try${i}`)], { expectedRevision: 0 }),
          ),
        );

        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(11);
        for (const o of lost) expectConflict(o.reason, stream);
        expect(await collect(store.readStream(stream))).toHaveLength(2);
      });

      it('of N concurrent appenders with no_stream on a new stream exactly one wins', async () => {
        const stream = streamName();

        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' })),
        );

        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(await collect(store.readStream(stream))).toHaveLength(1);
      });

      it('round-trips data and metadata: unicode, nesting, arrays, numbers, null', async () => {
        const stream = streamName();
        const data = {
          name: 'Zoë Ångström 李小龍 🎟️',
          quote: 'a "quoted" \\ back\nslash',
          nested: { deep: { deeper: [1, 2.5, -3, { x: null, y: true, z: false }] } },
          empty: {},
          list: [],
          big: 9007199254740991,
        };
        const metadata: EventMetadata = { ...aMetadata(), custom: { tags: ['ü', 'ß'] } };
        const before = Date.now();

        await store.appendToStream(stream, [{ id: randomUUID(), type: 'Ünïcode', data, metadata }], {
          expectedRevision: 'no_stream',
        });

        const [event] = await collect(store.readStream(stream));
        expect(event?.type).toBe('Ünïcode');
        expect(event?.data).toEqual(data);
        expect(event?.metadata).toEqual(metadata);
        expect(event?.recordedAt).toBeInstanceOf(Date);
        // Generous bounds: a remote server's clock may differ from ours a little.
        expect(Math.abs((event?.recordedAt.getTime() ?? 0) - before)).toBeLessThan(10 * 60_000);
      });
    });

    describe('readStream', () => {
      it('reads from a revision and at most maxCount events', async () => {
        const stream = streamName();
        await store.appendToStream(
          stream,
          Array.from({ length: 6 }, (_, i) => anEvent(`E${i}`)),
          { expectedRevision: 'no_stream' },
        );

        const fromThree = await collect(store.readStream(stream, { fromRevision: 3 }));
        const twoFromOne = await collect(store.readStream(stream, { fromRevision: 1, maxCount: 2 }));
        const pastTheEnd = await collect(store.readStream(stream, { fromRevision: 6 }));

        expect(fromThree.map((e) => e.revision)).toEqual([3, 4, 5]);
        expect(twoFromOne.map((e) => e.type)).toEqual(['E1', 'E2']);
        expect(pastTheEnd).toEqual([]);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await collect(store.readStream(streamName()))).toEqual([]);
      });
    });

    describe('readAll and positions', () => {
      it('reads everything after a position in order, filtered by stream prefix', async () => {
        const prefix = uniquePrefix();
        const head = await store.headPosition();
        const [one, two, other] = [`${prefix}one-${short()}`, `${prefix}two-${short()}`, streamName()];
        await store.appendToStream(one, [anEvent('1a')], { expectedRevision: 'no_stream' });
        await store.appendToStream(other, [anEvent('other')], { expectedRevision: 'no_stream' });
        await store.appendToStream(two, [anEvent('2a')], { expectedRevision: 'no_stream' });
        await store.appendToStream(one, [anEvent('1b')], { expectedRevision: 0 });

        const events = await collect(store.readAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } }));

        expect(events.map((e) => e.type)).toEqual(['1a', '2a', '1b']);
        expectIncreasing(events.map((e) => e.position));
      });

      it('reads only what comes strictly after the given position, at most maxCount', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}${short()}`;
        const written = [anEvent('A'), anEvent('B'), anEvent('C'), anEvent('D')];
        await store.appendToStream(stream, written, { expectedRevision: 'no_stream' });
        const all = await collect(store.readStream(stream));

        const afterFirst = await collect(
          store.readAll({ after: all[0]?.position, filter: { streamPrefixes: [prefix] }, maxCount: 2 }),
        );

        expect(afterFirst.map((e) => e.type)).toEqual(['B', 'C']);
      });

      it('reads several prefixes at once', async () => {
        const [p1, p2, p3] = [uniquePrefix(), uniquePrefix(), uniquePrefix()];
        const head = await store.headPosition();
        await store.appendToStream(`${p1}x`, [anEvent('p1')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${p2}x`, [anEvent('p2')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${p3}x`, [anEvent('p3')], { expectedRevision: 'no_stream' });

        const events = await collect(store.readAll({ ...startingAfter(head), filter: { streamPrefixes: [p3, p1] } }));

        expect(events.map((e) => e.type)).toEqual(['p1', 'p3']);
      });

      it('positions are fixed-width strings, strictly increasing in append order', async () => {
        const results = [];
        for (let i = 0; i < 5; i++) {
          results.push(await store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }));
        }

        const positions = results.map((r) => r.position);
        expectIncreasing(positions);
        expect(new Set(positions.map((p) => p.length)).size).toBe(1);
      });

      it('the read event carries the same position as the append returned, and readAll agrees', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}${short()}`;
        const head = await store.headPosition();
        const result = await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });

        const [fromStream] = await collect(store.readStream(stream));
        const [fromAll] = await collect(
          store.readAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } }),
        );

        expect(fromStream?.position).toBe(result.position);
        expect(fromAll?.position).toBe(result.position);
        expect(fromAll?.id).toBe(fromStream?.id);
      });

      it('headPosition is at or past the last append', async () => {
        const result = await store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' });

        const head = await store.headPosition();

        expect(head).not.toBeNull();
        expect((head as Position) >= result.position).toBe(true);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, says so once, then delivers live events in order', async () => {
        const prefix = uniquePrefix();
        const head = await store.headPosition();
        const stream = `${prefix}${short()}`;
        await store.appendToStream(stream, [anEvent('old1'), anEvent('old2')], { expectedRevision: 'no_stream' });
        const subscription = store.subscribeToAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } });
        const reader = new SubscriptionReader(subscription);

        try {
          const caughtUp = await reader.eventsUntilCaughtUp();
          await store.appendToStream(stream, [anEvent('live1')], { expectedRevision: 1 });
          await store.appendToStream(stream, [anEvent('live2')], { expectedRevision: 2 });
          const live = await reader.events(2);

          expect(caughtUp.events.map((e) => e.type)).toEqual(['old1', 'old2']);
          expect(caughtUp.position).not.toBeNull();
          expect((caughtUp.position as Position) >= (caughtUp.events[1]?.position as Position)).toBe(true);
          expect(live.map((e) => e.type)).toEqual(['live1', 'live2']);
          expectIncreasing([...caughtUp.events, ...live].map((e) => e.position));
          expect(reader.caughtUpCount).toBe(1);
        } finally {
          await subscription.unsubscribe();
        }
      });

      it('starts strictly after the given position', async () => {
        const prefix = uniquePrefix();
        const stream = `${prefix}${short()}`;
        await store.appendToStream(stream, [anEvent('A'), anEvent('B'), anEvent('C')], {
          expectedRevision: 'no_stream',
        });
        const [, b] = await collect(store.readStream(stream));
        const subscription = store.subscribeToAll({ after: b?.position, filter: { streamPrefixes: [prefix] } });

        try {
          const caughtUp = await new SubscriptionReader(subscription).eventsUntilCaughtUp();
          expect(caughtUp.events.map((e) => e.type)).toEqual(['C']);
        } finally {
          await subscription.unsubscribe();
        }
      });

      it('delivers only the streams of its filter, live too', async () => {
        const prefix = uniquePrefix();
        const head = await store.headPosition();
        const subscription = store.subscribeToAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } });
        const reader = new SubscriptionReader(subscription);

        try {
          const caughtUp = await reader.eventsUntilCaughtUp();
          await store.appendToStream(streamName(), [anEvent('elsewhere')], { expectedRevision: 'no_stream' });
          await store.appendToStream(`${prefix}${short()}`, [anEvent('mine')], { expectedRevision: 'no_stream' });
          const [live] = await reader.events(1);

          expect(caughtUp.events).toEqual([]);
          expect(live?.type).toBe('mine');
        } finally {
          await subscription.unsubscribe();
        }
      });

      it('neither drops nor repeats an event at the seam between catch-up and live', async () => {
        const prefix = uniquePrefix();
        const head = await store.headPosition();
        const streams = Array.from({ length: 4 }, () => `${prefix}${short()}`);
        const total = 60;
        // Writers run while the subscription starts, so appends land before, during and after catch-up.
        const writing = (async () => {
          const revisions = new Map<string, number>();
          for (let i = 0; i < total; i++) {
            const stream = streams[i % streams.length] as string;
            const revision = revisions.get(stream);
            await store.appendToStream(stream, [anEvent(`E${i}`)], { expectedRevision: revision ?? 'no_stream' });
            revisions.set(stream, (revision ?? -1) + 1);
            if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, 2));
        const subscription = store.subscribeToAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } });
        const reader = new SubscriptionReader(subscription);

        try {
          const received = await reader.events(total);
          await writing;
          expect(received.map((e) => e.type)).toEqual(Array.from({ length: total }, (_, i) => `E${i}`));
          expectIncreasing(received.map((e) => e.position));
          expect(reader.caughtUpCount).toBe(1);
          expect(await reader.nothingMoreWithin(100)).toBe(true);
        } finally {
          await subscription.unsubscribe();
          await writing;
        }
      });

      it('unsubscribe ends a pending for-await', async () => {
        const head = await store.headPosition();
        const subscription = store.subscribeToAll({
          ...startingAfter(head),
          filter: { streamPrefixes: [uniquePrefix()] },
        });
        let sawCaughtUp!: () => void;
        const caughtUp = new Promise<void>((resolve) => {
          sawCaughtUp = resolve;
        });
        const consuming = (async () => {
          for await (const message of subscription) {
            if (message.kind === 'caughtUp') sawCaughtUp();
          }
          return 'ended';
        })();
        await withTimeout(caughtUp, 5000, 'caughtUp');

        await subscription.unsubscribe();

        expect(await withTimeout(consuming, 5000, 'the for-await to end')).toBe('ended');
      });

      it('two subscriptions each get every event', async () => {
        const prefix = uniquePrefix();
        const head = await store.headPosition();
        const first = store.subscribeToAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } });
        const second = store.subscribeToAll({ ...startingAfter(head), filter: { streamPrefixes: [prefix] } });
        const [r1, r2] = [new SubscriptionReader(first), new SubscriptionReader(second)];

        try {
          await Promise.all([r1.eventsUntilCaughtUp(), r2.eventsUntilCaughtUp()]);
          await store.appendToStream(`${prefix}${short()}`, [anEvent('X'), anEvent('Y')], {
            expectedRevision: 'no_stream',
          });
          const [e1, e2] = await Promise.all([r1.events(2), r2.events(2)]);

          expect(e1.map((e) => e.type)).toEqual(['X', 'Y']);
          expect(e2.map((e) => e.type)).toEqual(['X', 'Y']);
        } finally {
          await first.unsubscribe();
          await second.unsubscribe();
        }
      });
    });
  });
}

// ---- helpers shared with adapter-specific suites ----

export function aMetadata(): EventMetadata {
  return {
    accountId: 'account-1',
    actorId: 'user-1',
    occurredAt: new Date().toISOString(),
    correlationId: randomUUID(),
    causationId: randomUUID(),
    schemaVersion: 1,
  };
}

export function anEvent(type = 'SomethingHappened', data: Record<string, unknown> = { n: 1 }): EventToAppend {
  return { id: randomUUID(), type, data, metadata: aMetadata() };
}

const short = () => randomUUID().slice(0, 8);
/** A prefix no other test (or earlier run on a shared server) uses. */
export const uniquePrefix = () => `contract${randomUUID().replace(/-/g, '').slice(0, 12)}-`;
export const streamName = () => `contract-${randomUUID()}`;

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function startingAfter(position: Position | null): { after?: Position } {
  return position === null ? {} : { after: position };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the append to fail, it succeeded');
}

function expectConflict(error: unknown, stream: string): void {
  expect(error).toBeInstanceOf(WrongExpectedRevision);
  expect((error as WrongExpectedRevision).streamName).toBe(stream);
}

function expectIncreasing(positions: readonly Position[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect((positions[i - 1] as Position) < (positions[i] as Position)).toBe(true);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pulls messages one by one with a timeout; checkpoints are skipped (adapters may send them at will). */
export class SubscriptionReader {
  caughtUpCount = 0;
  private readonly iterator: AsyncIterator<SubscriptionMessage>;
  private pending: Promise<IteratorResult<SubscriptionMessage>> | undefined;

  constructor(subscription: AllSubscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async eventsUntilCaughtUp(timeoutMs = 10_000): Promise<{ events: RecordedEvent[]; position: Position | null }> {
    const events: RecordedEvent[] = [];
    for (;;) {
      const message = await this.next(timeoutMs);
      if (message.kind === 'event') events.push(message.event);
      if (message.kind === 'caughtUp') return { events, position: message.position };
    }
  }

  async events(count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    while (events.length < count) {
      const message = await this.next(timeoutMs);
      if (message.kind === 'event') events.push(message.event);
    }
    return events;
  }

  /** True when no event (nor a second caughtUp) arrives within `ms`. */
  async nothingMoreWithin(ms: number): Promise<boolean> {
    try {
      for (;;) {
        const message = await this.next(ms);
        if (message.kind !== 'checkpoint') return false;
      }
    } catch {
      return true;
    }
  }

  private async next(timeoutMs: number): Promise<SubscriptionMessage> {
    // A timed-out pull stays pending and is reused, so no message is lost between calls.
    this.pending ??= this.iterator.next();
    const result = await withTimeout(this.pending, timeoutMs, 'a subscription message');
    this.pending = undefined;
    if (result.done) throw new Error('the subscription ended');
    if (result.value.kind === 'caughtUp') this.caughtUpCount += 1;
    return result.value;
  }
}
