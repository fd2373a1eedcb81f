// The TEST STAND-IN (not EventStoreDB) against what the real server's source says about $all and its filtered
// subscriptions: the server's own events are in $all; a filtered catch-up ends with a checkpoint before caughtUp
// (24.x, Enumerator.AllSubscriptionFiltered); with the KDB-710 switch on, that checkpoint is (2^64-1, 2^64-1) when a
// subscription from the start of a young database found nothing to send (24.2-24.10.4). Seen through the real client.
import { randomUUID } from 'node:crypto';
import {
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  jsonEvent,
  type Position,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';

const UINT64_MAX = (1n << 64n) - 1n;
const event = (type = 'Happened') => jsonEvent({ id: randomUUID(), type, data: {} });

type Seen =
  | { kind: 'event'; type: string; position: Position }
  | { kind: 'checkpoint'; position: Position }
  | 'caughtUp';

/** Subscribes with a filter and records events, checkpoints and caughtUp in the order the client hands them out. */
async function untilCaughtUp(
  client: EventStoreDBClient,
  options: { fromPosition: typeof START | typeof END | Position; filter: 'excludeSystemEvents' | string },
): Promise<Seen[]> {
  const seen: Seen[] = [];
  const checkpointReached = (_: unknown, position: Position) => {
    seen.push({ kind: 'checkpoint', position });
  };
  const subscription = client.subscribeToAll({
    fromPosition: options.fromPosition,
    filter:
      options.filter === 'excludeSystemEvents'
        ? excludeSystemEvents({ checkpointReached })
        : streamNameFilter({ prefixes: [options.filter], checkpointReached }),
  });
  const caughtUp = new Promise<void>((resolve) =>
    subscription.on('caughtUp', () => {
      seen.push('caughtUp');
      resolve();
    }),
  );
  const reading = (async () => {
    for await (const resolved of subscription) {
      const e = resolved.event;
      if (e?.position) seen.push({ kind: 'event', type: e.type, position: e.position });
    }
  })();
  await caughtUp;
  await new Promise((resolve) => setTimeout(resolve, 50));
  await subscription.unsubscribe();
  await reading.catch(() => undefined);
  return seen;
}

describe('the test stand-in: $all and the switch from catch-up to live', () => {
  let standIn: EventStoreDbStandIn;
  let client: EventStoreDBClient;

  afterEach(async () => {
    await client.dispose();
    await standIn.stop();
  });

  async function start(options: { poisonedLiveCheckpoint?: boolean } = {}) {
    standIn = await startEventStoreDbStandIn(options);
    client = EventStoreDBClient.connectionString(standIn.connectionString);
  }

  it('holds the server own $-prefixed events in $all before anything is written, as a fresh node does', async () => {
    await start();

    const all = [];
    for await (const resolved of client.readAll({ fromPosition: START })) all.push(resolved.event);

    expect(all.length).toBeGreaterThan(0);
    expect(all.every((e) => e?.streamId.startsWith('$') && e.type.startsWith('$'))).toBe(true);
    expect(all.map((e) => e?.type)).toContain('$ProjectionsInitialized');
  });

  it('ends a filtered catch-up with a checkpoint at the last position searched, then says caughtUp', async () => {
    await start();
    const prefix = `wanted-${randomUUID()}-`;
    await client.appendToStream(`${prefix}a`, event('Wanted'));
    const last = await client.appendToStream(`other-${randomUUID()}`, event('Unwanted'));

    const seen = await untilCaughtUp(client, { fromPosition: START, filter: prefix });

    expect(seen).toEqual([
      { kind: 'event', type: 'Wanted', position: expect.anything() },
      { kind: 'checkpoint', position: last.position },
      'caughtUp',
    ]);
  });

  it('sends that checkpoint to an excludeSystemEvents subscription too (it is a filtered one on the server)', async () => {
    await start();
    const last = await client.appendToStream(`any-${randomUUID()}`, event('Ours'));
    const tail = standIn.log.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollection');

    const seen = await untilCaughtUp(client, { fromPosition: START, filter: 'excludeSystemEvents' });

    expect(seen).toEqual([
      { kind: 'event', type: 'Ours', position: last.position },
      { kind: 'checkpoint', position: { commit: tail.position, prepare: tail.position } },
      'caughtUp',
    ]);
  });

  it('goes live without a checkpoint when subscribed at the end', async () => {
    await start();
    await client.appendToStream(`any-${randomUUID()}`, event());

    const seen = await untilCaughtUp(client, { fromPosition: END, filter: 'excludeSystemEvents' });

    expect(seen).toEqual(['caughtUp']);
  });

  it('with the KDB-710 switch: (2^64-1, 2^64-1) at the switch on a young database where nothing matched', async () => {
    await start({ poisonedLiveCheckpoint: true });

    const seen = await untilCaughtUp(client, { fromPosition: START, filter: 'excludeSystemEvents' });

    expect(seen).toEqual([{ kind: 'checkpoint', position: { commit: UINT64_MAX, prepare: UINT64_MAX } }, 'caughtUp']);
  });

  it('with the KDB-710 switch: a sound checkpoint once the catch-up sent something, or when resuming mid-log', async () => {
    await start({ poisonedLiveCheckpoint: true });
    const first = await client.appendToStream(`any-${randomUUID()}`, event('Ours'));
    const tail = standIn.log.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollection');
    const sound = { kind: 'checkpoint', position: { commit: tail.position, prepare: tail.position } };

    const fromStart = await untilCaughtUp(client, { fromPosition: START, filter: 'excludeSystemEvents' });
    const resumed = await untilCaughtUp(client, {
      fromPosition: first.position as Position,
      filter: 'excludeSystemEvents',
    });

    expect(fromStart).toEqual([{ kind: 'event', type: 'Ours', position: first.position }, sound, 'caughtUp']);
    expect(resumed).toEqual([sound, 'caughtUp']);
  });
});
