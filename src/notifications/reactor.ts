// The loop every reactor here shares: follow the log from the reactor's own checkpoint, hand each event to the
// reactor, and move the checkpoint in the same transaction as whatever the reactor records about the event.
import type { AllSubscription, EventStore, Position, RecordedEvent, StreamFilter } from '../eventstore/port';
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
  /** Wait before re-subscribing after a failure; default 1 s. */
  readonly restartDelayMs?: number;
}

export interface ReactorLoop {
  /** Resolves once caught up with the log as it was at start; then follows it live until stopped. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

// Events no reactor cares about still move the checkpoint, but not one commit each: a crash only means reading
// them again, which changes nothing.
const IDLE_CHECKPOINT_EVERY = 200;

export function reactorLoop(options: ReactorLoopOptions): ReactorLoop {
  const { name, store, db, logger } = options;
  let stopping = false;
  let subscription: AllSubscription | null = null;
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
          unsaved = message.position;
          flush();
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

  return {
    start() {
      if (running) throw new Error(`reactor ${name} started twice`);
      stopping = false;
      return new Promise<void>((resolveStarted, rejectStarted) => {
        let started = false;
        const caughtUp = () => {
          if (!started) logger.info({ reactor: name }, 'reactor caught up with the log');
          started = true;
          resolveStarted();
        };
        running = (async () => {
          while (!stopping) {
            try {
              await followOnce(caughtUp);
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
      await subscription?.unsubscribe();
      await running;
      running = null;
    },
  };
}
