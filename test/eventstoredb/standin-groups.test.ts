// The TEST STAND-IN's (not EventStoreDB) persistent subscription groups, through the real client, on what the server's
// source says (../shared/design/eventstoredb-from-source.md): a group checkpoints lazily (at a `checkPointAfter` tick
// once `checkPointLowerBound` messages were settled, at once on `checkPointUpperBound`, never on shutdown) and a
// restarted node hands out again everything after its last checkpoint; a member that leaves hands its unsettled
// messages to the others; a stop drops every member; a deleted group drops its members with NotFound; and a join
// can hang with no answer at all (the `hangJoins` switch). Short checkpoint ticks keep it quick.
import { randomUUID } from 'node:crypto';
import {
  END,
  EventStoreDBClient,
  jsonEvent,
  PersistentSubscriptionDoesNotExistError,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  streamNameFilter,
  UnavailableError,
} from '@eventstore/db-client';
import { type EventStoreDbStandIn, startEventStoreDbStandIn } from '../support/eventstoredb-standin';

let standIn: EventStoreDbStandIn;
const clients: EventStoreDBClient[] = [];
const connect = () => {
  const client = EventStoreDBClient.connectionString(standIn.connectionString);
  clients.push(client);
  return client;
};

beforeEach(async () => {
  standIn = await startEventStoreDbStandIn();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await standIn.stop();
});

/** The stand-in stopped and started again on the same port and log: a node restart that keeps its data. */
async function restart(): Promise<void> {
  const { port, log } = standIn;
  await standIn.stop();
  standIn = await startEventStoreDbStandIn({ port, log });
}

/** A group on a fresh prefix holding `count` events, created from the end before they were written. */
async function groupWith(
  client: EventStoreDBClient,
  count: number,
  checkpoints: { checkPointAfter: number; checkPointLowerBound?: number; checkPointUpperBound?: number },
) {
  const prefix = `grp${randomUUID().slice(0, 8)}-`;
  const group = `group-${randomUUID()}`;
  await client.createPersistentSubscriptionToAll(
    group,
    persistentSubscriptionToAllSettingsFromDefaults({ startFrom: END, ...checkpoints }),
    { filter: streamNameFilter({ prefixes: [prefix] }) },
  );
  const events = Array.from({ length: count }, (_, i) =>
    jsonEvent({ id: randomUUID(), type: 'Numbered', data: { i } }),
  );
  if (count > 0) await client.appendToStream(`${prefix}a`, events);
  return { group };
}

/** A member read through one iterator, so that stopping between takes does not end its call (a `break` would). */
class Member {
  private readonly iterator: AsyncIterator<PersistentSubscriptionToAllResolvedEvent>;

  constructor(readonly subscription: PersistentSubscriptionToAll) {
    this.iterator = (subscription as AsyncIterable<PersistentSubscriptionToAllResolvedEvent>)[Symbol.asyncIterator]();
  }

  /** The next `count` messages as [i, retryCount], each acked unless told otherwise. */
  async take(count: number, ack = true): Promise<[number, number][]> {
    const seen: [number, number][] = [];
    while (seen.length < count) {
      const next = await this.iterator.next();
      if (next.done) throw new Error('the member was dropped');
      seen.push([(next.value.event?.data as { i: number } | undefined)?.i ?? -1, next.value.retryCount]);
      if (ack) await this.subscription.ack(next.value);
    }
    return seen;
  }

  /** The `i` of the next `count` messages, acked. */
  async numbers(count: number): Promise<number[]> {
    return (await this.take(count)).map(([i]) => i);
  }
}

const join = (client: EventStoreDBClient, group: string, bufferSize = 1) =>
  new Member(client.subscribeToPersistentSubscriptionToAll(group, { bufferSize }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('persistent subscription groups on the test stand-in: checkpoints, members, joins', () => {
  it('checkpoints at the tick once the lower bound of settled messages is reached, and a restart replays from there', async () => {
    const client = connect();
    const { group } = await groupWith(client, 30, { checkPointAfter: 100, checkPointLowerBound: 10 });
    const member = join(client, group);

    expect(await member.numbers(15)).toEqual([...Array(15).keys()]);
    await sleep(300); // a tick or more: 15 settled ≥ 10, so the checkpoint moves to the oldest unsettled message
    const checkpointed = standIn.persistent.checkpointOf(group) as number;
    expect(await member.numbers(5)).toEqual([15, 16, 17, 18, 19]); // settled, but below the lower bound at the ticks
    await sleep(300);
    expect(standIn.persistent.checkpointOf(group)).toBe(checkpointed);

    await restart();
    const replayed = await join(connect(), group).numbers(5);

    // 15 was the oldest unsettled message when the checkpoint was written (the member's buffer held it).
    expect(replayed).toEqual([15, 16, 17, 18, 19]);
  });

  it('writes no checkpoint while fewer than the lower bound were settled, nor on shutdown: a restart replays them all', async () => {
    const client = connect();
    const { group } = await groupWith(client, 12, { checkPointAfter: 100, checkPointLowerBound: 10 });
    expect(await join(client, group).numbers(9)).toEqual([...Array(9).keys()]);
    await sleep(300);

    await restart();
    const replayed = await join(connect(), group).numbers(3);

    expect(replayed).toEqual([0, 1, 2]);
  });

  it('checkpoints at once on the upper bound, without waiting for the tick', async () => {
    const client = connect();
    const { group } = await groupWith(client, 20, {
      checkPointAfter: 600_000,
      checkPointLowerBound: 5,
      checkPointUpperBound: 12,
    });
    await join(client, group).numbers(13);

    await restart();
    const [first] = await join(connect(), group).numbers(1);

    // Twelve settled: the checkpoint went to the oldest message not settled then (12, held by the member).
    expect(first).toBe(12);
  });

  it('hands what a disconnected member held to another member, with its retry count raised', async () => {
    const { group } = await groupWith(connect(), 3, { checkPointAfter: 2_000 });
    const leaving = connect();
    const held = await join(leaving, group, 3).take(3, false);
    const staying = join(connect(), group, 3);

    await leaving.dispose(); // the connection goes: nothing was acked
    const moved = await staying.take(3);

    expect(held).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(moved).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it('drops every member when it stops (UNAVAILABLE), and a deleted group’s members with NotFound', async () => {
    const client = connect();
    const { group } = await groupWith(client, 0, { checkPointAfter: 2_000 });
    const other = (await groupWith(client, 0, { checkPointAfter: 2_000 })).group;
    const deletedMember = join(client, other);
    const deletedEnd = deletedMember.take(1).catch((e: unknown) => e);
    await new Promise((resolve) => deletedMember.subscription.once('confirmation', resolve));

    await client.deletePersistentSubscriptionToAll(other);
    expect(await deletedEnd).toBeInstanceOf(PersistentSubscriptionDoesNotExistError);

    const member = join(client, group);
    const end = member.take(1).catch((e: unknown) => e);
    await new Promise((resolve) => member.subscription.once('confirmation', resolve));
    await standIn.stop();
    standIn = await startEventStoreDbStandIn({ port: standIn.port, log: standIn.log });

    expect(await end).toBeInstanceOf(UnavailableError);
  });

  it('with hangJoins on, takes a join and never answers it: no confirmation, no events, no error', async () => {
    const client = connect();
    const { group } = await groupWith(client, 2, { checkPointAfter: 2_000 });
    standIn.persistent.hangJoins = true;

    const member = join(client, group);
    let confirmed = false;
    member.subscription.on('confirmation', () => {
      confirmed = true;
    });
    const first = member.take(1).then(
      () => 'event',
      () => 'error',
    );
    const outcome = await Promise.race([first, sleep(500).then(() => 'nothing')]);

    expect([outcome, confirmed]).toEqual(['nothing', false]);
    // Switched off, a new join is answered at once (the hung one stays hung: only leaving and joining again helps).
    standIn.persistent.hangJoins = false;
    expect(await join(connect(), group).numbers(2)).toEqual([0, 1]);
  });
});
