// The projection runner: one catch-up-then-live subscription feeds every projection, a batch per transaction.
// Callers wait on it to read their own writes; /readyz and /metrics read its lag.
import type Database from 'better-sqlite3';
import { LICENSE_STREAM_PREFIXES } from '../domain/streams';
import type { AllSubscription, EventStore, Position, RecordedEvent } from '../eventstore/port';
import type { ProjectionDefinition } from './define';
import { ReadModels } from './read-models';

export interface RunnerLogger {
  info(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  /** Normally `<data dir>/readmodels.db`. */
  readonly file: string;
  readonly projections: readonly ProjectionDefinition[];
  /**
   * Events per transaction while catching up; live batches are whatever arrived together. Default 5000: fewer
   * commits make a rebuild faster, and a batch holds the event loop for about 0.15 s, which a server not yet ready can afford.
   */
  readonly batchSize?: number;
  readonly logger?: RunnerLogger;
}

export interface ProjectionLag {
  readonly name: string;
  readonly version: number;
  readonly position: Position | null;
  readonly head: Position | null;
  /** Positions between the checkpoint and the head (events of every stream, so an upper bound on events behind). */
  readonly behind: number;
}

export type RunnerStatus = 'idle' | 'catching-up' | 'live' | 'stopped' | 'failed';

/** The read models did not reach a position in time: the write happened, its effect is not visible yet. */
export class ReadModelTimeout extends Error {
  constructor(
    readonly position: Position,
    readonly reached: Position | null,
    readonly timeoutMs: number,
  ) {
    super(
      `read models did not reach position ${position} within ${timeoutMs} ms (they are at ${reached ?? 'the start'})`,
    );
    this.name = 'ReadModelTimeout';
  }
}

export class ProjectionRunnerStopped extends Error {
  constructor(cause?: unknown) {
    super(cause ? 'the projection runner failed' : 'the projection runner stopped', cause ? { cause } : undefined);
    this.name = 'ProjectionRunnerStopped';
  }
}

export interface ProjectionRunner {
  /** The read-model connection: queries run here (same connection, so they never see half a batch). */
  readonly db: Database.Database;
  /** Catches up, then keeps following the log; resolves once caught up with the head found at start. */
  start(): Promise<void>;
  /** Resolves once every projection has applied the log up to at least `position`; rejects with ReadModelTimeout. */
  waitForPosition(position: Position, timeoutMs?: number): Promise<void>;
  /** Every projection caught up with the log found at start (what /readyz reports). */
  isCaughtUp(): boolean;
  status(): RunnerStatus;
  lag(): Promise<ProjectionLag[]>;
  /** Called after each committed batch with its events (e.g. to push seat changes to GraphQL subscriptions). */
  onApplied(listener: (events: readonly RecordedEvent[]) => void): () => void;
  /** How many onApplied listeners are registered: lets /metrics show that closed subscriptions left none behind. */
  listenerCount(): number;
  /** Stops following the log and closes the read models; events not yet committed are read again next start. */
  stop(): Promise<void>;
}

interface Waiter {
  readonly position: Position;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Asks the log whether a licence event lies before `position` (see `probe`). */
  probeTimer?: NodeJS.Timeout;
  probing?: boolean;
  /** The probe found a licence event here, not yet applied: ask again once the read models pass it. */
  recheckAt?: Position;
}

const DEFAULT_BATCH_SIZE = 5000;
const DEFAULT_WAIT_MS = 5000;
/**
 * A wait still pending after this long asks the log directly. Needed where the position is of a stream the runner
 * filters out (credentials-, email-) and the store checkpoints filtered stretches only every so many events, as
 * EventStoreDB does; SQLite's subscription checkpoints at once, so there the probe rarely runs.
 */
const PROBE_AFTER_MS = 10;
const PROJECTED = { streamPrefixes: LICENSE_STREAM_PREFIXES };

export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { store, logger } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const models = new ReadModels({ file: options.file, projections: options.projections });
  const listeners = new Set<(events: readonly RecordedEvent[]) => void>();
  let waiters: Waiter[] = [];
  let state: RunnerStatus = 'idle';
  let caughtUp = false;
  let failure: Error | undefined;
  let subscription: AllSubscription | undefined;
  let loop: Promise<void> | undefined;

  let pending: RecordedEvent[] = [];
  let pendingThrough: Position | null = null;
  let flushScheduled = false;

  const reached = () => models.lowestPosition();

  const forget = (waiter: Waiter) => {
    clearTimeout(waiter.timer);
    clearTimeout(waiter.probeTimer);
    waiters = waiters.filter((w) => w !== waiter);
  };

  const settleWaiters = () => {
    if (waiters.length === 0) return;
    const at = reached();
    for (const waiter of waiters) {
      if (at !== null && waiter.position <= at) {
        forget(waiter);
        waiter.resolve();
      } else if (waiter.recheckAt !== undefined && at !== null && waiter.recheckAt <= at) {
        waiter.recheckAt = undefined;
        void probe(waiter);
      }
    }
  };

  /**
   * Settles a wait the subscription alone may not: when no licence event lies between what is applied and the
   * position, the read models already show everything up to it. Only once live, so a catch-up is not re-read.
   */
  const probe = async (waiter: Waiter): Promise<void> => {
    if (waiter.probing || !waiters.includes(waiter) || !(caughtUp && state === 'live')) return;
    waiter.probing = true;
    try {
      const from = reached();
      let next: RecordedEvent | undefined;
      for await (const event of store.readAll({
        ...(from === null ? {} : { after: from }),
        filter: PROJECTED,
        maxCount: 1,
      })) {
        next = event;
      }
      if (!waiters.includes(waiter)) return;
      if (next === undefined || next.position > waiter.position) {
        forget(waiter);
        waiter.resolve();
      } else {
        waiter.recheckAt = next.position;
        settleWaiters();
      }
    } catch (error) {
      // The subscription may still get there; otherwise the wait's timeout says so.
      logger?.error({ err: error }, 'read-your-writes probe failed');
    } finally {
      waiter.probing = false;
    }
  };

  const rejectWaiters = (error: Error) => {
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      clearTimeout(waiter.probeTimer);
      waiter.reject(error);
    }
    waiters = [];
  };

  const flush = () => {
    if (pendingThrough === null || state === 'stopped' || state === 'failed') return;
    const events = pending;
    const through = pendingThrough;
    pending = [];
    pendingThrough = null;
    models.apply(events, through);
    settleWaiters();
    if (events.length > 0) {
      for (const listener of listeners) {
        try {
          listener(events);
        } catch (error) {
          logger?.error({ err: error }, 'projection listener failed');
        }
      }
    }
  };

  const fail = (error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error));
    state = 'failed';
    logger?.error({ err: failure, position: reached() }, 'projection runner failed');
    rejectWaiters(new ProjectionRunnerStopped(failure));
    void subscription?.unsubscribe();
  };

  // Live events arrive one commit at a time: whatever came in during this turn is written together.
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      try {
        flush();
      } catch (error) {
        fail(error);
      }
    });
  };

  const run = async (onCaughtUp: () => void) => {
    const after = models.lowestPosition();
    subscription = store.subscribeToAll({
      ...(after === null ? {} : { after }),
      filter: { streamPrefixes: LICENSE_STREAM_PREFIXES },
    });
    for await (const message of subscription) {
      if (state === 'stopped' || state === 'failed') break;
      if (message.kind === 'event') {
        pending.push(message.event);
        pendingThrough = message.event.position;
        if (pending.length >= batchSize) {
          flush();
          // A catch-up reads pages without returning to the event loop: let HTTP and timers breathe between batches.
          await new Promise((resolve) => setImmediate(resolve));
        } else if (caughtUp) scheduleFlush();
      } else if (message.kind === 'checkpoint') {
        if (pendingThrough === null || message.position > pendingThrough) pendingThrough = message.position;
        scheduleFlush();
      } else {
        if (message.position !== null && (pendingThrough === null || message.position > pendingThrough)) {
          pendingThrough = message.position;
        }
        flush();
        models.finishRebuild();
        caughtUp = true;
        state = 'live';
        logger?.info({ position: reached() }, 'projections caught up');
        for (const waiter of waiters) void probe(waiter);
        onCaughtUp();
      }
    }
  };

  return {
    db: models.db,

    start() {
      if (state !== 'idle') return Promise.reject(new Error(`the projection runner is ${state}`));
      state = 'catching-up';
      logger?.info(
        { from: models.lowestPosition(), rebuilding: models.rebuilding, projections: models.checkpoints() },
        'projections catching up',
      );
      return new Promise<void>((resolve, reject) => {
        loop = run(resolve).then(
          () => {
            if (state !== 'stopped' && state !== 'failed') fail(new Error('the event subscription ended'));
            reject(failure ?? new ProjectionRunnerStopped());
          },
          (error) => {
            if (state !== 'stopped') fail(error);
            reject(failure ?? error);
          },
        );
      });
    },

    waitForPosition(position, timeoutMs = DEFAULT_WAIT_MS) {
      if (failure) return Promise.reject(new ProjectionRunnerStopped(failure));
      const at = reached();
      if (at !== null && position <= at) return Promise.resolve();
      if (state === 'stopped') return Promise.reject(new ProjectionRunnerStopped());
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          forget(waiter);
          reject(new ReadModelTimeout(position, reached(), timeoutMs));
        }, timeoutMs);
        const waiter: Waiter = { position, resolve, reject, timer };
        waiter.probeTimer = setTimeout(() => void probe(waiter), PROBE_AFTER_MS);
        waiters.push(waiter);
      });
    },

    isCaughtUp: () => caughtUp && state === 'live',

    status: () => state,

    async lag() {
      const head = await store.headPosition();
      return models.checkpoints().map((checkpoint) => ({
        ...checkpoint,
        head,
        behind: distance(checkpoint.position, head),
      }));
    },

    onApplied(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    listenerCount() {
      return listeners.size;
    },

    async stop() {
      if (state === 'stopped') return;
      const wasRunning = loop !== undefined;
      state = 'stopped';
      rejectWaiters(new ProjectionRunnerStopped());
      await subscription?.unsubscribe();
      if (wasRunning) await loop?.catch(() => undefined);
      models.close();
    },
  };
}

/** How far `from` is behind `to`, when positions are decimal (as the SQLite adapter's are); else 0 or 1. */
function distance(from: Position | null, to: Position | null): number {
  if (to === null) return 0;
  if (from !== null && from >= to) return 0;
  if (/^\d+$/.test(to) && (from === null || /^\d+$/.test(from))) return Number(to) - Number(from ?? 0);
  return 1;
}
