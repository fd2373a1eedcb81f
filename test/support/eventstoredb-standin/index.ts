// TEST STAND-IN, NOT an EventStoreDB server: an in-process, in-memory @grpc/grpc-js server speaking EventStoreDB's
// gRPC protocol (the service definitions shipped in @eventstore/db-client) so the real client can be tested without one.

import { randomUUID } from 'node:crypto';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty, StreamIdentifier } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import * as grpc from '@grpc/grpc-js';
import { type Expected, type ProposedEvent, StandInLog, type StoredEvent } from './log';
import { addPersistentSubscriptions, PERSISTENT_SERVICE, type PersistentControls } from './persistent';
import { fillRecordedEvent } from './recorded-event';

export interface EventStoreDbStandIn {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  readonly connectionString: string;
  readonly port: number;
  /** The in-memory log: hand it to the next start (same port) to simulate a node restart that keeps its data. */
  readonly log: StandInLog;
  /** Switches of the persistent subscriptions (a join that never answers) and their checkpoints. */
  readonly persistent: PersistentControls;
  /** Drops every open subscription with UNAVAILABLE (as a node going away does), then shuts the server down. */
  stop(): Promise<void>;
}

const STREAMS_SERVICE = 'event_store.client.streams.Streams';
// Only what is implemented here is advertised: the client picks its code paths (BatchAppend, persistent
// subscriptions to $all) from this list.
const SUPPORTED: ReadonlyArray<{ service: string; method: string; features: string[] }> = [
  { service: STREAMS_SERVICE, method: 'Read', features: ['position', 'events'] },
  { service: STREAMS_SERVICE, method: 'Append', features: [] },
  { service: PERSISTENT_SERVICE, method: 'Create', features: ['all'] },
  { service: PERSISTENT_SERVICE, method: 'Read', features: ['all'] },
  { service: PERSISTENT_SERVICE, method: 'Delete', features: ['all'] },
];

/** EventStoreDB's default filter window when the client asks for `count`. */
const DEFAULT_WINDOW = 32;
const STAND_IN_VERSION = '0.0.0-test-stand-in';

export async function startEventStoreDbStandIn(
  options: { port?: number; log?: StandInLog } = {},
): Promise<EventStoreDbStandIn> {
  const log = options.log ?? new StandInLog();
  const subscriptions = new Set<grpc.ServerWritableStream<ReadReq, ReadResp>>();
  const server = new grpc.Server();

  server.addService(StreamsService, {
    append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
      handleAppend(log, call, callback),
    read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => {
      handleRead(log, call, subscriptions).catch((error: unknown) =>
        failCall(call, grpc.status.INTERNAL, String(error)),
      );
    },
  });
  const persistent = addPersistentSubscriptions(server, log);
  server.addService(ServerFeaturesService, {
    getSupportedMethods: (
      _call: grpc.ServerUnaryCall<Empty, SupportedMethods>,
      callback: grpc.sendUnaryData<SupportedMethods>,
    ) => {
      const answer = new SupportedMethods();
      answer.setEventStoreServerVersion(STAND_IN_VERSION);
      answer.setMethodsList(
        SUPPORTED.map((m) => {
          const method = new SupportedMethod();
          method.setServiceName(m.service);
          method.setMethodName(m.method);
          method.setFeaturesList(m.features);
          return method;
        }),
      );
      callback(null, answer);
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    persistent: persistent.controls,
    stop: async () => {
      for (const call of subscriptions) failCall(call, grpc.status.UNAVAILABLE, 'Server is shutting down');
      subscriptions.clear();
      persistent.stop();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

// grpc-js 1.14: emitting 'error' sends the status; destroy() would leave the client waiting.
function failCall(call: grpc.ServerWritableStream<ReadReq, ReadResp>, code: grpc.status, details: string): void {
  call.emit('error', { code, details, metadata: new grpc.Metadata() });
}

function handleAppend(
  log: StandInLog,
  call: grpc.ServerReadableStream<AppendReq, AppendResp>,
  callback: grpc.sendUnaryData<AppendResp>,
): void {
  let header: AppendReq.Options | undefined;
  const proposed: ProposedEvent[] = [];
  let failed = false;
  call.on('data', (req: AppendReq) => {
    if (req.hasOptions()) {
      header = req.getOptions();
      return;
    }
    const message = req.getProposedMessage();
    if (!message) return;
    const metadata = message.getMetadataMap();
    proposed.push({
      id: message.getId()?.getString() ?? randomUUID(),
      type: metadata.get('type') ?? '',
      contentType: metadata.get('content-type') ?? 'application/octet-stream',
      data: message.getData_asU8(),
      customMetadata: message.getCustomMetadata_asU8(),
    });
  });
  call.on('error', () => {
    failed = true;
  });
  call.on('end', () => {
    if (failed) return;
    const streamName = header ? Buffer.from(header.getStreamIdentifier()?.getStreamName_asU8() ?? []).toString() : '';
    if (!header || streamName === '') {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: 'Append without options' });
      return;
    }
    const expected = expectedOf(header);
    const outcome = log.append(streamName, expected, proposed);
    const resp = new AppendResp();
    if (outcome.ok) {
      const success = new AppendResp.Success();
      if (outcome.currentRevision === null) success.setNoStream(new Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      if (outcome.position === null) success.setNoPosition(new Empty());
      else {
        const position = new AppendResp.Position();
        position.setCommitPosition(outcome.position.toString());
        position.setPreparePosition(outcome.position.toString());
        success.setPosition(position);
      }
      resp.setSuccess(success);
    } else {
      // A wrong expected version is an answer, not a gRPC error: that is what EventStoreDB does.
      const wrong = new AppendResp.WrongExpectedVersion();
      if (outcome.currentRevision === null) wrong.setCurrentNoStream(new Empty());
      else wrong.setCurrentRevision(outcome.currentRevision.toString());
      switch (expected.kind) {
        case 'any':
          wrong.setExpectedAny(new Empty());
          break;
        case 'no_stream':
          wrong.setExpectedNoStream(new Empty());
          break;
        case 'stream_exists':
          wrong.setExpectedStreamExists(new Empty());
          break;
        case 'revision':
          wrong.setExpectedRevision(expected.revision.toString());
          break;
      }
      resp.setWrongExpectedVersion(wrong);
    }
    callback(null, resp);
  });
}

function expectedOf(options: AppendReq.Options): Expected {
  switch (options.getExpectedStreamRevisionCase()) {
    case AppendReq.Options.ExpectedStreamRevisionCase.REVISION:
      return { kind: 'revision', revision: BigInt(options.getRevision()) };
    case AppendReq.Options.ExpectedStreamRevisionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case AppendReq.Options.ExpectedStreamRevisionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}

async function handleRead(
  log: StandInLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  subscriptions: Set<grpc.ServerWritableStream<ReadReq, ReadResp>>,
): Promise<void> {
  const options = call.request.getOptions();
  if (!options) {
    failCall(call, grpc.status.INVALID_ARGUMENT, 'Read without options');
    return;
  }
  if (options.hasSubscription()) {
    if (!options.hasAll()) {
      failCall(call, grpc.status.UNIMPLEMENTED, 'The stand-in subscribes to $all only');
      return;
    }
    subscriptions.add(call);
    try {
      await subscribeToAll(log, call, options);
    } finally {
      subscriptions.delete(call);
    }
    return;
  }
  const count = BigInt(options.getCount() || '0');
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  const events = options.hasStream() ? streamSlice(log, call, options, backwards) : allSlice(log, options, backwards);
  if (events === null) return;
  const stop = cancellation(call);
  let sent = 0n;
  for (const event of events) {
    if (sent >= count || stop.cancelled) break;
    await send(call, eventResp(event), stop);
    sent++;
  }
  stop.dispose();
  if (!stop.cancelled) call.end();
}

/** Events of one stream in read order, or null after answering StreamNotFound. */
function streamSlice(
  log: StandInLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  options: ReadReq.Options,
  backwards: boolean,
): StoredEvent[] | null {
  const streamOptions = options.getStream() as ReadReq.Options.StreamOptions;
  const identifier = streamOptions.getStreamIdentifier() ?? new StreamIdentifier();
  const streamName = Buffer.from(identifier.getStreamName_asU8()).toString();
  const stream = log.readableStream(streamName);
  if (!stream) {
    const resp = new ReadResp();
    const notFound = new ReadResp.StreamNotFound();
    notFound.setStreamIdentifier(identifier);
    resp.setStreamNotFound(notFound);
    call.write(resp);
    call.end();
    return null;
  }
  const Case = ReadReq.Options.StreamOptions.RevisionOptionCase;
  switch (streamOptions.getRevisionOptionCase()) {
    case Case.REVISION: {
      const revision = BigInt(streamOptions.getRevision());
      return backwards
        ? stream.filter((e) => e.revision <= revision).reverse()
        : stream.filter((e) => e.revision >= revision);
    }
    case Case.END:
      return backwards ? [...stream].reverse() : [];
    default:
      return backwards ? [] : stream;
  }
}

/** Forwards from a position includes the event at it; backwards from a position reads the events before it. */
function allSlice(log: StandInLog, options: ReadReq.Options, backwards: boolean): Iterable<StoredEvent> {
  const all = options.getAll() as ReadReq.Options.AllOptions;
  const Case = ReadReq.Options.AllOptions.AllOptionCase;
  let index: number;
  switch (all.getAllOptionCase()) {
    case Case.POSITION:
      index = log.indexAtOrAfter(BigInt(all.getPosition()?.getCommitPosition() ?? '0'));
      break;
    case Case.END:
      index = log.events.length;
      break;
    default:
      index = 0;
  }
  const events = log.events;
  return backwards
    ? (function* () {
        for (let i = index - 1; i >= 0; i--) yield events[i] as StoredEvent;
      })()
    : (function* () {
        for (let i = index; i < events.length; i++) yield events[i] as StoredEvent;
      })();
}

async function subscribeToAll(
  log: StandInLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  options: ReadReq.Options,
): Promise<void> {
  const all = options.getAll() as ReadReq.Options.AllOptions;
  const Case = ReadReq.Options.AllOptions.AllOptionCase;
  // A subscription from a position delivers the events strictly after it.
  let cursor =
    all.getAllOptionCase() === Case.POSITION
      ? log.indexAtOrAfter(BigInt(all.getPosition()?.getCommitPosition() ?? '0') + 1n)
      : all.getAllOptionCase() === Case.END
        ? log.events.length
        : 0;
  const filter = options.hasFilter() ? compileFilter(options.getFilter() as ReadReq.Options.FilterOptions) : null;

  const stop = cancellation(call);
  let wake: (() => void) | null = null;
  const offAppend = log.onAppend(() => wake?.());
  stop.onCancel(() => wake?.());
  try {
    const confirmation = new ReadResp();
    const confirm = new ReadResp.SubscriptionConfirmation();
    confirm.setSubscriptionId(randomUUID());
    confirmation.setConfirmation(confirm);
    await send(call, confirmation, stop);

    let caughtUp = false;
    let searched = 0;
    while (!stop.cancelled) {
      while (cursor < log.events.length && !stop.cancelled) {
        const event = log.events[cursor++] as StoredEvent;
        searched++;
        if (!filter || filter.matches(event)) await send(call, eventResp(event), stop);
        if (filter && searched % filter.checkpointEvery === 0) await send(call, checkpointResp(event.position), stop);
      }
      if (stop.cancelled) break;
      if (!caughtUp) {
        caughtUp = true;
        const resp = new ReadResp();
        resp.setCaughtUp(new ReadResp.CaughtUp());
        await send(call, resp, stop);
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (cursor < log.events.length || stop.cancelled) resolve();
      });
      wake = null;
    }
  } finally {
    offAppend();
    stop.dispose();
  }
}

function compileFilter(options: ReadReq.Options.FilterOptions): {
  matches(event: StoredEvent): boolean;
  checkpointEvery: number;
} {
  const onStream = options.hasStreamIdentifier();
  const expression = (onStream ? options.getStreamIdentifier() : options.getEventType()) as
    | ReadReq.Options.FilterOptions.Expression
    | undefined;
  const prefixes = expression?.getPrefixList() ?? [];
  const regex = expression?.getRegex() ? new RegExp(expression.getRegex()) : null;
  const window = options.hasMax() ? options.getMax() : DEFAULT_WINDOW;
  const multiplier = Math.max(1, options.getCheckpointintervalmultiplier() || 1);
  return {
    matches: (event) => {
      const subject = onStream ? event.streamName : event.type;
      if (prefixes.length > 0 && !prefixes.some((p) => subject.startsWith(p))) return false;
      if (regex && !regex.test(subject)) return false;
      return true;
    },
    checkpointEvery: window * multiplier,
  };
}

function eventResp(event: StoredEvent): ReadResp {
  const recorded = fillRecordedEvent(new ReadResp.ReadEvent.RecordedEvent(), event);
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  const resp = new ReadResp();
  resp.setEvent(readEvent);
  return resp;
}

function checkpointResp(position: bigint): ReadResp {
  const checkpoint = new ReadResp.Checkpoint();
  checkpoint.setCommitPosition(position.toString());
  checkpoint.setPreparePosition(position.toString());
  const resp = new ReadResp();
  resp.setCheckpoint(checkpoint);
  return resp;
}

interface Cancellation {
  readonly cancelled: boolean;
  /** Returns the function that forgets the listener. */
  onCancel(listener: () => void): () => void;
  dispose(): void;
}

function cancellation(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Cancellation {
  const listeners = new Set<() => void>();
  const state = {
    cancelled: call.cancelled,
    onCancel: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => {
      call.off('cancelled', cancel);
      call.off('error', cancel);
    },
  };
  function cancel(): void {
    state.cancelled = true;
    for (const listener of listeners) listener();
  }
  call.on('cancelled', cancel);
  call.on('error', cancel);
  return state;
}

/** Writes with back-pressure: a slow client slows the stand-in down instead of filling its memory. */
async function send(
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  resp: ReadResp,
  stop: Cancellation,
): Promise<void> {
  if (stop.cancelled) return;
  if (call.write(resp)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      call.off('drain', done);
      forget();
      resolve();
    };
    call.on('drain', done);
    const forget = stop.onCancel(done);
  });
}
