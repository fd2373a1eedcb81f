// The loop every reactor here shares: follow the log from the reactor's own checkpoint, hand each event to the
// reactor, and move the checkpoint in the same transaction as whatever the reactor records about the event.
// Where the store has consumer groups (EventStoreDB, several API instances), the reactor joins its group instead:
// each event goes to one instance, acknowledged once what the reactor records about it is committed here.
import type {
  AllSubscription,
  EventStore,
  GroupMessage,
  GroupSubscription,
  Position,
  RecordedEvent,
  StreamFilter,
} from '../eventstore/port';
import { type NotificationsDb, readCheckpoint, writeCheckpoint } from './db';
import type { Logger } from './transports';

/** What a reactor records about an event; runs inside the checkpoint's transaction, so it must be synchronous. */
export type Commit = (db: NotificationsDb) => void;

export interface ReactorLoopOptions {
  readonly name: string;
  readonly store: EventStore;
  readonly db: NotificationsDb;
  readonly filter: StreamFilter;
  readonly logger: Logger;
  /** Resolves once the event's effect is done or safely recorded; a throw re-reads from the checkpoint later. */
  handle(event: RecordedEvent): Promise<Commit | undefined>;
  /** Wait before re-subscribing after a failure, and before handing a failed event back to the group; default 1 s. */
  readonly restartDelayMs?: number;
  /**
   * The consumer group to join when the store offers groups (`subscribeToGroup`), so that of several processes on one
   * log each event is handled by one. Without it, or on a store without groups, the local checkpoint is followed.
   */
  readonly group?: string;
}

export interface ReactorLoop {
  /** Resolves once caught up with the log as it was at start; then follows it live until stopped. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

// Events no reactor cares about still move the checkpoint, but not one commit each: a crash only means reading
// them again, which changes nothing.
const IDLE_CHECKPOINT_EVERY = 200;
/** Tries of one event in a group, the first included; then it is parked for an operator (and the group moves on). */
export const GROUP_ATTEMPTS = 5;

export function reactorLoop(options: ReactorLoopOptions): ReactorLoop {
  const { name, store, db, logger } = options;
  let stopping = false;
  let subscription: AllSubscription | GroupSubscription | null = null;
  /** The group message being handled: a stop lets it finish and be acknowledged, so no other member redoes it. */
  let settling: Promise<void> | null = null;
  let running: Promise<void> | null = null;
  let restartTimer: { timer: NodeJS.Timeout; resolve: () => void } | null = null;

  const commitCheckpoint = db.transaction((position: Position, commit: Commit | undefined) => {
    commit?.(db);
    writeCheckpoint(db, name, position);
  });

  async function followOnce(onCaughtUp: () => void): Promise<void> {
    let unsaved: Position | null = null;
    let unsavedCount = 0;
    const flush = () => {
      if (unsaved !== null) commitCheckpoint(unsaved, undefined);
      unsaved = null;
      unsavedCount = 0;
    };
    subscription = store.subscribeToAll({ after: readCheckpoint(db, name), filter: options.filter });
    try {
      for await (const message of subscription) {
        if (stopping) break;
        if (message.kind === 'event') {
          const commit = await options.handle(message.event);
          if (commit) {
            commitCheckpoint(message.event.position, commit);
            unsaved = null;
            unsavedCount = 0;
          } else {
            unsaved = message.event.position;
            if (++unsavedCount >= IDLE_CHECKPOINT_EVERY) flush();
          }
        } else if (message.kind === 'checkpoint') {
          // The log moves on with events of other streams: as cheap to read again as skipped events.
          unsaved = message.position;
          if (++unsavedCount >= IDLE_CHECKPOINT_EVERY) flush();
        } else {
          flush();
          onCaughtUp();
        }
      }
    } finally {
      flush();
      subscription = null;
    }
  }

  const commitOnly = db.transaction((commit: Commit) => commit(db));

  async function followGroup(group: string, onJoined: (message: string) => void): Promise<void> {
    const joined = (store.subscribeToGroup as NonNullable<EventStore['subscribeToGroup']>)(group, {
      filter: options.filter,
      maxRetryCount: GROUP_ATTEMPTS,
    });
    subscription = joined;
    // A group has no "caught up": the server holds the cursor, and this instance is one of its members from now on.
    onJoined('reactor joined its consumer group');
    try {
      for await (const message of joined) {
        // Left unsettled on a stop: the server hands it to another member (or to this one after a restart).
        if (stopping) break;
        settling = settle(message);
        try {
          await settling;
        } finally {
          settling = null;
        }
      }
    } finally {
      subscription = null;
    }
  }

  async function settle(message: GroupMessage): Promise<void> {
    const { event } = message;
    try {
      const commit = await options.handle(event);
      if (commit) commitOnly(commit);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const park = message.retryCount + 1 >= GROUP_ATTEMPTS;
      logger.error(
        { reactor: name, eventId: event.id, attempts: message.retryCount + 1, error: reason },
        park
          ? 'reactor gave up on an event; parked in its group'
          : 'reactor failed on an event; handed back to its group',
      );
      if (!park) await pause(options.restartDelayMs ?? 1000);
      await message.nack(park ? 'park' : 'retry', reason.slice(0, 200));
      return;
    }
    try {
      await message.ack();
    } catch (error) {
      // The group will hand it out again; what was recorded here (keyed by event id) keeps it from acting twice.
      logger.warn(
        { reactor: name, eventId: event.id, error: error instanceof Error ? error.message : String(error) },
        'could not acknowledge an event to the group',
      );
    }
  }

  function pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      restartTimer = { timer: setTimeout(resolve, ms), resolve };
    }).finally(() => {
      restartTimer = null;
    });
  }

  return {
    start() {
      if (running) throw new Error(`reactor ${name} started twice`);
      stopping = false;
      return new Promise<void>((resolveStarted, rejectStarted) => {
        let started = false;
        const caughtUp = (message = 'reactor caught up with the log') => {
          if (!started) logger.info({ reactor: name, ...(options.group ? { group: options.group } : {}) }, message);
          started = true;
          resolveStarted();
        };
        running = (async () => {
          while (!stopping) {
            try {
              if (options.group && store.subscribeToGroup) await followGroup(options.group, caughtUp);
              else await followOnce(() => caughtUp());
            } catch (error) {
              logger.error(
                { reactor: name, error: error instanceof Error ? error.message : String(error) },
                'reactor failed; it resumes from its checkpoint',
              );
            }
            if (stopping) break;
            await new Promise<void>((resolve) => {
              restartTimer = { timer: setTimeout(resolve, options.restartDelayMs ?? 1000), resolve };
            });
            restartTimer = null;
          }
          if (!started) rejectStarted(new Error(`reactor ${name} stopped before it caught up`));
        })();
      });
    },

    async stop() {
      stopping = true;
      if (restartTimer) {
        clearTimeout(restartTimer.timer);
        restartTimer.resolve();
      }
      await settling?.catch(() => undefined);
      await subscription?.unsubscribe();
      await running;
      running = null;
    },
  };
}
