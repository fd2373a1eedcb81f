// The TEST STAND-IN's cluster (not EventStoreDB) against what the server's and the client's source say: the client
// discovers the leader by gossip from a connection string naming several nodes; a follower answers NotLeader (with the
// leader's endpoint) where a leader is required and serves the rest; a node that is not ready answers UNAVAILABLE; a
// discovery that finds no usable node is a plain Error; a leader that loses its place drops its group members.
import { randomUUID } from 'node:crypto';
import {
  EventStoreDBClient,
  jsonEvent,
  NotLeaderError,
  PersistentSubscriptionDroppedError,
  persistentSubscriptionToAllSettingsFromDefaults,
  START,
  UnavailableError,
} from '@eventstore/db-client';
import { type EventStoreDbClusterStandIn, startEventStoreDbCluster } from '../support/eventstoredb-standin/gossip';

const event = () => jsonEvent({ id: randomUUID(), type: 'Happened', data: {} });
const direct = (port: number) => EventStoreDBClient.connectionString(`esdb://127.0.0.1:${port}?tls=false`);

describe('the test stand-in as a three-node cluster', () => {
  let cluster: EventStoreDbClusterStandIn;
  const clients: EventStoreDBClient[] = [];
  const open = (client: EventStoreDBClient) => {
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    cluster = await startEventStoreDbCluster();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await cluster.stop();
  });

  it('the client finds the leader by gossip: a write that requires the leader goes through', async () => {
    cluster.elect(2);
    const client = open(EventStoreDBClient.connectionString(cluster.connectionString));

    const written = await client.appendToStream(`s-${randomUUID()}`, event(), { requiresLeader: true });

    expect(written.success).toBe(true);
  });

  it('a follower answers NotLeader, naming the leader, where the leader is required, and serves the rest', async () => {
    const follower = open(direct(cluster.ports[1] as number));
    const stream = `s-${randomUUID()}`;

    const write = await follower.appendToStream(stream, event(), { requiresLeader: true }).catch((e: unknown) => e);
    const group = await open(direct(cluster.ports[2] as number))
      .createPersistentSubscriptionToAll(`g-${randomUUID()}`, persistentSubscriptionToAllSettingsFromDefaults())
      .catch((e: unknown) => e);
    const forwarded = await open(direct(cluster.ports[1] as number)).appendToStream(stream, event());

    expect(write).toBeInstanceOf(NotLeaderError);
    expect((write as NotLeaderError).leader).toEqual({ address: '127.0.0.1', port: cluster.ports[0] });
    expect(group).toBeInstanceOf(NotLeaderError);
    expect(forwarded.success).toBe(true);
  });

  it('a node that is not ready answers UNAVAILABLE "Server Is Not Ready"', async () => {
    cluster.setState(1, 'notReady');
    const client = open(direct(cluster.ports[1] as number));

    const error = await (async () => {
      for await (const _ of client.readAll({ fromPosition: START, maxCount: 1 })) return null;
      return null;
    })().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/Server Is Not Ready/);
  });

  it('with no node in a state the client may pick, discovery fails with a plain Error', async () => {
    for (let i = 0; i < 3; i++) cluster.setState(i, 'notReady');
    const client = open(EventStoreDBClient.connectionString(cluster.connectionString));

    const error = await client.appendToStream(`s-${randomUUID()}`, event()).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(Error);
    expect((error as Error).message).toMatch(/^Failed to discover after \d+ attempts\.$/);
  });

  it('a leader that loses its place drops the members of its groups (PersistentSubscriptionDropped)', async () => {
    const client = open(EventStoreDBClient.connectionString(cluster.connectionString));
    const group = `g-${randomUUID()}`;
    await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults());
    const member = client.subscribeToPersistentSubscriptionToAll(group);
    const ended = (async () => {
      for await (const resolved of member) await member.ack(resolved);
    })().catch((e: unknown) => e);
    await new Promise<void>((resolve) => member.once('confirmation', () => resolve()));

    cluster.elect(1);

    const error = await ended;
    expect(error).toBeInstanceOf(PersistentSubscriptionDroppedError);
    expect(error).toMatchObject({ groupName: group });
  });
});
