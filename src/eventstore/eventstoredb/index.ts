// The EventStore port on EventStoreDB (@eventstore/db-client 6.2.1): for deployments that outgrow one machine.
// The client's errors, revisions and positions are translated here and never leave this folder.
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
  NO_STREAM,
  NotLeaderError,
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
  type EventMetadata,
  type EventStore,
  EventStoreUnavailable,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamFilter,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
  WrongExpectedRevision,
} from '../port';
import { MessageQueue } from './message-queue';
import { comparePositions, decodePosition, type EsdbPosition, encodePosition } from './position';

export { decodePosition, encodePosition } from './position';

export interface EventStoreDbOptions {
  /** e.g. `esdb://node1:2113,node2:2113?tls=false`. Never logged: it may hold credentials. */
  readonly connectionString: string;
  readonly logger?: { warn(obj: object, msg: string): void };
  /** First delay before resubscribing after a dropped connection; doubles up to `maxReconnectDelayMs`. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

/** Messages buffered per subscription before the driver stops pulling from the server. */
const SUBSCRIPTION_BUFFER = 256;
/** Events read per page when looking backwards for the last non-system event. */
const HEAD_PAGE = 32;
/** Streams whose `$maxCount` metadata this process has already made sure of (bounded: it only saves a round trip). */
const MAX_COUNT_CACHE = 10_000;

export function openEventStoreDbEventStore(options: EventStoreDbOptions): EventStore {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const subscriptions = new Set<EventStoreDbSubscription>();
  const maxCountSet = new Set<string>();
  let closed = false;

  async function ensureMaxCount(stream: string, maxCount: number): Promise<void> {
    if (maxCountSet.has(`${stream}\n${maxCount}`)) return;
    try {
      // Written once per stream whatever the number of processes: the metadata stream is expected not to exist yet.
      await client.setStreamMetadata(stream, { maxCount }, { expectedRevision: NO_STREAM });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw toPortError(error);
    }
    if (maxCountSet.size >= MAX_COUNT_CACHE) maxCountSet.clear();
    maxCountSet.add(`${stream}\n${maxCount}`);
  }

  const store: EventStore = {
    async appendToStream(
      stream: string,
      events: readonly EventToAppend[],
      appendOptions: AppendOptions,
    ): Promise<AppendResult> {
      if (appendOptions.maxCount !== undefined) await ensureMaxCount(stream, appendOptions.maxCount);
      let result: Awaited<ReturnType<EventStoreDBClient['appendToStream']>>;
      try {
        result = await client.appendToStream(
          stream,
          events.map((event) =>
            jsonEvent({
              id: event.id,
              type: event.type,
              data: event.data,
              metadata: event.metadata as unknown as Record<string, unknown>,
            }),
          ),
          { expectedRevision: toClientExpected(appendOptions.expectedRevision) },
        );
      } catch (error) {
        throw toPortError(error, stream, appendOptions.expectedRevision);
      }
      const position = result.position ? encodePosition(result.position) : ((await store.headPosition()) ?? ZERO);
      return { nextRevision: Number(result.nextExpectedRevision), position };
    },

    async *readStream(stream: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
      const fromRevision = readOptions.fromRevision ?? 0;
      if (readOptions.maxCount !== undefined && readOptions.maxCount <= 0) return;
      const read = client.readStream(stream, {
        fromRevision: fromRevision === 0 ? START : BigInt(fromRevision),
        ...(readOptions.maxCount !== undefined ? { maxCount: readOptions.maxCount } : {}),
      });
      let finished = false;
      try {
        for await (const resolved of read) {
          if (resolved.event) yield toRecorded(resolved.event as EsdbRecordedEvent);
        }
        finished = true;
      } catch (error) {
        finished = true;
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
        for await (const resolved of read) {
          const event = resolved.event;
          if (!event?.position) continue;
          if (after && comparePositions(event.position, after) <= 0) continue;
          if (!isOurs(event, readOptions.filter)) continue;
          yield toRecorded(event);
          if (--remaining === 0) break;
        }
        finished = remaining > 0;
      } catch (error) {
        finished = true;
        throw toPortError(error);
      } finally {
        if (!finished) await read.cancel().catch(() => undefined);
      }
    },

    subscribeToAll(subscribeOptions: SubscribeToAllOptions = {}): AllSubscription {
      if (closed) throw new EventStoreUnavailable('the EventStoreDB store is closed');
      const subscription = new EventStoreDbSubscription(client, subscribeOptions, options, () =>
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
          for await (const resolved of page as AsyncIterable<AllStreamResolvedEvent>) {
            seen++;
            const event: AllStreamRecordedEvent | undefined = resolved.event;
            if (!event?.position) continue;
            if (from !== END && comparePositions(event.position, from) >= 0) continue;
            last = event.position;
            if (isOurs(event, undefined)) return encodePosition(event.position);
          }
          if (seen < HEAD_PAGE || last === null) return null;
          from = last;
        }
      } catch (error) {
        throw toPortError(error);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((s) => s.unsubscribe()));
      await client.dispose();
    },
  };
  return store;
}

const ZERO = encodePosition({ commit: 0n, prepare: 0n });

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

/** The one place where the client's errors become the port's. */
function toPortError(raw: unknown, stream?: string, expected?: ExpectedRevision): unknown {
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

/** Errors a later attempt may not meet: the connection, the leader or a deadline, not the request. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof CancelledError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof UnknownError
  );
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
 * A catch-up subscription to $all that survives dropped connections: the client never resubscribes by itself, so this
 * resubscribes with backoff from the last position it delivered (an event or a checkpoint), skipping anything at or
 * before it so nothing is delivered twice.
 */
class EventStoreDbSubscription implements AllSubscription {
  private readonly queue = new MessageQueue<SubscriptionMessage>(SUBSCRIPTION_BUFFER);
  private current: AllStreamSubscription | null = null;
  private stopped = false;
  private wakeSleep: (() => void) | null = null;
  private readonly driver: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly subscribeOptions: SubscribeToAllOptions,
    private readonly storeOptions: EventStoreDbOptions,
    private readonly onStop: () => void,
  ) {
    this.driver = this.drive().catch((error: unknown) => this.queue.fail(error));
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
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
    if (current) {
      await current.unsubscribe().catch(() => undefined);
      current.destroy();
    }
    await this.driver;
  }

  private async drive(): Promise<void> {
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
            if (last && comparePositions(item.checkpoint, last) <= 0) continue;
            last = item.checkpoint;
            await this.queue.put({ kind: 'checkpoint', position: encodePosition(last) });
            continue;
          }
          const event = (item as { event?: AllStreamRecordedEvent }).event;
          if (!event?.position) continue;
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
      await this.sleep(this.backoff(attempt++));
    }
  }

  private backoff(attempt: number): number {
    const first = this.storeOptions.reconnectDelayMs ?? 100;
    const max = this.storeOptions.maxReconnectDelayMs ?? 5000;
    const delay = Math.min(max, first * 2 ** attempt);
    // Jitter, so the instances of a cluster do not all come back in the same millisecond.
    return delay / 2 + Math.random() * (delay / 2);
  }

  private sleep(ms: number): Promise<void> {
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

function isCheckpoint(item: unknown): item is CheckpointMarker {
  return typeof item === 'object' && item !== null && 'checkpoint' in item;
}
