// The EventStoreDB adapter's append errors, through the real client against the in-repo TEST STAND-IN (not
// EventStoreDB): each answer of BatchAppend (and of the unary Append of a node without server features) becomes one of
// the port's errors, so nothing of the client leaves src/eventstore/eventstoredb.
import { openEventStoreDbEventStore } from '../../src/eventstore/eventstoredb';
import {
  AppendTooLarge,
  type EventStore,
  EventStoreUnavailable,
  type EventToAppend,
  WrongExpectedRevision,
} from '../../src/eventstore/port';
import { classifyError } from '../../src/graphql/errors';
import {
  type EventStoreDbStandIn,
  type StandInOptions,
  startEventStoreDbStandIn,
} from '../support/eventstoredb-standin';
import { anEvent, streamName } from './contract';

let node: EventStoreDbStandIn | undefined;
let store: EventStore | undefined;

async function storeOn(options: StandInOptions = {}): Promise<{ node: EventStoreDbStandIn; store: EventStore }> {
  node = await startEventStoreDbStandIn(options);
  store = openEventStoreDbEventStore({ connectionString: node.connectionString, deadlineMs: 5_000 });
  return { node, store };
}

afterEach(async () => {
  await store?.close();
  await node?.stop();
  store = undefined;
  node = undefined;
});

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined).catch((e: unknown) => e);
/** An event whose data alone is about `bytes` long, as a user's long text would make it. */
const eventOfSize = (bytes: number): EventToAppend => ({ ...anEvent(), data: { note: 'x'.repeat(bytes) } });

describe.each([
  ['BatchAppend', {}],
  ['the unary Append (no server features)', { serverFeatures: false }],
] as const)('EventStoreDB adapter appends through %s (stand-in, not EventStoreDB)', (_path, pathOptions) => {
  it('maps a wrong expected version to WrongExpectedRevision', async () => {
    const { store } = await storeOn(pathOptions);
    const stream = streamName();
    await store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' });

    const stale = await failureOf(store.appendToStream(stream, [anEvent()], { expectedRevision: 0 }));
    const taken = await failureOf(store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' }));

    expect(stale).toBeInstanceOf(WrongExpectedRevision);
    expect(stale).toMatchObject({ streamName: stream, expected: 0, actual: 1 });
    expect(taken).toMatchObject({ constructor: WrongExpectedRevision, expected: 'no_stream', actual: 1 });
  });

  it('maps a write the server timed out (past its 2 s write timeout, here 200 ms) to EventStoreUnavailable', async () => {
    const { node, store } = await storeOn({ ...pathOptions, writeTimeoutMs: 200 });
    node.appends.commitDelayMs = 1_000;
    const started = Date.now();

    const error = await failureOf(store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }));

    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect((error as Error).message).toMatch(/may or may not have been written/);
    // The server's answer, not the adapter's own 5 s deadline.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each(['NotReady', 'TooBusy'] as const)('maps a node answering %s to EventStoreUnavailable', async (reason) => {
    const { node, store } = await storeOn(pathOptions);
    node.appends.notHandled = reason;

    const error = await failureOf(store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }));

    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect(classifyError(error)).toMatchObject({ kind: 'unavailable' });
  });

  it('retries a node that is not ready yet, within the deadline: nothing was written, so a retry is safe', async () => {
    const { node, store } = await storeOn(pathOptions);
    const stream = streamName();
    node.appends.notHandled = 'NotReady';
    setTimeout(() => {
      node.appends.notHandled = null;
    }, 60);

    const written = await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });

    expect(written.nextRevision).toBe(0);
  });

  it('maps a node that is gone to EventStoreUnavailable', async () => {
    const { node, store } = await storeOn(pathOptions);
    await store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' });
    await node.stop();

    const error = await failureOf(store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' }));

    expect(error).toBeInstanceOf(EventStoreUnavailable);
  });

  it('refuses an append over the 1 MiB limit with AppendTooLarge, which the API answers BAD_USER_INPUT', async () => {
    const { store } = await storeOn(pathOptions);
    const stream = streamName();

    const error = await failureOf(
      store.appendToStream(stream, [eventOfSize(600 * 1024), eventOfSize(600 * 1024)], {
        expectedRevision: 'no_stream',
      }),
    );

    expect(error).toBeInstanceOf(AppendTooLarge);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', limit: 1024 * 1024 });
    expect((error as AppendTooLarge).bytes).toBeGreaterThan(1024 * 1024);
    expect(classifyError(error)).toMatchObject({ kind: 'answer', code: 'BAD_USER_INPUT' });
    expect((error as Error).message).not.toContain(stream);
  });

  it('answers SERVICE_UNAVAILABLE when a node set below the 1 MiB default refuses an append that fits the default', async () => {
    const { store } = await storeOn({ ...pathOptions, maxAppendSize: 64 * 1024 });

    const error = await failureOf(
      store.appendToStream(streamName(), [eventOfSize(100 * 1024)], { expectedRevision: 'no_stream' }),
    );

    expect(error).toBeInstanceOf(EventStoreUnavailable);
    expect((error as Error).message).toMatch(/65536/);
    expect(classifyError(error)).toMatchObject({ kind: 'unavailable' });
  });
});

describe('two clients in one process append through BatchAppend (stand-in, not EventStoreDB)', () => {
  let other: EventStore | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
  });

  // The client kept one table of pending appends for the whole process: closing one client (its BatchAppend call
  // cancelled) rejected the other client's appends in flight, and their answers then threw from the client's stream
  // handler as an uncaught TypeError. Two API instances in one test process met it; patches/ gives each call its own.
  it("closing one client leaves the other's append in flight alone", async () => {
    const { node, store } = await storeOn();
    other = openEventStoreDbEventStore({ connectionString: node.connectionString, deadlineMs: 5_000 });
    await other.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' });
    await store.appendToStream(streamName(), [anEvent()], { expectedRevision: 'no_stream' });

    node.appends.commitDelayMs = 300;
    const stream = streamName();
    const inFlight = store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await other.close();
    other = undefined;

    await expect(inFlight).resolves.toBeDefined();
    const written = [];
    for await (const event of store.readStream(stream)) written.push(event);
    expect(written).toHaveLength(1);
  });
});
