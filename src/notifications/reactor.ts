// How a reactor (mail, deactivation) follows the log. On one process's log (SQLite) it is a processor of the process's
// log consumer: it handles each event and moves its own checkpoint in the same transaction as whatever it records
// about the event. Where the store has consumer groups (EventStoreDB, several API instances), it joins its group
// instead: each event goes to one instance, acknowledged once what the reactor records about it is committed here.
// A group member is "joined" only once the server confirms it; a join left unanswered past a bound (a node loading
// after a leader change can take a join and say nothing) is left and tried again with the shared backoff. A group
// found missing after this instance had joined it once (deleted, or lost with a node's data) is re-created from the
// end of the log, with an error in the log: from the start it would hand the whole history out again.
import type {
  EventStore,
  GroupJoined,
  GroupMessage,
  GroupSubscription,
  Position,
  RecordedEvent,
  StreamFilter,
} from '../eventstore/port';
import { type BackoffPolicy, backoffDelay, wakeableSleep } from '../processing/backoff';
import type { LogConsumer } from '../processing/log-consumer';
import type { Processor } from '../processing/processor';
import { type NotificationsDb, readCheckpoint, writeCheckpoint } from './db';
import type { Logger } from './transports';

/**
 * What a reactor records about an event; runs inside the checkpoint's transaction, so it must be synchronous. Its
 * `committed`, if any, runs once that transaction is committed, never when it is rolled back.
 */
export type Commit = ((db: NotificationsDb) => void) & { readonly committed?: () => void };

interface Reactor {
  /** The key of its checkpoint, and its name in logs, /readyz and /metrics. */
  readonly name: string;
  readonly filter: StreamFilter;
  /** The consumer group it joins where the store offers groups, so that of several processes each event is handled by one. */
  readonly group: string;
  /** As a processor of the log consumer: how long its next batch waits once it is caught up (Processor.coalesceMs). */
  readonly coalesceMs?: number;
  /** Resolves once the event's effect is done or safely recorded; a throw hands the event over again later. */
  handle(event: RecordedEvent): Promise<Commit | undefined>;
}

interface ReactorHost {
  readonly store: EventStore;
  /** The process's log consumer: the reactor is one of its processors where the store has no groups. */
  readonly consumer: LogConsumer;
  readonly db: NotificationsDb;
  readonly logger: Logger;
  /** Waits between tries in a group (a failed event, a lost group, an unanswered join); default 1 s doubling to 30 s. */
  readonly retry?: BackoffPolicy;
  /**
   * How long a join may wait for the group's confirmation before it is left and tried again; default
   * DEFAULT_JOIN_TIMEOUT_MS. A confirmation normally comes within milliseconds: the bound only has to outlast a busy node.
   */
  readonly joinTimeoutMs?: number;
}

/** Where a reactor in a consumer group is, for /readyz's detail (where there are no groups the consumer's status says it). */
export interface ReactorGroupStatus {
  readonly name: string;
  readonly group: string;
  /** joining: waiting for the server's confirmation; joined: a confirmed member; waiting: backing off before a rejoin. */
  readonly state: 'joining' | 'joined' | 'waiting' | 'stopped';
  /** Failed joins or lost memberships in a row (0 once a join is confirmed). */
  readonly failures: number;
}

export interface RunningReactor {
  /** Resolves once caught up with the log as it was at start (in a group: once the server confirmed the member). */
  readonly started: Promise<void>;
  /** Its state in its consumer group; null where it is a processor of the consumer. */
  status(): ReactorGroupStatus | null;
  stop(): Promise<void>;
}

// Events no reactor cares about still move the checkpoint, but not one commit each: a crash only means reading
// them again, which changes nothing.
const IDLE_CHECKPOINT_EVERY = 200;
/** Tries of one event in a group, the first included; then it is parked for an operator (and the group moves on). */
const GROUP_ATTEMPTS = 5;
const DEFAULT_GROUP_RETRY: BackoffPolicy = { baseMs: 1000, maxMs: 30_000 };
/** The default bound on a join's confirmation. */
const DEFAULT_JOIN_TIMEOUT_MS = 10_000;
/**
 * The key, in notifications.db's checkpoint table, of the mark that this instance has been a confirmed member of a
 * group: from then on a missing group was lost, not new, and is re-created from the end.
 */
const joinedMark = (group: string) => `group-joined:${group}`;

/** Runs the reactor in its consumer group where the store has groups, else as a processor of the consumer. */
export function startReactor(reactor: Reactor, host: ReactorHost): RunningReactor {
  if (host.store.subscribeToGroup) return joinGroup(reactor, host);
  const processor = reactorProcessor(reactor, host);
  const started = host.consumer.add(processor);
  return {
    started,
    status: () => null,
    async stop() {
      await host.consumer.remove(processor);
      processor.saveCheckpoint();
    },
  };
}

/**
 * The reactor as a processor: its checkpoint in notifications.db, moved with what it records about the events. What
 * it records about one batch of the consumer commits in one transaction with the checkpoint (one commit per batch,
 * not one per event: a busy log hands over several events at once); should an event throw, what the events before
 * it recorded is committed first, so the retry starts after them.
 */
function reactorProcessor(reactor: Reactor, host: ReactorHost): Processor & { saveCheckpoint(): void } {
  const { db, logger } = host;
  let position: Position | null = readCheckpoint(db, reactor.name) ?? null;
  let unsaved = 0;
  const commitWith = db.transaction((at: Position, commits: readonly Commit[]) => {
    for (const commit of commits) commit(db);
    writeCheckpoint(db, reactor.name, at);
  });
  const saveCheckpoint = () => {
    if (unsaved === 0 || position === null) return;
    commitWith(position, []);
    unsaved = 0;
  };
  return {
    name: reactor.name,
    filter: reactor.filter,
    ...(reactor.coalesceMs ? { coalesceMs: reactor.coalesceMs } : {}),
    checkpoint: () => position,
    async handle(events, through) {
      const commits: Commit[] = [];
      let handled = position;
      try {
        for (const event of events) {
          const commit = await reactor.handle(event);
          if (commit) commits.push(commit);
          else unsaved++;
          handled = event.position;
        }
      } finally {
        if (commits.length > 0) {
          commitWith(handled as Position, commits);
          unsaved = 0;
          for (const commit of commits) commit.committed?.();
        }
        position = handled;
      }
      if (position === null || through > position) {
        position = through;
        unsaved++;
      }
      if (unsaved >= IDLE_CHECKPOINT_EVERY) saveCheckpoint();
    },
    caughtUp() {
      saveCheckpoint();
      logger.info({ reactor: reactor.name }, 'reactor caught up with the log');
    },
    saveCheckpoint,
  };
}

/** The group's member loop: joins, waits (bounded) for the confirmation, rejoins with backoff after a failure. */
function joinGroup(reactor: Reactor, host: ReactorHost): RunningReactor {
  const { store, db, logger } = host;
  const retry = host.retry ?? DEFAULT_GROUP_RETRY;
  const joinTimeoutMs = host.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
  const commitOnly = db.transaction((commit: Commit) => commit(db));
  const log = { reactor: reactor.name, group: reactor.group };
  let stopping = false;
  let state: ReactorGroupStatus['state'] = 'joining';
  let failures = 0;
  let subscription: GroupSubscription | null = null;
  /** The message being handled: a stop lets it finish and be acknowledged, so no other member redoes it. */
  let settling: Promise<void> | null = null;
  let pause: { wake(): void } | null = null;
  let joined = () => {};
  const started = new Promise<void>((resolve) => {
    joined = resolve;
  });

  const sleep = async (ms: number) => {
    const timer = wakeableSleep(ms);
    pause = timer;
    await timer.done;
    pause = null;
  };

  /** The confirmation, or null when none came within the bound. */
  async function confirmation(member: GroupSubscription): Promise<GroupJoined | null> {
    const bound = wakeableSleep(joinTimeoutMs);
    try {
      return await Promise.race([member.joined, bound.done.then(() => null)]);
    } finally {
      bound.wake();
    }
  }

  async function settle(message: GroupMessage): Promise<void> {
    const { event } = message;
    try {
      const commit = await reactor.handle(event);
      if (commit) {
        commitOnly(commit);
        commit.committed?.();
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const park = message.retryCount + 1 >= GROUP_ATTEMPTS;
      logger.error(
        { reactor: reactor.name, eventId: event.id, attempts: message.retryCount + 1, error: reason },
        park
          ? 'reactor gave up on an event; parked in its group'
          : 'reactor failed on an event; handed back to its group',
      );
      if (!park) await sleep(backoffDelay(message.retryCount + 1, retry));
      await message.nack(park ? 'park' : 'retry', reason.slice(0, 200));
      return;
    }
    try {
      await message.ack();
    } catch (error) {
      // The group will hand it out again; what was recorded here (keyed by event id) keeps it from acting twice.
      logger.warn(
        { reactor: reactor.name, eventId: event.id, error: error instanceof Error ? error.message : String(error) },
        'could not acknowledge an event to the group',
      );
    }
  }

  const running = (async () => {
    while (!stopping) {
      // Never joined from here: the group is new (first use) and starts with the log. Joined before: it was lost.
      const wasMember = readCheckpoint(db, joinedMark(reactor.group)) !== undefined;
      state = 'joining';
      const member = (store.subscribeToGroup as NonNullable<EventStore['subscribeToGroup']>)(reactor.group, {
        filter: reactor.filter,
        maxRetryCount: GROUP_ATTEMPTS,
        createFrom: wasMember ? 'end' : 'start',
      });
      subscription = member;
      try {
        const confirmed = await confirmation(member);
        if (stopping) break;
        if (!confirmed) {
          failures++;
          logger.warn(
            { ...log, joinTimeoutMs, failures },
            'reactor’s consumer group did not confirm the join in time; it leaves and joins again',
          );
        } else {
          if (confirmed.created && wasMember) {
            logger.error(
              log,
              'reactor’s consumer group was missing (deleted, or lost with the server’s data) and is re-created from the end of the log: events written while it was missing are not handled',
            );
          } else if (confirmed.created) {
            logger.info(log, 'reactor created its consumer group, from the start of the log');
          }
          if (!wasMember) writeCheckpoint(db, joinedMark(reactor.group), new Date().toISOString());
          state = 'joined';
          failures = 0;
          logger.info(log, 'reactor joined its consumer group');
          joined();
          for await (const message of member) {
            // Left unsettled on a stop: the server hands it to another member (or to this one after a restart).
            if (stopping) break;
            settling = settle(message);
            try {
              await settling;
            } finally {
              settling = null;
            }
          }
          if (!stopping) failures++;
        }
      } catch (error) {
        if (stopping) break;
        failures++;
        logger.error(
          { ...log, failures, error: error instanceof Error ? error.message : String(error) },
          'reactor lost its consumer group; it rejoins',
        );
      } finally {
        subscription = null;
        if (!stopping) await member.unsubscribe().catch(() => undefined);
      }
      if (stopping) break;
      state = 'waiting';
      await sleep(backoffDelay(failures, retry));
    }
    state = 'stopped';
  })();

  return {
    started,
    status: () => ({ name: reactor.name, group: reactor.group, state, failures }),
    async stop() {
      stopping = true;
      pause?.wake();
      await settling?.catch(() => undefined);
      await subscription?.unsubscribe();
      await running;
    },
  };
}
