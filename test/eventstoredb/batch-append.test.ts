// The TEST STAND-IN's (not EventStoreDB's) append path through the real @eventstore/db-client: server features as a
// 24.10 node sends them, BatchAppend with its errors inside google.rpc.Status, the write timeout, NotReady/TooBusy, the
// 1 MiB append limit and idempotency by event id; the unary Append for a node without server features. Written from
// the server's source (Streams.BatchAppend.cs, Status.cs, IndexWriter.CheckCommit, ClusterVNodeOptions.cs).
import { randomUUID } from 'node:crypto';
import {
  ANY,
  binaryEvent,
  DeadlineExceededError,
  EventStoreDBClient,
  jsonEvent,
  MaxAppendSizeExceededError,
  NO_STREAM,
  STREAM_EXISTS,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { ServerFeaturesClient } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import * as grpc from '@grpc/grpc-js';
import {
  type EventStoreDbStandIn,
  type StandInOptions,
  startEventStoreDbStandIn,
} from '../support/eventstoredb-standin';

const started: EventStoreDbStandIn[] = [];
const clients: EventStoreDBClient[] = [];

async function standIn(options: StandInOptions = {}): Promise<EventStoreDbStandIn> {
  const node = await startEventStoreDbStandIn(options);
  started.push(node);
  return node;
}

function clientOf(node: EventStoreDbStandIn): EventStoreDBClient {
  const client = EventStoreDBClient.connectionString(node.connectionString);
  clients.push(client);
  return client;
}

/** A node restart that keeps the data: same port, same log. */
async function restart(node: EventStoreDbStandIn): Promise<EventStoreDbStandIn> {
  await node.stop();
  return standIn({ port: node.port, log: node.log });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

const event = () => jsonEvent({ id: randomUUID(), type: 'Happened', data: { n: 1 } });
const stream = () => `append-${randomUUID()}`;
const bytes = (n: number) => new Uint8Array(n).fill(120);
const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined).catch((e: unknown) => e);

async function revisionsOf(client: EventStoreDBClient, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const resolved of client.readStream(name)) ids.push(resolved.event?.id ?? '');
  return ids;
}

describe('server features (stand-in, not EventStoreDB)', () => {
  it('reports a 24.10.x version and advertises BatchAppend, lower-cased as the server sends them', async () => {
    const node = await standIn();
    const raw = new ServerFeaturesClient(`127.0.0.1:${node.port}`, grpc.credentials.createInsecure());
    const answer = await new Promise<SupportedMethods>((resolve, reject) =>
      raw.getSupportedMethods(new Empty(), (error, value) => (error ? reject(error) : resolve(value))),
    );
    raw.close();

    expect(answer.getEventStoreServerVersion()).toMatch(/^24\.10\.\d+$/);
    const methods = answer.getMethodsList().map((m) => `/${m.getServiceName()}/${m.getMethodName()}`);
    expect(methods).toContain('/event_store.client.streams.streams/batchappend');
    expect(methods).toContain('/event_store.client.streams.streams/append');
  });

  it('switched off, answers UNIMPLEMENTED, and the client appends through the unary Append instead', async () => {
    const node = await standIn({ serverFeatures: false });
    const client = clientOf(node);
    const name = stream();
    await client.appendToStream(name, event(), { expectedRevision: NO_STREAM });
    // The unary Append refuses a node that is not ready with a gRPC UNAVAILABLE status, BatchAppend never does.
    node.appends.notHandled = 'NotReady';

    const error = await failureOf(client.appendToStream(name, event(), { expectedRevision: 0n }));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(await revisionsOf(client, name)).toHaveLength(1);
  });

  it('on the unary Append, answers a wrong expected version and the append limit as the old server does', async () => {
    const node = await standIn({ serverFeatures: false });
    const client = clientOf(node);
    const name = stream();
    await client.appendToStream(name, [event(), event()], { expectedRevision: NO_STREAM });

    const wrong = await failureOf(client.appendToStream(name, event(), { expectedRevision: 0n }));
    const tooLarge = await failureOf(
      client.appendToStream(name, binaryEvent({ type: 'Big', data: bytes(1024 * 1024 + 1) }), {
        expectedRevision: ANY,
      }),
    );

    expect(wrong).toMatchObject({ constructor: WrongExpectedVersionError, expectedVersion: 0n, actualVersion: 1n });
    expect(tooLarge).toBeInstanceOf(MaxAppendSizeExceededError);
    expect((tooLarge as MaxAppendSizeExceededError).maxAppendSize).toBe(1024 * 1024);
  });
});

describe('BatchAppend (stand-in, not EventStoreDB)', () => {
  it('answers a wrong expected version inside google.rpc.Status details, with the current revision', async () => {
    const node = await standIn();
    const client = clientOf(node);
    const name = stream();
    await client.appendToStream(name, [event(), event()], { expectedRevision: NO_STREAM });

    const stale = await failureOf(client.appendToStream(name, event(), { expectedRevision: 0n }));
    const taken = await failureOf(client.appendToStream(name, event(), { expectedRevision: NO_STREAM }));
    const missing = await failureOf(client.appendToStream(stream(), event(), { expectedRevision: STREAM_EXISTS }));

    expect(stale).toBeInstanceOf(WrongExpectedVersionError);
    expect(stale).toMatchObject({ streamName: name, expectedVersion: 0n, actualVersion: 1n });
    expect(taken).toMatchObject({ expectedVersion: 'no_stream', actualVersion: 1n });
    expect(missing).toMatchObject({ expectedVersion: 'stream_exists', actualVersion: 'no_stream' });
  });

  it('caps a write at the 2 s write timeout whatever the client asked: a slower commit answers Timeout, and may still land', async () => {
    const node = await standIn();
    const client = clientOf(node);
    const name = stream();
    node.appends.commitDelayMs = 2_600;
    const started = Date.now();

    const error = await failureOf(
      client.appendToStream(name, event(), { expectedRevision: NO_STREAM, deadline: 10_000 }),
    );
    const took = Date.now() - started;

    // Status.Timeout (code DEADLINE_EXCEEDED, details event_store.client.Timeout): the client's DeadlineExceededError.
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(2_500);
    node.appends.commitDelayMs = 0;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await revisionsOf(client, name)).toHaveLength(1);
  });

  it('answers a node that is not ready, or too busy, inside the response: the client cannot recognise it', async () => {
    const node = await standIn();
    const client = clientOf(node);
    node.appends.notHandled = 'NotReady';
    const notReady = await failureOf(client.appendToStream(stream(), event()));
    node.appends.notHandled = 'TooBusy';
    const tooBusy = await failureOf(client.appendToStream(stream(), event()));
    node.appends.notHandled = null;
    const name = stream();
    await client.appendToStream(name, event());

    // Status{details: google.protobuf.Empty}: unpackToCommandError falls through to an UnknownError.
    expect(notReady).toBeInstanceOf(UnknownError);
    expect((notReady as Error).message).toContain('Server Is Not Ready');
    expect(tooBusy).toBeInstanceOf(UnknownError);
    expect((tooBusy as Error).message).toContain('Server Is Busy');
    expect(notReady).not.toBeInstanceOf(TimeoutError);
    expect(await revisionsOf(client, name)).toHaveLength(1);
  });

  it('refuses an append whose data exceeds 1 MiB; metadata does not count, as in the server', async () => {
    const node = await standIn();
    const client = clientOf(node);
    const name = stream();

    await client.appendToStream(
      name,
      binaryEvent({ type: 'AtTheLimit', data: bytes(1024 * 1024), metadata: bytes(64 * 1024) }),
      { expectedRevision: NO_STREAM },
    );
    const error = await failureOf(
      client.appendToStream(
        name,
        [
          binaryEvent({ type: 'Half', data: bytes(512 * 1024) }),
          binaryEvent({ type: 'Half', data: bytes(512 * 1024 + 1) }),
        ],
        { expectedRevision: 0n },
      ),
    );

    expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
    expect((error as MaxAppendSizeExceededError).maxAppendSize).toBe(1024 * 1024);
    expect(await revisionsOf(client, name)).toHaveLength(1);
    // The stream is still usable: only that append was refused.
    await client.appendToStream(name, event(), { expectedRevision: 0n });
  });

  it('makes `any` and `stream_exists` idempotent by id from its cache only: after a restart the same append writes again', async () => {
    let node = await standIn();
    const name = stream();
    const seed = event();
    const twice = [event(), event()];
    let client = clientOf(node);
    await client.appendToStream(name, seed, { expectedRevision: NO_STREAM });
    const first = await client.appendToStream(name, twice, { expectedRevision: ANY });
    const again = await client.appendToStream(name, twice, { expectedRevision: STREAM_EXISTS });
    expect(again.position).toEqual(first.position);
    expect(await revisionsOf(client, name)).toHaveLength(3);

    node = await restart(node);
    client = clientOf(node);
    await client.appendToStream(name, twice, { expectedRevision: ANY });

    expect(await revisionsOf(client, name)).toEqual([seed.id, ...twice.map((e) => e.id), ...twice.map((e) => e.id)]);
  });

  it('makes `no_stream` and an exact revision idempotent from the stream itself, across a restart', async () => {
    let node = await standIn();
    const name = stream();
    const opening = [event(), event()];
    const next = event();
    let client = clientOf(node);
    await client.appendToStream(name, opening, { expectedRevision: NO_STREAM });
    const written = await client.appendToStream(name, next, { expectedRevision: 1n });

    node = await restart(node);
    client = clientOf(node);
    const openingAgain = await client.appendToStream(name, opening, { expectedRevision: NO_STREAM });
    const nextAgain = await client.appendToStream(name, next, { expectedRevision: 1n });
    // The same place with other ids is a conflict, not a replay.
    const other = await failureOf(client.appendToStream(name, event(), { expectedRevision: 1n }));

    expect(openingAgain.nextExpectedRevision).toBe(1n);
    expect(nextAgain.position).toEqual(written.position);
    expect(other).toBeInstanceOf(WrongExpectedVersionError);
    expect(await revisionsOf(client, name)).toEqual([...opening.map((e) => e.id), next.id]);
  });

  it('fails the appends waiting on the stream when the node goes away; the next append after its return opens a new one', async () => {
    let node = await standIn();
    const client = clientOf(node);
    const name = stream();
    await client.appendToStream(name, event(), { expectedRevision: NO_STREAM });
    node.appends.commitDelayMs = 1_000;
    const waiting = failureOf(client.appendToStream(name, event(), { expectedRevision: 0n }));
    await new Promise((resolve) => setTimeout(resolve, 100));

    node = await restart(node);
    const error = await waiting;
    let appended = false;
    for (let tries = 0; tries < 5 && !appended; tries++) {
      appended = await client.appendToStream(name, event(), { expectedRevision: 0n }).then(
        () => true,
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100)),
      );
    }

    expect(error).toBeInstanceOf(UnavailableError);
    expect(appended).toBe(true);
  });
});
