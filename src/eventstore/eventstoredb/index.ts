// The EventStore port on EventStoreDB (@eventstore/db-client 6.2.1): for deployments that outgrow one machine.
// The client's errors, revisions and positions are translated here and never leave this folder.
import { EventEmitter } from 'node:events';
import {
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  ANY,
  type AppendExpectedRevision,
  BACKWARDS,
  CancelledError,
  convertToCommandError,
  DeadlineExceededError,
  END,
  type RecordedEvent as EsdbRecordedEvent,
  EventStoreDBClient,
  excludeSystemEvents,
  jsonEvent,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  PARK,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  RETRY,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type AllSubscription,
  type AppendOptions,
  type AppendResult,
  AppendTooLarge,
  type EventMetadata,
  type EventStore,
  EventStoreUnavailable,
  type EventToAppend,
  type ExpectedRevision,
  type GroupJoined,
  type GroupMessage,
  type GroupSubscription,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamFilter,
  type SubscribeToAllOptions,
  type SubscribeToGroupOptions,
  type SubscriptionMessage,
  WrongExpectedRevision,
} from '../port';
import { MessageQueue } from './message-queue';
import { comparePositions, decodePosition, type EsdbPosition, encodePosition, isInLog } from './position';

export { decodePosition, encodePosition } from './position';

export interface EventStoreDbOptions {
  /** e.g. `esdb://node1:2113,node2:2113?tls=false`. Never logged: it may hold credentials. */
  readonly connectionString: string;
  readonly logger?: { warn(obj: object, msg: string): void };
  /** First delay before resubscribing after a dropped connection; doubles up to `maxReconnectDelayMs`. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /**
   * How long an append, or a read waiting for its next event, may wait for the server before failing with
   * EventStoreUnavailable: a node gone quiet must not hang a request. Subscriptions are not bounded (they wait).
   */
  readonly deadlineMs?: number;
}

/**
 * The client bounds an append at 10 s but not the server-features probe before it, and never bounds a read: against
 * a node that accepts the connection and then says nothing, both would wait forever. So the adapter bounds them.
 */
export const DEFAULT_DEADLINE_MS = 5_000;
/** How long closing waits for the server to end the calls the client cancelled. */
const DISPOSE_BOUND_MS = 2_000;
/** Events a group member holds unsettled at once (the server's buffer for it). */
const GROUP_BUFFER = 16;

/** Messages buffered per subscription before the driver stops pulling from the server. */
const SUBSCRIPTION_BUFFER = 256;
/** Events read per page when looking backwards for the last non-system event. */
const HEAD_PAGE = 32;
/** Streams whose `$maxCount` metadata this process has already made sure of (bounded: it only saves a round trip). */
const MAX_COUNT_CACHE = 10_000;

export function openEventStoreDbEventStore(options: EventStoreDbOptions): EventStore {
  const { client, dispose } = renewingClient(options.connectionString);
  const subscriptions = new Set<EventStoreDbSubscription>();
  const maxCountSet = new Set<string>();
  const groupSubscriptions = new Set<EventStoreDbGroupSubscription>();
  const deadline = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const inLog = positionGuard(options.logger);
  let closed = false;

  async function ensureMaxCount(stream: string, maxCount: number): Promise<void> {
    if (maxCountSet.has(`${stream}\n${maxCount}`)) return;
    try {
      // Written once per stream whatever the number of processes: the metadata stream is expected not to exist yet.
      await client.setStreamMetadata(stream, { maxCount }, { expectedRevision: NO_STREAM, deadline });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw toPortError(error);
    }
    if (maxCountSet.size >= MAX_COUNT_CACHE) maxCountSet.clear();
    maxCountSet.add(`${stream}\n${maxCount}`);
  }

  async function append(
    stream: string,
    events: readonly EventToAppend[],
    appendOptions: AppendOptions,
  ): Promise<AppendResult> {
    const until = Date.now() + deadline;
    if (appendOptions.maxCount !== undefined) {
      await untilAnswered(until, () => ensureMaxCount(stream, appendOptions.maxCount as number));
    }
    let result: Awaited<ReturnType<EventStoreDBClient['appendToStream']>>;
    try {
      // Retried on a refused connection: the event ids make a second try write the events once.
      result = await untilAnswered(until, () =>
        client.appendToStream(
          stream,
          events.map((event) =>
            jsonEvent({
              id: event.id,
              type: event.type,
              data: event.data,
              metadata: event.metadata as unknown as Record<string, unknown>,
            }),
          ),
          { expectedRevision: toClientExpected(appendOptions.expectedRevision), deadline },
        ),
      );
    } catch (error) {
      throw toAppendError(error, stream, appendOptions.expectedRevision, events);
    }
    const position = result.position ? encodePosition(result.position) : ((await store.headPosition()) ?? ZERO);
    return { nextRevision: Number(result.nextExpectedRevision), position };
  }

  const store: EventStore = {
    appendToStream(stream: string, events: readonly EventToAppend[], appendOptions: AppendOptions) {
      return withDeadline(
        append(stream, events, appendOptions),
        deadline,
        'an append',
        // The ids make a retry safe: EventStoreDB writes the same events at the same place once.
        '; it may or may not have been written (a retry with the same event ids writes it once)',
      );
    },

    async *readStream(stream: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
      const fromRevision = readOptions.fromRevision ?? 0;
      if (readOptions.maxCount !== undefined && readOptions.maxCount <= 0) return;
      const open = () =>
        client.readStream(stream, {
          fromRevision: fromRevision === 0 ? START : BigInt(fromRevision),
          ...(readOptions.maxCount !== undefined ? { maxCount: readOptions.maxCount } : {}),
        });
      let read = open();
      let finished = false;
      let yielded = false;
      let tries = 1;
      const until = Date.now() + deadline;
      try {
        for (; ; tries++) {
          try {
            for await (const resolved of answered(read, deadline)) {
              if (!resolved.event) continue;
              yielded = true;
              yield toRecorded(resolved.event as EsdbRecordedEvent);
            }
            finished = true;
            return;
          } catch (error) {
            // A connection refused before anything was read (the client has dropped that channel): read again.
            const retry =
              !yielded &&
              error instanceof UnavailableError &&
              tries < UNAVAILABLE_TRIES &&
              Date.now() + RETRY_PAUSE_MS < until;
            if (!retry) throw error;
            await pause(RETRY_PAUSE_MS * tries);
            read = open();
          }
        }
      } catch (error) {
        finished = !(error instanceof NoAnswer);
        if (error instanceof StreamNotFoundError) return;
        throw toPortError(error);
      } finally {
        if (!finished) await read.cancel().catch(() => undefined);
      }
    },

    async *readAll(readOptions: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
      let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
      if (remaining <= 0) return;
      const after = readOptions.after !== undefined ? decodePosition(readOptions.after) : null;
      // The server's read of $all has no filter in this client version, and starts *at* a position: both are done here.
      const read = client.readAll({ fromPosition: after ?? START });
      let finished = false;
      try {
        for await (const resolved of answered(read, deadline)) {
          const event = resolved.event;
          if (!event?.position || !inLog(event.position, { in: 'readAll', eventId: event.id })) continue;
          if (after && comparePositions(event.position, after) <= 0) continue;
          if (!isOurs(event, readOptions.filter)) continue;
          yield toRecorded(event);
          if (--remaining === 0) break;
        }
        finished = remaining > 0;
      } catch (error) {
        finished = !(error instanceof NoAnswer);
        throw toPortError(error);
      } finally {
        if (!finished) await read.cancel().catch(() => undefined);
      }
    },

    subscribeToAll(subscribeOptions: SubscribeToAllOptions = {}): AllSubscription {
      if (closed) throw new EventStoreUnavailable('the EventStoreDB store is closed');
      const subscription = new EventStoreDbSubscription(client, subscribeOptions, options, inLog, () =>
        subscriptions.delete(subscription),
      );
      subscriptions.add(subscription);
      return subscription;
    },

    async headPosition(): Promise<Position | null> {
      // The tail of a real $all is mostly system events ($stats, $metadata, projections): the head is our last event.
      let from: EsdbPosition | typeof END = END;
      try {
        for (;;) {
          let seen = 0;
          let last: EsdbPosition | null = null;
          const page = client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: HEAD_PAGE });
          let ended = false;
          try {
            for await (const resolved of answered(page as AsyncIterable<AllStreamResolvedEvent>, deadline)) {
              seen++;
              const event: AllStreamRecordedEvent | undefined = resolved.event;
              if (!event?.position || !inLog(event.position, { in: 'headPosition', eventId: event.id })) continue;
              if (from !== END && comparePositions(event.position, from) >= 0) continue;
              last = event.position;
              if (isOurs(event, undefined)) return encodePosition(event.position);
            }
            ended = true;
          } finally {
            // Leaving a read early does not end its gRPC call: cancel it, or it stays open (and dispose waits on it).
            if (!ended) await page.cancel().catch(() => undefined);
          }
          if (seen < HEAD_PAGE || last === null) return null;
          from = last;
        }
      } catch (error) {
        throw toPortError(error);
      }
    },

    subscribeToGroup(group: string, groupOptions: SubscribeToGroupOptions = {}): GroupSubscription {
      if (closed) throw new EventStoreUnavailable('the EventStoreDB store is closed');
      const subscription = new EventStoreDbGroupSubscription(client, group, groupOptions, deadline, () =>
        groupSubscriptions.delete(subscription),
      );
      groupSubscriptions.add(subscription);
      return subscription;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions, ...groupSubscriptions].map((s) => s.unsubscribe()));
      // The client waits for every call it cancelled to finish: a server that never answers a cancel would hold a
      // shutdown forever. Past the bound the calls are left to the connection's end.
      let bound: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        dispose().then(() => 'disposed' as const),
        new Promise<'late'>((resolve) => {
          bound = setTimeout(() => resolve('late'), DISPOSE_BOUND_MS);
        }),
      ]);
      clearTimeout(bound);
      if (outcome === 'late') {
        options.logger?.warn(
          { boundMs: DISPOSE_BOUND_MS },
          'EventStoreDB calls did not end in time; closing without them',
        );
      }
    },
  };
  return store;
}

const ZERO = encodePosition({ commit: 0n, prepare: 0n });

/**
 * A client that is replaced after a failed discovery. The client asks the server's features once, lazily, and keeps the
 * answer; when that first ask fails because no node of a cluster was found, it keeps the failure too, and every later
 * append and group call on it fails with "Failed to discover" however healthy the cluster has become. So the client
 * that met that failure is retired (its calls cancelled: subscriptions resubscribe) and the next call gets a fresh one.
 */
function renewingClient(connectionString: string): { client: EventStoreDBClient; dispose(): Promise<void> } {
  let current = EventStoreDBClient.connectionString(connectionString);
  const renew = (failed: EventStoreDBClient, error: unknown) => {
    if (failed !== current || !isDiscoveryFailure(error)) return;
    current = EventStoreDBClient.connectionString(connectionString);
    failed.dispose().catch(() => undefined);
  };
  const client = new Proxy({} as EventStoreDBClient, {
    get(_, property) {
      const target = current;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            renew(target, error);
            throw error;
          });
        }
        // Streams (reads, subscriptions, group members) report a failed discovery as an error event.
        if (result instanceof EventEmitter) result.on('error', (error: unknown) => renew(target, error));
        return result;
      };
    },
  });
  return { client, dispose: () => current.dispose() };
}

/**
 * The append limit EventStoreDB ships with (`--max-append-size`, 1 MiB of event data). An append over it is the
 * input's fault: no command of ours writes that much unless a user sent it. A node set lower refusing an append that
 * fits it is the deployment's fault: an operator must raise the limit.
 */
const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

/** The append path's errors (BatchAppend's answers, or the unary Append's on a node without server features). */
function toAppendError(
  raw: unknown,
  stream: string,
  expected: ExpectedRevision,
  events: readonly EventToAppend[],
): unknown {
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  if (error instanceof MaxAppendSizeExceededError) {
    // Counted as the server counts (Event.SizeOnDisk): the data's bytes only, as the client sends them.
    const bytes = events.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event.data)), 0);
    const limit = error.maxAppendSize;
    if (limit >= DEFAULT_MAX_APPEND_SIZE) return new AppendTooLarge(stream, bytes, limit);
    return new EventStoreUnavailable(
      `EventStoreDB refuses appends over ${limit} bytes of event data (its --max-append-size, below the default of ` +
        `${DEFAULT_MAX_APPEND_SIZE}); this one has ${bytes}`,
      { cause: error },
    );
  }
  // BatchAppend's Status.Timeout (DeadlineExceededError) or the unary Append's ABORTED (TimeoutError): the node did not
  // commit within its write timeout (2 s), which it enforces whatever deadline the client asked for.
  if (error instanceof DeadlineExceededError || error instanceof TimeoutError) {
    return new EventStoreUnavailable(
      'EventStoreDB did not commit the append within its write timeout; it may or may not have been written ' +
        '(a retry with the same event ids and expected revision writes it once)',
      { cause: error },
    );
  }
  if (isNotHandled(error)) {
    return new EventStoreUnavailable(`EventStoreDB is not taking writes: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return toPortError(error, stream, expected);
}

/**
 * A node starting or overloaded refuses a write without touching the log. BatchAppend says so in a Status the client
 * cannot recognise (an UnknownError naming the reason, Streams.BatchAppend.cs); the unary Append answers UNAVAILABLE.
 */
function isNotHandled(error: unknown): boolean {
  return error instanceof UnknownError && /Server Is (Not Ready|Busy|Too Busy)/.test(error.message);
}

function toClientExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return BigInt(expected);
  }
}

const RETRY_PAUSE_MS = 50;
/** Tries of a call refused with UNAVAILABLE: enough to get past a channel dropped on a node's restart, few enough that
 * a store that is really down answers at once. */
const UNAVAILABLE_TRIES = 3;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` again when it fails with UNAVAILABLE, a few times while time is left: the client drops a channel that
 * failed so, and the next call connects afresh (a node just back answers the second try). A write a node refused as
 * not ready or too busy is retried the same way: nothing was written. Only for calls safe to repeat.
 */
async function untilAnswered<T>(until: number, call: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await call();
    } catch (raw) {
      const error = raw instanceof Error ? convertToCommandError(raw) : raw;
      const retry =
        (error instanceof UnavailableError || isNotHandled(error)) &&
        tries < UNAVAILABLE_TRIES &&
        Date.now() + RETRY_PAUSE_MS < until;
      if (!retry) throw raw;
      await pause(RETRY_PAUSE_MS * tries);
    }
  }
}

/** The server did not answer in time: the connection may be up, the node is not answering. */
class NoAnswer extends EventStoreUnavailable {}

/** `promise`, or NoAnswer after `ms`; the call itself is left to finish or fail on its own. */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string, note = ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new NoAnswer(`EventStoreDB did not answer ${what} within ${ms} ms${note}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A read whose every next message must come within `ms` (the time the consumer takes in between does not count). */
async function* answered<T>(source: AsyncIterable<T>, ms: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const next = await withDeadline(iterator.next(), ms, 'a read');
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Left early (or timed out): close the call, or its unread data holds the connection's flow-control window.
    if (!done) iterator.return?.()?.catch(() => undefined);
  }
}

/** The one place where the client's errors become the port's. */
function toPortError(raw: unknown, stream?: string, expected?: ExpectedRevision): unknown {
  if (raw instanceof EventStoreUnavailable || raw instanceof WrongExpectedRevision) return raw;
  // Some calls (the server-features probe before an append) reject with the bare gRPC error.
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualVersion;
    return new WrongExpectedRevision(
      stream ?? error.streamName,
      expected ?? fromClientExpected(error.expectedVersion),
      typeof actual === 'bigint' ? Number(actual) : 'no_stream',
    );
  }
  if (isTransient(error)) {
    return new EventStoreUnavailable(`EventStoreDB unavailable: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

function fromClientExpected(expected: unknown): ExpectedRevision {
  if (typeof expected === 'bigint') return Number(expected);
  if (expected === NO_STREAM || expected === STREAM_EXISTS) return expected;
  return 'any';
}

/**
 * Errors a later attempt may not meet: the connection, the cluster's state (no node found, a leader change, a node not
 * ready) or a deadline, not the request. A leader change drops group members (PersistentSubscriptionDropped) and sends
 * the next call to the old leader NotLeader, which points the client at the new one: both pass by themselves.
 */
function isTransient(raw: unknown): boolean {
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  return (
    error instanceof UnavailableError ||
    error instanceof CancelledError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof PersistentSubscriptionDroppedError ||
    error instanceof UnknownError ||
    isDiscoveryFailure(error)
  );
}

/**
 * The client's discovery of a cluster (several hosts, or `esdb+discover://`) gives up with a plain Error, no class and
 * no code: "Failed to discover after N attempts." (nothing reachable, or no node in a state it may use). Its message is
 * all there is to know it by.
 */
const DISCOVERY_FAILED = /^Failed to discover after \d+ attempts\.$/;
function isDiscoveryFailure(error: unknown): boolean {
  return error instanceof Error && error.constructor === Error && DISCOVERY_FAILED.test(error.message);
}

/** System streams and events (`$`-prefixed) are EventStoreDB's own, never the application's. */
function isOurs(event: { streamId: string; type: string }, filter: StreamFilter | undefined): boolean {
  if (event.streamId.startsWith('$') || event.type.startsWith('$')) return false;
  if (!filter) return true;
  return filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix));
}

function toRecorded(event: EsdbRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
  if (!event.position) throw new Error(`EventStoreDB returned event ${event.id} without a position`);
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: Number(event.revision),
    position: encodePosition(event.position),
    data: event.data as Record<string, unknown>,
    metadata: (event.metadata ?? {}) as EventMetadata,
    recordedAt: event.created,
  };
}

const CAUGHT_UP = Symbol('caughtUp');
interface CheckpointMarker {
  readonly checkpoint: EsdbPosition;
}

/**
 * What both subscriptions share: a bounded queue the consumer pulls from, a driver loop that fills it and
 * resubscribes with backoff, and an unsubscribe that stops the loop, wakes its backoff sleep and waits for it.
 */
abstract class ResubscribingSubscription<Message, Current extends { unsubscribe(): Promise<unknown> }> {
  protected readonly queue: MessageQueue<Message>;
  protected current: Current | null = null;
  protected stopped = false;
  private wakeSleep: (() => void) | null = null;
  private driver: Promise<void> = Promise.resolve();

  constructor(
    buffer: number,
    private readonly onStop: () => void,
  ) {
    this.queue = new MessageQueue<Message>(buffer);
  }

  /** Called last by a subclass's constructor: `drive` reads the subclass's own fields at once. */
  protected start(): void {
    this.driver = this.drive().catch((error: unknown) => this.queue.fail(error));
  }

  protected abstract drive(): Promise<void>;

  /** Lets go of the subscription that is live when `unsubscribe` is called. */
  protected async release(current: Current): Promise<void> {
    await current.unsubscribe().catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return {
      next: () => this.queue.take(),
      return: async () => {
        await this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }

  async unsubscribe(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
    this.queue.end();
    this.wakeSleep?.();
    const current = this.current;
    if (current) await this.release(current);
    await this.driver;
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}

/**
 * A catch-up subscription to $all that survives dropped connections: the client never resubscribes by itself, so this
 * resubscribes with backoff from the last position it delivered (an event or a checkpoint), skipping anything at or
 * before it so nothing is delivered twice.
 */
class EventStoreDbSubscription
  extends ResubscribingSubscription<SubscriptionMessage, AllStreamSubscription>
  implements AllSubscription
{
  constructor(
    private readonly client: EventStoreDBClient,
    private readonly subscribeOptions: SubscribeToAllOptions,
    private readonly storeOptions: EventStoreDbOptions,
    private readonly inLog: PositionGuard,
    onStop: () => void,
  ) {
    super(SUBSCRIPTION_BUFFER, onStop);
    this.start();
  }

  protected override async release(current: AllStreamSubscription): Promise<void> {
    await super.release(current);
    current.destroy();
  }

  protected async drive(): Promise<void> {
    let last: EsdbPosition | null =
      this.subscribeOptions.after !== undefined ? decodePosition(this.subscribeOptions.after) : null;
    let caughtUpSent = false;
    let attempt = 0;
    const filter = this.subscribeOptions.filter;

    while (!this.stopped) {
      const checkpointReached = (sub: AllStreamSubscription, position: EsdbPosition) => {
        // Pushed into the subscription's own stream so the checkpoint keeps its place among the events.
        sub.push({ checkpoint: position } satisfies CheckpointMarker);
      };
      const subscription = this.client.subscribeToAll({
        fromPosition: last ?? START,
        filter: filter
          ? streamNameFilter({ prefixes: [...filter.streamPrefixes], checkpointReached })
          : excludeSystemEvents({ checkpointReached }),
      });
      this.current = subscription;
      // The client emits `caughtUp` while earlier events may still sit in its buffer: a marker keeps the order.
      subscription.on('caughtUp', () => subscription.push(CAUGHT_UP));
      try {
        for await (const item of subscription as AsyncIterable<unknown>) {
          if (this.stopped) break;
          if (item === CAUGHT_UP) {
            if (!caughtUpSent) {
              caughtUpSent = true;
              await this.queue.put({ kind: 'caughtUp', position: last ? encodePosition(last) : null });
            }
            continue;
          }
          if (isCheckpoint(item)) {
            // Checked before anything else: a checkpoint past the log (KDB-710) would be "after" every later event.
            if (!this.inLog(item.checkpoint, { in: 'subscription checkpoint', lastGood: where(last), filter }))
              continue;
            if (last && comparePositions(item.checkpoint, last) <= 0) continue;
            last = item.checkpoint;
            await this.queue.put({ kind: 'checkpoint', position: encodePosition(last) });
            continue;
          }
          const event = (item as { event?: AllStreamRecordedEvent }).event;
          if (!event?.position) continue;
          if (!this.inLog(event.position, { in: 'subscription event', eventId: event.id, lastGood: where(last) }))
            continue;
          if (last && comparePositions(event.position, last) <= 0) continue;
          last = event.position;
          attempt = 0;
          if (!isOurs(event, filter)) continue;
          await this.queue.put({ kind: 'event', event: toRecorded(event) });
        }
      } catch (error) {
        if (this.stopped) break;
        if (!isTransient(error)) throw toPortError(error);
        this.storeOptions.logger?.warn(
          { err: (error as Error).message, attempt, position: last ? encodePosition(last) : null },
          'EventStoreDB subscription dropped; resubscribing',
        );
      } finally {
        this.current = null;
        if (!this.stopped) await subscription.unsubscribe().catch(() => undefined);
        subscription.destroy();
      }
      if (this.stopped) break;
      await this.sleep(backoff(this.storeOptions, attempt++));
    }
  }
}

const where = (position: EsdbPosition | null) => (position ? encodePosition(position) : null);

/** True when a position from the server can be a place in its log; one that cannot is logged (once) and refused. */
type PositionGuard = (position: EsdbPosition, context: Record<string, unknown>) => boolean;

/**
 * A position at or above 2^63 is refused wherever the server sends one: the caller keeps the last good position. Said
 * once per store, at warn: on a server with KDB-710 it comes with every subscription from the start of a young database.
 */
function positionGuard(logger: EventStoreDbOptions['logger']): PositionGuard {
  let said = false;
  return (position, context) => {
    if (isInLog(position)) return true;
    if (!said) {
      said = true;
      logger?.warn(
        { commit: position.commit.toString(), prepare: position.prepare.toString(), ...context },
        'EventStoreDB sent a position at or above 2^63, outside its log (server bug KDB-710, fixed in 24.10.5?); ' +
          'ignored, the last good position is kept',
      );
    }
    return false;
  };
}

function backoff(storeOptions: EventStoreDbOptions, attempt: number): number {
  const first = storeOptions.reconnectDelayMs ?? 100;
  const max = storeOptions.maxReconnectDelayMs ?? 5000;
  const delay = Math.min(max, first * 2 ** attempt);
  // Jitter, so the instances of a cluster do not all come back in the same millisecond.
  return delay / 2 + Math.random() * (delay / 2);
}

/**
 * One membership of a persistent subscription group to $all: it joins, reports the server's confirmation through
 * `joined`, and ends with a port error when the server or the connection drops it; the caller (the reactor) joins
 * again, with a bound on the wait for the confirmation, which a node loading after a leader change may never send.
 * A join that finds the group missing creates it, from where the caller says (the start on first use, the end for a
 * group that was lost), once, and joins again; `persistent-subscription-exists` means another process created it.
 */
class EventStoreDbGroupSubscription
  extends ResubscribingSubscription<GroupMessage, PersistentSubscriptionToAll>
  implements GroupSubscription
{
  readonly joined: Promise<GroupJoined>;
  private confirm: (joined: GroupJoined) => void = () => {};
  private refuse: (error: unknown) => void = () => {};

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly group: string,
    private readonly groupOptions: SubscribeToGroupOptions,
    private readonly deadlineMs: number,
    onStop: () => void,
  ) {
    super(GROUP_BUFFER, onStop);
    this.joined = new Promise<GroupJoined>((resolve, reject) => {
      this.confirm = resolve;
      this.refuse = reject;
    });
    // Awaited by the caller, or not at all when it leaves first: never an unhandled rejection.
    this.joined.catch(() => undefined);
    this.start();
  }

  override async unsubscribe(): Promise<void> {
    this.refuse(new EventStoreUnavailable(`left the consumer group ${this.group} before it confirmed the member`));
    await super.unsubscribe();
  }

  protected override async release(current: PersistentSubscriptionToAll): Promise<void> {
    await super.release(current);
    // A join the server never answered ends only so: the cancel alone leaves the stream open.
    current.destroy();
  }

  /** Creates the group; false when another process did first. */
  private async createGroup(): Promise<boolean> {
    const filter = this.groupOptions.filter;
    try {
      await withDeadline(
        this.client.createPersistentSubscriptionToAll(
          this.group,
          persistentSubscriptionToAllSettingsFromDefaults({
            startFrom: this.groupOptions.createFrom === 'end' ? END : START,
            maxRetryCount: this.groupOptions.maxRetryCount ?? 10,
          }),
          { filter: filter ? streamNameFilter({ prefixes: [...filter.streamPrefixes] }) : excludeSystemEvents() },
        ),
        this.deadlineMs,
        `creating the consumer group ${this.group}`,
      );
      return true;
    } catch (error) {
      if (error instanceof PersistentSubscriptionExistsError) return false;
      throw error;
    }
  }

  protected async drive(): Promise<void> {
    let created = false;
    try {
      for (let tries = 1; !this.stopped; tries++) {
        const subscription = this.client.subscribeToPersistentSubscriptionToAll(this.group, {
          bufferSize: GROUP_BUFFER,
        });
        this.current = subscription;
        subscription.once('confirmation', () => this.confirm({ created }));
        try {
          for await (const resolved of subscription) {
            if (this.stopped) return;
            const event = resolved.event;
            if (!event?.position || !isOurs(event, this.groupOptions.filter)) {
              // Nothing for this group (a system event where no filter was given): settled at once.
              await subscription.ack(resolved);
              continue;
            }
            await this.queue.put(groupMessage(subscription, resolved, toRecorded(event)));
          }
          if (this.stopped) return;
          throw new EventStoreUnavailable(`EventStoreDB ended this member of the consumer group ${this.group}`);
        } catch (error) {
          if (this.stopped) return;
          // Missing (never created, or deleted): created once per membership, then joined again.
          if (error instanceof PersistentSubscriptionDoesNotExistError && tries === 1) {
            created = await this.createGroup();
            continue;
          }
          throw toPortError(error);
        } finally {
          this.current = null;
          if (!this.stopped) await subscription.unsubscribe().catch(() => undefined);
        }
      }
    } catch (error) {
      this.refuse(error);
      throw error;
    }
  }
}

function groupMessage(
  subscription: PersistentSubscriptionToAll,
  resolved: PersistentSubscriptionToAllResolvedEvent,
  event: RecordedEvent,
): GroupMessage {
  return {
    event,
    retryCount: resolved.retryCount,
    async ack() {
      try {
        await subscription.ack(resolved);
      } catch (error) {
        throw toPortError(error);
      }
    },
    async nack(action, reason) {
      try {
        await subscription.nack(action === 'park' ? PARK : RETRY, reason, resolved);
      } catch (error) {
        throw toPortError(error);
      }
    },
  };
}

function isCheckpoint(item: unknown): item is CheckpointMarker {
  return typeof item === 'object' && item !== null && 'checkpoint' in item;
}
