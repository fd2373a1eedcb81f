// The TEST STAND-IN (not EventStoreDB) seen through the real @eventstore/db-client: it must answer as EventStoreDB
// documents, or the adapter's tests against it prove nothing. Persistent subscription groups are checked here too.
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  jsonEvent,
  NO_STREAM,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionExistsError,
  type PersistentSubscriptionToAllResolvedEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  RETRY,
  START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';

let standIn: EventStoreDbStandIn;
let client: EventStoreDBClient;

beforeAll(async () => {
  standIn = await startEventStoreDbStandIn();
});

afterAll(async () => {
  await standIn.stop();
});

beforeEach(() => {
  client = EventStoreDBClient.connectionString(standIn.connectionString);
});

afterEach(async () => {
  await client.dispose();
});

const event = (type = 'Happened', data: Record<string, unknown> = {}) => jsonEvent({ id: randomUUID(), type, data });
const stream = () => `standin-${randomUUID()}`;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('the EventStoreDB test stand-in, through the real client', () => {
  it('answers a wrong expected version inside the append response, with the current revision', async () => {
    const name = stream();
    await client.appendToStream(name, [event(), event()], { expectedRevision: NO_STREAM });

    const error = await client.appendToStream(name, event(), { expectedRevision: 0n }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamName: name, expectedVersion: 0n, actualVersion: 1n });
  });

  it('raises StreamNotFound on a missing stream', async () => {
    const error = await collect(client.readStream(stream())).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StreamNotFoundError);
  });

  it('gives increasing commit and prepare positions, and the same on stream reads and $all reads', async () => {
    const name = stream();
    const first = await client.appendToStream(name, [event('A'), event('B')], { expectedRevision: NO_STREAM });
    const second = await client.appendToStream(name, event('C'), { expectedRevision: 1n });

    const read = await collect(client.readStream(name));
    const tail = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));

    expect(first.position && second.position && first.position.commit < second.position.commit).toBe(true);
    expect(read.map((r) => r.event?.position)).toEqual([expect.anything(), first.position, second.position]);
    expect(tail[0]?.event?.position).toEqual(second.position);
    expect(read.map((r) => r.event?.created.getTime()).every((t) => Math.abs((t ?? 0) - Date.now()) < 60_000)).toBe(
      true,
    );
  });

  it('writes the same event ids once, however often they are sent', async () => {
    const name = stream();
    const events = [event('A'), event('B')];
    const first = await client.appendToStream(name, events, { expectedRevision: NO_STREAM });

    const again = await client.appendToStream(name, events, { expectedRevision: NO_STREAM });

    expect(again).toEqual(first);
    expect(await collect(client.readStream(name))).toHaveLength(2);
  });

  it('honours $maxCount stream metadata on reads', async () => {
    const name = stream();
    await client.setStreamMetadata(name, { maxCount: 2 });
    await client.appendToStream(name, [event('A'), event('B'), event('C')]);

    const read = await collect(client.readStream(name));

    expect(read.map((r) => [r.event?.revision, r.event?.type])).toEqual([
      [1n, 'B'],
      [2n, 'C'],
    ]);
  });

  it('a subscription to $all confirms, catches up, says caughtUp, then goes live', async () => {
    const prefix = `${stream()}-`;
    await client.appendToStream(`${prefix}a`, event('Old'));
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({ prefixes: [prefix] }),
    });
    const seen: string[] = [];
    subscription.on('caughtUp', () => seen.push('caughtUp'));
    try {
      for await (const resolved of subscription) {
        seen.push(resolved.event?.type ?? '?');
        if (resolved.event?.type === 'Old') await client.appendToStream(`${prefix}b`, event('Live'));
        if (resolved.event?.type === 'Live') break;
      }
    } finally {
      await subscription.unsubscribe();
    }

    // The client emits caughtUp when it parses it, which may be before 'Old' leaves its buffer: only Live must follow.
    expect(seen.filter((s) => s !== 'caughtUp')).toEqual(['Old', 'Live']);
    expect(seen.indexOf('caughtUp')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('caughtUp')).toBeLessThan(seen.indexOf('Live'));
  });
});

describe('persistent subscriptions to $all on the test stand-in', () => {
  const settings = (overrides: Partial<ReturnType<typeof persistentSubscriptionToAllSettingsFromDefaults>> = {}) =>
    persistentSubscriptionToAllSettingsFromDefaults({ startFrom: END, ...overrides });

  it('refuses a second group of the same name and an unknown group', async () => {
    const group = `group-${randomUUID()}`;
    await client.createPersistentSubscriptionToAll(group, settings());

    const duplicate = await client.createPersistentSubscriptionToAll(group, settings()).catch((e: unknown) => e);
    const unknown = client.subscribeToPersistentSubscriptionToAll(`missing-${randomUUID()}`);
    const unknownError = await collect(unknown).catch((e: unknown) => e);

    expect(duplicate).toBeInstanceOf(PersistentSubscriptionExistsError);
    expect(unknownError).toBeInstanceOf(PersistentSubscriptionDoesNotExistError);
  });

  it('hands each event to one consumer of the group', async () => {
    const prefix = `${stream()}-`;
    const group = `group-${randomUUID()}`;
    await client.createPersistentSubscriptionToAll(group, settings(), {
      filter: streamNameFilter({ prefixes: [prefix] }),
    });
    const consumers = [
      client.subscribeToPersistentSubscriptionToAll(group),
      client.subscribeToPersistentSubscriptionToAll(group),
    ];
    const received: string[][] = [[], []];
    const total = 20;
    const done = consumers.map((consumer, i) =>
      (async () => {
        for await (const resolved of consumer) {
          received[i]?.push(resolved.event?.type ?? '?');
          await consumer.ack(resolved);
          if ((received[0]?.length ?? 0) + (received[1]?.length ?? 0) >= total) break;
        }
      })(),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    for (let i = 0; i < total; i++) await client.appendToStream(`${prefix}${i % 3}`, event(`E${i}`));
    await Promise.race(done);
    await Promise.all(consumers.map((c) => c.unsubscribe()));

    const all = [...(received[0] ?? []), ...(received[1] ?? [])];
    expect(all.sort()).toEqual(Array.from({ length: total }, (_, i) => `E${i}`).sort());
    expect(received[0]?.length).toBeGreaterThan(0);
    expect(received[1]?.length).toBeGreaterThan(0);
  });

  it('retries a nacked event with a growing retry count, then parks it after maxRetryCount', async () => {
    const prefix = `${stream()}-`;
    const group = `group-${randomUUID()}`;
    await client.createPersistentSubscriptionToAll(group, settings({ maxRetryCount: 2 }), {
      filter: streamNameFilter({ prefixes: [prefix] }),
    });
    const consumer = client.subscribeToPersistentSubscriptionToAll(group);
    const retryCounts: number[] = [];
    const consuming = (async () => {
      for await (const resolved of consumer as AsyncIterable<PersistentSubscriptionToAllResolvedEvent>) {
        if (resolved.event?.type === 'Poison') {
          retryCounts.push(resolved.retryCount);
          await consumer.nack(RETRY, 'cannot handle', resolved);
        } else {
          await consumer.ack(resolved);
          break;
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));

    await client.appendToStream(`${prefix}a`, event('Poison'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.appendToStream(`${prefix}a`, event('Fine'));
    await consuming;
    await consumer.unsubscribe();
    const parked = await collect(client.readStream(`$persistentsubscription-$all::${group}-parked`));

    expect(retryCounts).toEqual([0, 1, 2]);
    expect(parked).toHaveLength(1);
  });
});
