// TEST STAND-IN, NOT an EventStoreDB server: an in-process, in-memory @grpc/grpc-js server speaking EventStoreDB's
// gRPC protocol (the service definitions shipped in @eventstore/db-client) so the real client can be tested without one.

import { randomUUID } from 'node:crypto';
import type { ReadReq as PersistentReadReq } from '@eventstore/db-client/generated/persistent_pb';
import { StreamIdentifier } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { type AppendReq, type AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import * as grpc from '@grpc/grpc-js';
import { type AppendSwitches, handleUnaryAppend, MAX_APPEND_SIZE, WRITE_TIMEOUT_MS, Writer } from './append';
import { type BatchAppendCall, handleBatchAppend } from './batch-append';
import { StandInLog, type StoredEvent } from './log';
import { addPersistentSubscriptions, PERSISTENT_SERVICE, type PersistentControls } from './persistent';
import { fillRecordedEvent } from './recorded-event';
import { addServerFeatures } from './server-features';

export interface EventStoreDbStandIn {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  readonly connectionString: string;
  readonly port: number;
  /** The in-memory log: hand it to the next start (same port) to simulate a node restart that keeps its data. */
  readonly log: StandInLog;
  /** Flip these to make writes slow (past the write timeout), or refused as NotReady / TooBusy. */
  readonly appends: AppendSwitches;
  /** Switches of the persistent subscriptions (a join that never answers) and their checkpoints. */
  readonly persistent: PersistentControls;
  /** Drops every open subscription with UNAVAILABLE (as a node going away does), then shuts the server down. */
  stop(): Promise<void>;
  /** Ends every open persistent-subscription call with the cluster's "dropped" error (a node of a cluster only). */
  dropGroupMembers(): void;
}

/** A node's part in a cluster of stand-ins (see gossip.ts): its extra services and how its state refuses calls. */
export interface ClusterRole {
  serve(server: grpc.Server): void;
  /** The error a call to `path` (`/service/Method`) gets from this node now, or null to serve it. */
  refusal(path: string, metadata: grpc.Metadata): grpc.ServiceError | null;
  /** What a member of `group` gets when the node drops it. */
  dropped(group: string): grpc.ServiceError;
}

/** EventStoreDB's default filter window when the client asks for `count`. */
const DEFAULT_WINDOW = 32;
/** (-1, -1), the server's "no position", as the unsigned 64-bit numbers the wire carries. */
const UINT64_MAX = (1n << 64n) - 1n;

/** Server bugs the stand-in can reproduce, each off unless a spec turns it on. */
export interface SubscriptionQuirks {
  /**
   * KDB-710 (EventStoreDB 24.2-24.10.4, fixed in 24.10.5): a filtered subscription to $all from the start of a young
   * database, whose catch-up found nothing to send, gets (2^64-1, 2^64-1) as its checkpoint at the switch to live.
   */
  readonly poisonedLiveCheckpoint?: boolean;
}

export interface StandInOptions extends SubscriptionQuirks {
  readonly port?: number;
  /** A log kept from an earlier start: a restart keeps the data and loses the caches (idempotency by id). */
  readonly log?: StandInLog;
  /** Makes this stand-in one node of a cluster: gossip, and refusals by node state. */
  readonly cluster?: ClusterRole;
  /**
   * Off, the node answers server features UNIMPLEMENTED like one older than 21.10: the client then appends through the
   * unary Append (and refuses persistent subscriptions to $all). Default on, advertising BatchAppend as 24.10 does.
   */
  readonly serverFeatures?: boolean;
  /** Default 1 MiB, the server's `--max-append-size`. */
  readonly maxAppendSize?: number;
  /** Default 2 000 ms, the server's `--write-timeout-ms`. */
  readonly writeTimeoutMs?: number;
}

export async function startEventStoreDbStandIn(options: StandInOptions = {}): Promise<EventStoreDbStandIn> {
  const log = options.log ?? new StandInLog();
  if (options.log) log.forgetCommittedIds();
  const writer = new Writer(log, {
    maxAppendSize: options.maxAppendSize ?? MAX_APPEND_SIZE,
    writeTimeoutMs: options.writeTimeoutMs ?? WRITE_TIMEOUT_MS,
  });
  const subscriptions = new Set<grpc.ServerWritableStream<ReadReq, ReadResp>>();
  const batchAppends = new Set<BatchAppendCall>();
  const groupMembers = new Map<GroupCall, string>();
  const grpcServer = new grpc.Server();
  const server = options.cluster ? clusterNode(grpcServer, options.cluster, groupMembers) : grpcServer;
  options.cluster?.serve(grpcServer);

  server.addService(StreamsService, {
    append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
      handleUnaryAppend(writer, call, callback),
    batchAppend: (call: BatchAppendCall) => handleBatchAppend(writer, call, batchAppends),
    read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => {
      handleRead(log, call, subscriptions, options).catch((error: unknown) =>
        failCall(call, grpc.status.INTERNAL, String(error)),
      );
    },
  });
  const persistent = addPersistentSubscriptions(server, log);
  if (options.serverFeatures !== false) addServerFeatures(server);

  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    appends: writer.switches,
    persistent: persistent.controls,
    stop: async () => {
      for (const call of subscriptions) failCall(call, grpc.status.UNAVAILABLE, 'Server is shutting down');
      subscriptions.clear();
      // The client's one BatchAppend stream fails every append waiting on it; its next append opens a new one.
      for (const call of batchAppends)
        call.emit('error', {
          code: grpc.status.UNAVAILABLE,
          details: 'Server is shutting down',
          metadata: new grpc.Metadata(),
        });
      batchAppends.clear();
      writer.stop();
      persistent.stop();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, 1000);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
    dropGroupMembers: () => {
      for (const [call, group] of groupMembers) {
        if (options.cluster) call.emit('error', options.cluster.dropped(group));
      }
      groupMembers.clear();
    },
  };
}

type GroupCall = grpc.ServerDuplexStream<unknown, unknown>;

/**
 * The server, seen through a node's state: every handler added to it first asks the node whether to refuse the call
 * (and with what), and persistent-subscription reads are remembered with their group so a lost leadership can drop them.
 */
function clusterNode(server: grpc.Server, role: ClusterRole, groupMembers: Map<GroupCall, string>): grpc.Server {
  const gate = (definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) => {
    const gated: grpc.UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(implementation)) {
      const method = Object.values(definition).find((m) => m.originalName === name) ?? definition[name];
      if (!method) {
        gated[name] = handler;
        continue;
      }
      const answersOnce = !method.responseStream;
      gated[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
        const refused = role.refusal(method.path, call.metadata);
        if (refused) {
          if (answersOnce) callback?.(refused);
          else call.emit('error', refused);
          return;
        }
        if (method.path === `/${PERSISTENT_SERVICE}/Read`) rememberMember(call as unknown as GroupCall, groupMembers);
        (handler as (call: unknown, callback?: unknown) => void)(call, callback);
      }) as grpc.UntypedHandleCall;
    }
    return gated;
  };
  return new Proxy(server, {
    get(target, property, receiver) {
      if (property !== 'addService') return Reflect.get(target, property, receiver);
      return (definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) =>
        target.addService(definition, gate(definition, implementation));
    },
  });
}

/** The first message of a persistent-subscription read names its group. */
function rememberMember(call: GroupCall, groupMembers: Map<GroupCall, string>): void {
  call.once('data', (request: PersistentReadReq) => {
    const group = request.getOptions?.()?.getGroupName();
    if (group) groupMembers.set(call, group);
  });
  const forget = () => groupMembers.delete(call);
  call.on('end', forget);
  call.on('cancelled', forget);
  call.on('error', forget);
}

// grpc-js 1.14: emitting 'error' sends the status; destroy() would leave the client waiting.
function failCall(call: grpc.ServerWritableStream<ReadReq, ReadResp>, code: grpc.status, details: string): void {
  call.emit('error', { code, details, metadata: new grpc.Metadata() });
}

async function handleRead(
  log: StandInLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  subscriptions: Set<grpc.ServerWritableStream<ReadReq, ReadResp>>,
  quirks: SubscriptionQuirks,
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
      await subscribeToAll(log, call, options, quirks);
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
  quirks: SubscriptionQuirks,
): Promise<void> {
  const all = options.getAll() as ReadReq.Options.AllOptions;
  const Case = ReadReq.Options.AllOptions.AllOptionCase;
  const fromStart = all.getAllOptionCase() !== Case.POSITION && all.getAllOptionCase() !== Case.END;
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
    // What the catch-up has told the client so far: the last event or checkpoint sent, and the last event searched.
    let sent: bigint | null = null;
    let lastCheckpoint: bigint | null = null;
    let lastSearched: bigint | null = null;
    while (!stop.cancelled) {
      while (cursor < log.events.length && !stop.cancelled) {
        const event = log.events[cursor++] as StoredEvent;
        searched++;
        lastSearched = event.position;
        if (!filter || filter.matches(event)) {
          await send(call, eventResp(event), stop);
          sent = event.position;
        }
        if (filter && searched % filter.checkpointEvery === 0) {
          await send(call, checkpointResp(event.position, event.position), stop);
          sent = event.position;
          lastCheckpoint = event.position;
        }
      }
      if (stop.cancelled) break;
      if (!caughtUp) {
        caughtUp = true;
        // EventStoreDB 24.x ends a filtered catch-up with a checkpoint, so that one comes within every interval; a
        // subscription that starts at the end goes live without one. On 24.2-24.10.4 (KDB-710) a subscription from
        // the start whose catch-up never moved its checkpoint (a young database, nothing matched) sends the server's
        // "no position" (-1, -1) read as unsigned: (2^64-1, 2^64-1).
        if (filter && lastSearched !== null) {
          if (quirks.poisonedLiveCheckpoint && fromStart && sent === null) {
            await send(call, checkpointResp(UINT64_MAX, UINT64_MAX), stop);
          } else if (lastCheckpoint !== lastSearched) {
            await send(call, checkpointResp(lastSearched, lastSearched), stop);
          }
        }
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

function checkpointResp(commit: bigint, prepare: bigint): ReadResp {
  const checkpoint = new ReadResp.Checkpoint();
  checkpoint.setCommitPosition(commit.toString());
  checkpoint.setPreparePosition(prepare.toString());
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
