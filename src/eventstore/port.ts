// The EventStore port: what the application, projections and reactors know of the log.
// Adapters (sqlite, eventstoredb) implement it; nothing here may name a driver.

/**
 * A global position in the log: opaque, totally ordered. Every adapter encodes it as a
 * fixed-width string so that plain string comparison (`a < b`) orders positions.
 */
export type Position = string;

/** What the writer expects the stream to be at: absent, anything, or exactly this revision (0-based). */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface EventMetadata {
  readonly accountId: string;
  readonly actorId: string;
  readonly occurredAt: string; // ISO-8601
  readonly correlationId: string;
  readonly causationId: string;
  readonly schemaVersion: number;
  readonly [key: string]: unknown;
}

export interface EventToAppend {
  /** A UUID chosen by the writer: a retried append with the same ids does not write twice. */
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly streamName: string;
  /** 0-based revision within the stream. */
  readonly revision: number;
  readonly position: Position;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
  /** Keep only the latest `maxCount` events of the stream (used for `credentials-` streams). */
  readonly maxCount?: number;
}

export interface AppendResult {
  /** Revision of the last event written. */
  readonly nextRevision: number;
  /** Position of the last event written: wait for projections to pass it to read your write. */
  readonly position: Position;
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive); default 0. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Read the events strictly after this position; default: from the start. */
  readonly after?: Position;
  readonly maxCount?: number;
  readonly filter?: StreamFilter;
}

/** Keep only events whose stream name starts with one of these prefixes. */
export interface StreamFilter {
  readonly streamPrefixes: readonly string[];
}

export type SubscriptionMessage =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  /** Every event up to `position` has been delivered; from now on events arrive live. Sent once. */
  | { readonly kind: 'caughtUp'; readonly position: Position | null }
  /** Events up to `position` were searched and filtered out: a checkpoint may advance to it. */
  | { readonly kind: 'checkpoint'; readonly position: Position };

export interface SubscribeToAllOptions {
  /** Deliver the events strictly after this position; default: from the start. */
  readonly after?: Position;
  readonly filter?: StreamFilter;
}

export interface AllSubscription extends AsyncIterable<SubscriptionMessage> {
  /** Stops delivery; a pending `for await` ends. */
  unsubscribe(): Promise<void>;
}

/** One event handed to this member of a consumer group: settle it with `ack` or `nack`. */
export interface GroupMessage {
  readonly event: RecordedEvent;
  /** How many times the event was handed out before this time (0 the first time). */
  readonly retryCount: number;
  /** Handled: no member of the group gets it again. */
  ack(): Promise<void>;
  /** Not handled: `retry` hands it out again (to any member), `park` sets it aside for an operator. */
  nack(action: 'retry' | 'park', reason: string): Promise<void>;
}

export interface SubscribeToGroupOptions {
  /** Fixed when the group is created (a subscriber that finds it missing creates it). */
  readonly filter?: StreamFilter;
  /** Deliveries of one unsettled event (timeouts included) after which the store parks it itself; default 10. */
  readonly maxRetryCount?: number;
  /**
   * Where the group starts if this join has to create it: `start` (its first use: every event of the log) or `end`
   * (a group that existed and was lost: only events from now on, so the past is not handled twice). Default `start`.
   */
  readonly createFrom?: 'start' | 'end';
}

/** The server took this member into its group. */
export interface GroupJoined {
  /** The group was missing and this join created it (from `createFrom`). */
  readonly created: boolean;
}

/**
 * One membership of a consumer group: it ends, with EventStoreUnavailable or another error, when the connection drops
 * or the server drops the member; the caller joins again.
 */
export interface GroupSubscription extends AsyncIterable<GroupMessage> {
  /**
   * Resolves once the server confirms the member; rejects if the join fails. A join can also go unanswered (a node
   * still loading after a leader change): the caller bounds the wait, leaves and joins again.
   */
  readonly joined: Promise<GroupJoined>;
  /** Leaves the group; events handed out and not settled go to the other members. */
  unsubscribe(): Promise<void>;
}

export interface EventStore {
  appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult>;
  /** Events of one stream in revision order; a stream that does not exist reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Every event of the log in position order. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Catch-up from `after`, a `caughtUp` message, then live events as they are appended. */
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Position of the last event in the log, or null when the log is empty. */
  headPosition(): Promise<Position | null>;
  /**
   * Optional: competing consumers. Every process subscribing with the same `group` shares one server-side cursor, so
   * each event goes to one of them, and goes again to another if it is not settled. A join that finds the group missing
   * creates it (see `createFrom`). Absent where one process owns the log (SQLite): a local checkpoint does the same there.
   */
  subscribeToGroup?(group: string, options?: SubscribeToGroupOptions): GroupSubscription;
  close(): Promise<void>;
}

/** The expected revision did not match the stream: someone else wrote first. */
export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamName}: expected revision ${String(expected)}, found ${String(actual)}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** The store cannot be reached or written (disk full, read-only, connection lost). */
export class EventStoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailable';
  }
}

/**
 * The events of one append are more than the store takes at once (EventStoreDB's 1 MiB of event data): the input is
 * too large, and sending it again will not help. `code` is the API's: the GraphQL layer answers it as BAD_USER_INPUT.
 */
export class AppendTooLarge extends Error {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    readonly streamName: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    // The stream name stays out of the message: it reaches API clients.
    super(
      `The change is too large to record: ${bytes} bytes of event data, over the limit of ${limit} bytes per change`,
    );
    this.name = 'AppendTooLarge';
  }
}
