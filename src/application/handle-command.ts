// The one place that reads and appends for a command: the stream's cached state, a pure decide, an append at
// the revision decided on, and on a conflict a catch-up and a new decision, a bounded number of times.

import { LRUCache } from 'lru-cache';
import { type AnyCommand, type Decider, type Event, foldEvents } from '../domain/decider';
import { currentSchemaVersion } from '../domain/event-schemas';
import {
  type EventStore,
  EventStoreUnavailable,
  type EventToAppend,
  type Position,
  WrongExpectedRevision,
} from '../eventstore/port';
import { Conflict } from './errors';
import { KeyedMutex } from './keyed-mutex';
import type { LogWatch } from './log-watch';
import { timeOrderedId } from './new-id';

/** Who, when and why, for the metadata of every event a command appends. */
export interface EventContext {
  readonly accountId: string;
  readonly actorId: string;
  /** ISO-8601: the command's own `now`. */
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** More metadata, e.g. the idempotency claim a purchase belongs to. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

interface Handled<E, S> {
  /** Position of the last event appended; with nothing appended, the stream's (or the log's) head. */
  readonly position: Position;
  /** Revision of the stream after the command (-1: the stream does not exist). */
  readonly revision: number;
  readonly events: readonly E[];
  /** The stream's state with them folded in: shared with the cache, so read it at once and never keep it. */
  readonly state: S;
}

interface CommandHandlerOptions {
  readonly store: EventStore;
  readonly newId?: () => string;
  /** Streams whose state is kept in memory. */
  readonly cacheSize?: number;
  /** Decisions per command before answering CONFLICT. */
  readonly maxAttempts?: number;
  /**
   * Reports every stream written: while it is live, a cached state no later event was reported for is served without
   * reading its stream again. Without it every command and load reads the stream's new events first.
   */
  readonly watch?: LogWatch;
}

interface StreamState<S> {
  readonly decider: unknown;
  state: S;
  /** Revision of the last event folded into `state`; -1 for a stream not written yet. */
  revision: number;
  /** Position of that event. */
  position: Position | null;
  /** The watch's epoch when the stream was last read, while no later event of it was reported; else null. */
  currentIn: number | null;
}

const DEFAULT_CACHE_SIZE = 10_000;
// Eight rounds: with commands serialised per stream in each process, a conflict means another process wrote
// in between; losing eight times in a row means the stream is hot beyond what retrying fixes.
const DEFAULT_MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 2;
const BACKOFF_CAP_MS = 100;
const FOLD_CHUNK = 1000;
// Commands of one stream decided and appended together at most: bounds one append (and what a conflict redoes).
const MAX_BATCH = 256;

export class CommandHandler {
  readonly store: EventStore;
  readonly newId: () => string;
  private readonly maxAttempts: number;
  private readonly cache: LRUCache<string, StreamState<unknown>>;
  private readonly locks = new KeyedMutex();
  /** Commands waiting for their stream's next turn, per stream; a stream is here only while its turn is due. */
  private readonly queues = new Map<string, Queued[]>();
  private readonly watch: LogWatch | undefined;

  constructor(options: CommandHandlerOptions) {
    this.store = options.store;
    this.newId = options.newId ?? timeOrderedId;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.cache = new LRUCache({ max: options.cacheSize ?? DEFAULT_CACHE_SIZE });
    this.watch = options.watch;
    // A reported event past the cached revision (another process's write, or one made while the stream was being
    // read) means the next use reads the stream again; our own appends are already folded in.
    this.watch?.onWritten((stream, revision) => {
      const cached = this.cache.peek(stream);
      if (cached && revision > cached.revision) cached.currentIn = null;
    });
  }

  /**
   * Decides `command` on the stream's current state and appends what it decides; refusals append nothing. Commands
   * that queue up on one stream while an append of it is under way are decided together, in the order they came,
   * and appended in one append (one durable commit): each caller is answered with its own events or refusal,
   * exactly as if the commands had run one after another (docs/processing.md, "A hot stream").
   */
  handle<S, C extends AnyCommand, E extends Event>(
    decider: Decider<S, C, E>,
    stream: string,
    command: C,
    context: EventContext,
    /** Keep only this many latest events of the stream (credentials streams keep one). */
    retention?: { readonly maxCount: number },
  ): Promise<Handled<E, S>> {
    return new Promise<Handled<E, S>>((resolve, reject) => {
      const queued: Queued = { decider, command, context, retention, resolve, reject } as unknown as Queued;
      const waiting = this.queues.get(stream);
      if (waiting) {
        waiting.push(queued);
        return;
      }
      this.queues.set(stream, [queued]);
      // Takes every command queued by the time it holds the stream's lock; commands arriving after that queue for
      // the next turn, behind whatever else waits for the lock (a load), so nobody starves.
      void this.locks.run(stream, async () => {
        const taken = this.queues.get(stream) ?? [];
        this.queues.delete(stream);
        for (let from = 0; from < taken.length; ) {
          const batch = [taken[from] as Queued];
          for (let next = from + 1; next < taken.length && batch.length < MAX_BATCH; next++) {
            const item = taken[next] as Queued;
            // One stream kind has one decider and one retention; anything else is decided on its own.
            if (item.decider !== batch[0]?.decider || item.retention?.maxCount !== batch[0]?.retention?.maxCount) break;
            batch.push(item);
          }
          from += batch.length;
          await this.handleBatch(stream, batch as unknown as Queued<S, C, E>[]);
        }
      });
    });
  }

  /** Decides a batch in order, appends all it decided at once, and answers each command; never throws. */
  private async handleBatch<S, C extends AnyCommand, E extends Event>(
    stream: string,
    batch: readonly Queued<S, C, E>[],
  ): Promise<void> {
    const [{ decider, retention }] = batch as [Queued<S, C, E>];
    try {
      // 1. state of the stream: cached, then only the events after its revision
      let { current, read } = await this.catchUp(decider, stream);
      for (let attempt = 1; ; attempt++) {
        // 2. decide each command in order: pure, may run again on a retry
        let decided = decideInOrder(decider, current.state, batch);
        // A refusal or a no-op is final only on a state just read: an append would have caught a stale state, a
        // refusal not.
        if (!read && decided.outcomes.some((outcome) => !outcome.ok || outcome.events.length === 0)) {
          ({ current, read } = await this.catchUp(decider, stream, { reread: true }));
          decided = decideInOrder(decider, current.state, batch);
        }
        const appended = decided.outcomes.flatMap((outcome, i) =>
          outcome.ok ? outcome.events.map((event) => this.toAppend(event, (batch[i] as Queued<S, C, E>).context)) : [],
        );
        if (appended.length === 0) {
          // Nothing to record; each caller still gets a position it can wait for. An empty log has none: ''
          // orders before every position, so waiting for it returns at once.
          const position = current.position ?? (await this.store.headPosition()) ?? '';
          settle(batch, decided.outcomes, { position, revision: current.revision, state: current.state });
          return;
        }
        // 3. one append at the revision decided on
        try {
          const result = await this.store.appendToStream(stream, appended, {
            expectedRevision: current.revision < 0 ? 'no_stream' : current.revision,
            ...retention,
          });
          current.state = decided.fold();
          current.revision = result.nextRevision;
          current.position = result.position;
          this.cache.set(stream, current);
          // 4. the position of the append, so each caller can wait for its own write
          settle(batch, decided.outcomes, {
            position: result.position,
            revision: result.nextRevision,
            state: current.state,
          });
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevision)) throw error;
          if (attempt >= this.maxAttempts) {
            throw new Conflict(`${stream} kept changing under ${attempt} attempts; nothing was written, try again`);
          }
          await sleep(backoff(attempt));
          ({ current, read } = await this.catchUp(decider, stream, { reread: true }));
        }
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  /**
   * The stream's current state (cached, caught up). The state is shared: read it, never keep it across commands.
   * With the log out of reach (EventStoreDB restarting), a stream read before answers as last read, so signed-in
   * viewers keep being resolved and reads keep being served; a write cannot use it, its append fails the same way.
   */
  load<S, C extends AnyCommand, E extends Event>(
    decider: Decider<S, C, E>,
    stream: string,
  ): Promise<{ state: S; revision: number; position: Position | null }> {
    // Every request resolves its viewer and session through here: an idle stream whose cached state the watch vouches
    // for is answered as it is, without queueing for the lock (nothing can be folding into it meanwhile).
    const cached = this.cache.get(stream) as StreamState<S> | undefined;
    const epoch = this.watch?.epoch ?? null;
    if (cached?.decider === decider && epoch !== null && cached.currentIn === epoch && !this.locks.isBusy(stream)) {
      return Promise.resolve({ state: cached.state, revision: cached.revision, position: cached.position });
    }
    return this.locks.run(stream, async () => {
      try {
        const { state, revision, position } = (await this.catchUp(decider, stream)).current;
        return { state, revision, position };
      } catch (error) {
        const cached = this.cache.get(stream) as StreamState<S> | undefined;
        if (!(error instanceof EventStoreUnavailable) || cached?.decider !== decider) throw error;
        return { state: cached.state, revision: cached.revision, position: cached.position };
      }
    });
  }

  /** Runs `task` while no command of this process touches `stream` (e.g. an idempotency key's stream). */
  exclusive<T>(stream: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(stream, task);
  }

  /** Metadata and a fresh id for one event: the same shape for every writer of the application. */
  toAppend(event: Event, context: EventContext): EventToAppend {
    return {
      id: this.newId(),
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: {
        ...context.extra,
        accountId: context.accountId,
        actorId: context.actorId,
        occurredAt: context.occurredAt,
        correlationId: context.correlationId,
        causationId: context.causationId,
        // Each type at its current version: readers upcast older ones (src/eventstore/upcasting.ts).
        schemaVersion: currentSchemaVersion(event.type),
      },
    };
  }

  /**
   * The stream's state with every event of the log folded in. `read` is false when the watch vouched for the cached
   * state and nothing was read; `reread` reads all the same. Must run under the stream's lock: it folds into the
   * cached state in place.
   */
  private async catchUp<S, C extends AnyCommand, E extends Event>(
    decider: Decider<S, C, E>,
    stream: string,
    options: { reread?: boolean } = {},
  ): Promise<{ current: StreamState<S>; read: boolean }> {
    const cached = this.cache.get(stream) as StreamState<S> | undefined;
    const epoch = this.watch?.epoch ?? null;
    if (cached && cached.decider === decider && !options.reread && epoch !== null && cached.currentIn === epoch) {
      return { current: cached, read: false };
    }
    const current: StreamState<S> =
      cached && cached.decider === decider
        ? cached
        : { decider, state: decider.initialState(), revision: -1, position: null, currentIn: null };
    // Vouched for from before the read: an event the watch reports while the stream is read, or after it past what
    // was read, clears it again. In the cache during the read, so the watch finds it.
    current.currentIn = epoch;
    this.cache.set(stream, current);
    // State, revision and position move together, one folded chunk at a time: a read failing half-way leaves
    // a consistent (if older) state in the cache.
    let batch: E[] = [];
    let last: { revision: number; position: Position } | null = null;
    const foldBatch = () => {
      if (!last) return;
      current.state = foldEvents(decider, current.state, batch, { inPlace: true });
      current.revision = last.revision;
      current.position = last.position;
      batch = [];
    };
    try {
      for await (const recorded of this.store.readStream(stream, { fromRevision: current.revision + 1 })) {
        // The stream's name says which decider's events it holds (one stream kind per decider): the one cast from
        // the log's records to a decider's own events.
        const event = {
          type: recorded.type,
          data: recorded.data,
          metadata: { occurredAt: recorded.metadata.occurredAt },
        };
        batch.push(event as unknown as E);
        last = { revision: recorded.revision, position: recorded.position };
        if (batch.length >= FOLD_CHUNK) foldBatch();
      }
    } catch (error) {
      current.currentIn = null;
      throw error;
    }
    foldBatch();
    this.cache.set(stream, current);
    return { current, read: true };
  }
}

/** A command waiting for its stream's turn, with the caller's promise. */
interface Queued<S = unknown, C extends AnyCommand = AnyCommand, E extends Event = Event> {
  readonly decider: Decider<S, C, E>;
  readonly command: C;
  readonly context: EventContext;
  readonly retention: { readonly maxCount: number } | undefined;
  resolve(handled: Handled<E, S>): void;
  reject(error: unknown): void;
}

type Outcome<E> = { readonly ok: true; readonly events: E[] } | { readonly ok: false; readonly refusal: unknown };

/**
 * Decides the commands one after another, each on the state the ones before it left (what running them serially
 * would do), without touching `state`: the first command that has events to fold copies it, the rest fold into
 * that copy. `fold()` answers the state after every command, for the cache once the append landed.
 */
function decideInOrder<S, C extends AnyCommand, E extends Event>(
  decider: Decider<S, C, E>,
  state: S,
  batch: readonly Queued<S, C, E>[],
): { outcomes: Outcome<E>[]; fold(): S } {
  let working = state;
  let owned = false;
  const outcomes: Outcome<E>[] = [];
  // The last command's events are folded only once they are appended (a batch of one copies nothing).
  let unfolded: E[] = [];
  const foldUnfolded = () => {
    if (unfolded.length === 0) return;
    working = foldEvents(decider, working, unfolded, { inPlace: owned });
    owned = true;
    unfolded = [];
  };
  for (const { command, context } of batch) {
    foldUnfolded();
    try {
      const events = decider.decide(command, working);
      outcomes.push({ ok: true, events });
      // As read back later: with when they occurred, which a decider may keep (an orphaned claim's age).
      unfolded = events.map((event) => ({ ...event, metadata: { occurredAt: context.occurredAt } }));
    } catch (refusal) {
      outcomes.push({ ok: false, refusal });
    }
  }
  return {
    outcomes,
    fold: () => {
      // The cached state is ours to write into once the append landed.
      if (!owned) owned = true;
      foldUnfolded();
      return working;
    },
  };
}

/** Answers each command of a settled batch: its own events, or its refusal. */
function settle<S, C extends AnyCommand, E extends Event>(
  batch: readonly Queued<S, C, E>[],
  outcomes: readonly Outcome<E>[],
  after: { position: Position; revision: number; state: S },
): void {
  batch.forEach((item, i) => {
    const outcome = outcomes[i] as Outcome<E>;
    if (outcome.ok) item.resolve({ ...after, events: outcome.events });
    else item.reject(outcome.refusal);
  });
}

/** "Full jitter": a random wait up to an exponentially growing cap, so racing writers spread out. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
