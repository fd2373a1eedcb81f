// The one follower of the log in a process. A single catch-up-then-live subscription reads each event once into a
// shared window; every processor (read models, reactors, the command handler's watch) has its own lane over it: its
// own checkpoint, batches in log order, its own retries with backoff when it throws, and its own reads of the log
// when it has fallen behind the window. So a slow or failing processor never holds the others back, and the log is
// read once however many processors follow it. Read-your-writes waits here: a write on the processors that gate
// readiness, or a read on one of them writes do not wait for (LogConsumer.fence).
import type { AllSubscription, EventStore, Position, RecordedEvent, StreamFilter } from '../eventstore/port';
import { type BackoffPolicy, backoffDelay, wakeableSleep } from './backoff';
import { ConsumerStopped, ReadModelTimeout } from './errors';
import type { Processor, ProcessorStatus } from './processor';

interface ConsumerLogger {
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

export interface LogConsumerOptions {
  readonly store: EventStore;
  readonly logger?: ConsumerLogger;
  /**
   * Events a processor is handed at once while catching up (live batches are whatever arrived together). Default
   * 1000: a rebuild commits without fsync, so more commits cost it nothing, while the events of a smaller batch die
   * young instead of being promoted to V8's old space (bench:replay: peak heap about half, and less GC).
   */
  readonly batchSize?: number;
  /** Recent events kept for processors that lag; one further behind reads the log itself. Default 20,000. */
  readonly windowSize?: number;
  /** Waits between tries of a failing processor, and between resubscriptions. */
  readonly retry?: BackoffPolicy;
}

interface Lane {
  readonly processor: Processor;
  /** Every event up to here is handled (null: none yet). */
  position: Position | null;
  /** Caught up once `position` reaches this: the log's end when the lane joined, known once the consumer is live. */
  target: Position | null | undefined;
  caughtUp: boolean;
  readonly caughtUpSignal: Deferred;
  /** While it catches up on its own (Processor.catchUpAlone): nothing is handed to it, nothing kept for it. */
  alone: Promise<void> | null;
  /** The drain in flight, if any: one at a time per lane. */
  draining: Promise<void> | null;
  retry: { timer: NodeJS.Timeout } | null;
  /** With Processor.coalesceMs: the next batch waits until then (performance.now()); 0 when it need not. */
  calmUntil: number;
  /** Ends that wait early: a reader fencing on the lane, or a stop. */
  calm: { wake(): void } | null;
  failures: number;
  lastError: string | null;
  removed: boolean;
}

interface Waiter {
  readonly position: Position;
  /** The lane that must reach `position`; null: every lane writes wait for. */
  readonly lane: Lane | null;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_WINDOW_SIZE = 20_000;
const DEFAULT_RETRY: BackoffPolicy = { baseMs: 250, maxMs: 30_000 };
const DEFAULT_WAIT_MS = 5000;

/** a > b, where null is before every position. */
const beyond = (a: Position | null, b: Position | null): boolean => a !== null && (b === null || a > b);

export class LogConsumer {
  private readonly store: EventStore;
  private readonly logger: ConsumerLogger | undefined;
  private readonly batchSize: number;
  private readonly windowSize: number;
  private readonly retryPolicy: BackoffPolicy;
  private readonly lanes: Lane[] = [];
  private waiters: Waiter[] = [];
  /** Events after `windowFrom`, up to `through`, in log order: everything the subscription delivered past windowFrom. */
  private window: RecordedEvent[] = [];
  private windowFrom: Position | null = null;
  /** The furthest position the subscription has delivered (an event, or a stretch it searched and found nothing in). */
  private through: Position | null = null;
  private started = false;
  private stopping = false;
  private live = false;
  private reader: Promise<void> | null = null;
  private subscription: AllSubscription | null = null;
  private pause: { wake(): void } | null = null;
  private dispatchScheduled = false;
  private readonly stopped = new AbortController();

  constructor(options: LogConsumerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.windowSize = Math.max(options.windowSize ?? DEFAULT_WINDOW_SIZE, this.batchSize);
    this.retryPolicy = options.retry ?? DEFAULT_RETRY;
  }

  /**
   * Adds a processor; it starts from its own checkpoint. Answers a promise that resolves once it has handled what the
   * log held when it joined (never rejects; a stop leaves it pending).
   */
  add(processor: Processor): Promise<void> {
    if (this.lanes.some((lane) => lane.processor.name === processor.name)) {
      throw new Error(`a processor named ${processor.name} is already added`);
    }
    if (processor.gatesReadiness && processor.awaitedByWrites !== false && processor.coalesceMs) {
      throw new Error(`${processor.name} is awaited by writes: its batches may not wait (coalesceMs)`);
    }
    const checkpoint = processor.checkpoint();
    const lane: Lane = {
      processor,
      position: checkpoint === 'head' ? this.through : checkpoint,
      target: undefined,
      caughtUp: false,
      caughtUpSignal: deferred(),
      alone: null,
      draining: null,
      retry: null,
      calmUntil: 0,
      calm: null,
      failures: 0,
      lastError: null,
      removed: false,
    };
    this.lanes.push(lane);
    if (this.started) {
      // Joining a live consumer: caught up once it has handled what the log holds now (until then, or should the
      // log be out of reach, the target is set when the consumer next goes live).
      if (this.live) {
        this.store.headPosition().then(
          (head) => {
            if (lane.target === undefined) lane.target = head;
            this.noteProgress(lane);
          },
          () => undefined,
        );
      }
      void this.pump(lane);
    }
    return lane.caughtUpSignal.promise;
  }

  /** Stops handing events to a processor; resolves once a batch it is handling has finished. */
  async remove(processor: Processor): Promise<void> {
    const lane = this.lanes.find((l) => l.processor === processor);
    if (!lane) return;
    lane.removed = true;
    if (lane.retry) clearTimeout(lane.retry.timer);
    this.lanes.splice(this.lanes.indexOf(lane), 1);
    await lane.draining;
  }

  /**
   * Starts reading the log from the lowest checkpoint. Resolves once every processor that gates readiness has caught
   * up with the log found at start (the others catch up in their own time).
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('the log consumer started twice');
    this.started = true;
    const head = await this.store.headPosition();
    for (const lane of this.lanes) if (lane.processor.checkpoint() === 'head') lane.position = head;
    for (const lane of this.lanes) this.catchUpAlone(lane, head);
    let lowest: Position | null = head;
    for (const lane of this.lanes) if (!lane.alone && !beyond(lane.position, lowest)) lowest = lane.position;
    this.through = lowest;
    this.windowFrom = lowest;
    this.logger?.info(
      { from: lowest, processors: this.lanes.map((l) => ({ name: l.processor.name, position: l.position })) },
      'log consumer catching up',
    );
    this.reader = this.read();
    await Promise.all(this.lanes.filter((l) => l.processor.gatesReadiness).map((l) => l.caughtUpSignal.promise));
  }

  /**
   * Resolves once every processor writes wait for (those that gate readiness, unless not awaitedByWrites) has
   * handled the log up to `position` (and whatever it does in `handle` for that batch is done); rejects with
   * ReadModelTimeout after `timeoutMs`, ConsumerStopped on a stop.
   */
  waitFor(position: Position, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.wait(position, null, timeoutMs);
  }

  /**
   * For a reader of a processor writes do not wait for: resolves once it has handled everything the processors
   * writes wait for have handled now, so it shows every write answered so far. Rejects like waitFor.
   */
  fence(processorName: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const lane = this.lanes.find((l) => l.processor.name === processorName);
    if (!lane?.processor.gatesReadiness) {
      return Promise.reject(new Error(`no processor named ${processorName} gates readiness`));
    }
    const answered = this.gatedPosition();
    if (answered === null || this.reached(answered, lane)) return Promise.resolve();
    // A reader waits: the lane's next batch does not wait out its coalescing.
    lane.calmUntil = 0;
    lane.calm?.wake();
    return this.wait(answered, lane, timeoutMs);
  }

  private wait(position: Position, lane: Lane | null, timeoutMs: number): Promise<void> {
    if (this.stopping) return Promise.reject(new ConsumerStopped());
    if (this.reached(position, lane)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ReadModelTimeout(position, lane ? lane.position : this.gatedPosition(), timeoutMs));
      }, timeoutMs);
      const waiter: Waiter = { position, lane, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** Every processor that gates readiness has caught up with the log it found and is not failing now. */
  isReady(): boolean {
    return (
      this.started && !this.stopping && this.lanes.every((l) => !l.processor.gatesReadiness || (l.caughtUp && !l.retry))
    );
  }

  status(): ProcessorStatus[] {
    return this.lanes.map((lane) => ({
      name: lane.processor.name,
      gatesReadiness: lane.processor.gatesReadiness ?? false,
      state: this.stopping ? 'stopped' : lane.retry ? 'retrying' : lane.caughtUp ? 'live' : 'catching-up',
      position: lane.position,
      failures: lane.failures,
      lastError: lane.lastError,
    }));
  }

  /** Stops reading; batches in flight finish, pending waits are rejected. Processors are closed by their owners. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.setLive(false);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new ConsumerStopped());
    }
    this.waiters = [];
    for (const lane of this.lanes) {
      if (lane.retry) clearTimeout(lane.retry.timer);
      lane.calm?.wake();
    }
    this.stopped.abort();
    this.pause?.wake();
    await this.subscription?.unsubscribe();
    await this.reader;
    await Promise.all(this.lanes.map((lane) => lane.draining ?? lane.alone));
  }

  /** Lets the lane's processor catch up on its own if it asks to; it joins from its checkpoint afterwards. */
  private catchUpAlone(lane: Lane, head: Position | null): void {
    const { processor } = lane;
    let alone: Promise<void> | undefined;
    try {
      alone = processor.catchUpAlone?.(head, this.stopped.signal);
    } catch (error) {
      alone = Promise.reject(error);
    }
    if (!alone) return;
    lane.alone = alone
      .catch((error: unknown) => {
        this.logger?.warn(
          { processor: processor.name, error: describe(error) },
          'processor could not catch up on its own; it catches up here from its checkpoint',
        );
      })
      .then(() => {
        lane.alone = null;
        const checkpoint = processor.checkpoint();
        if (checkpoint !== 'head') lane.position = checkpoint;
        this.noteProgress(lane);
        void this.pump(lane);
      });
  }

  // --- reading the log -------------------------------------------------------------------------------------------

  /** The one subscription: resubscribes after a failure from what it has delivered, with backoff, until stopped. */
  private async read(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const subscription = this.store.subscribeToAll(this.through === null ? {} : { after: this.through });
      this.subscription = subscription;
      let sinceDispatch = 0;
      try {
        for await (const message of subscription) {
          if (this.stopping) break;
          failures = 0;
          if (message.kind === 'event') {
            // A resubscription may repeat what was delivered; positions only move forward.
            if (!beyond(message.event.position, this.through)) continue;
            this.window.push(message.event);
            this.through = message.event.position;
            if (this.live) this.scheduleDispatch();
            else if (++sinceDispatch >= this.batchSize) {
              sinceDispatch = 0;
              // Catching up: the read models keep pace with reading, so the window stays one batch deep.
              await this.dispatch({ awaitGating: true });
            }
          } else if (message.kind === 'checkpoint') {
            if (beyond(message.position, this.through)) this.through = message.position;
            this.scheduleDispatch();
          } else {
            if (beyond(message.position, this.through)) this.through = message.position;
            this.setLive(true);
            await this.dispatch({ awaitGating: false });
          }
        }
        if (!this.stopping) throw new Error('the log subscription ended');
      } catch (error) {
        if (this.stopping) break;
        failures++;
        this.setLive(false);
        const delay = backoffDelay(failures, this.retryPolicy);
        this.logger?.warn(
          { error: describe(error), retryInMs: delay },
          'log consumer lost the log; it resubscribes from where it was',
        );
        const sleep = wakeableSleep(delay);
        this.pause = sleep;
        await sleep.done;
        this.pause = null;
      } finally {
        this.subscription = null;
      }
    }
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    if (live) {
      for (const lane of this.lanes) {
        if (lane.target === undefined) lane.target = this.through;
        this.noteProgress(lane);
      }
      this.logger?.info({ position: this.through }, 'log consumer is live');
    }
    for (const lane of this.lanes) {
      try {
        lane.processor.liveness?.(live);
      } catch (error) {
        this.logger?.error(
          { processor: lane.processor.name, error: describe(error) },
          'processor liveness hook failed',
        );
      }
    }
  }

  // Live events arrive one commit at a time: whatever came in during this turn is handed over together.
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      void this.dispatch({ awaitGating: false });
    });
  }

  private async dispatch(options: { awaitGating: boolean }): Promise<void> {
    const gating: Promise<void>[] = [];
    for (const lane of this.lanes) {
      const drained = this.pump(lane);
      if (lane.processor.gatesReadiness) gating.push(drained);
    }
    if (options.awaitGating) await Promise.all(gating);
    this.trim();
  }

  /** Drops what every lane inside the window has handled, and the oldest events beyond the window's size. */
  private trim(): void {
    let keepAfter = this.through;
    for (const lane of this.lanes) {
      if (lane.alone) continue;
      if (!beyond(this.windowFrom, lane.position) && beyond(keepAfter, lane.position)) keepAfter = lane.position;
    }
    let drop = firstAfter(this.window, keepAfter);
    if (this.window.length - drop > this.windowSize) drop = this.window.length - this.windowSize;
    if (drop === 0) return;
    this.windowFrom = (this.window[drop - 1] as RecordedEvent).position;
    this.window = this.window.slice(drop);
  }

  // --- one lane --------------------------------------------------------------------------------------------------

  /** Starts draining the lane unless it is already, or waiting out a backoff; answers the drain. */
  private pump(lane: Lane): Promise<void> {
    if (lane.draining) return lane.draining;
    if (lane.alone || lane.retry || lane.removed || this.stopping || !beyond(this.through, lane.position))
      return Promise.resolve();
    lane.draining = this.drain(lane).finally(() => {
      lane.draining = null;
    });
    return lane.draining;
  }

  private async drain(lane: Lane): Promise<void> {
    const { processor } = lane;
    while (!this.stopping && !lane.removed && beyond(this.through, lane.position)) {
      const calm = lane.calmUntil - performance.now();
      if (calm > 0) {
        const sleep = wakeableSleep(calm);
        lane.calm = sleep;
        await sleep.done;
        lane.calm = null;
        continue;
      }
      let batch: { events: RecordedEvent[]; through: Position };
      try {
        batch = await this.nextBatch(lane);
        const handled = processor.handle(batch.events, batch.through);
        if (handled) await handled;
      } catch (error) {
        this.failed(lane, error);
        return;
      }
      if (lane.failures > 0) {
        this.logger?.info({ processor: processor.name, failures: lane.failures }, 'processor recovered');
      }
      lane.failures = 0;
      lane.lastError = null;
      lane.position = batch.through;
      // Live and caught up with all there is: what comes next may wait a little and come together.
      const { coalesceMs } = processor;
      const waits = coalesceMs && this.live && !beyond(this.through, lane.position);
      lane.calmUntil = waits ? performance.now() + coalesceMs : 0;
      this.noteProgress(lane);
      // During a catch-up pages are read without returning to the event loop: let HTTP and timers breathe.
      if (!this.live && batch.events.length >= this.batchSize) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The lane's next events: from the window, or from the log itself when it has fallen behind the window. */
  private async nextBatch(lane: Lane): Promise<{ events: RecordedEvent[]; through: Position }> {
    const filter = lane.processor.filter;
    if (!beyond(this.windowFrom, lane.position)) {
      const from = firstAfter(this.window, lane.position);
      const to = Math.min(from + this.batchSize, this.window.length);
      const slice = this.window.slice(from, to);
      const through = to === this.window.length ? (this.through as Position) : (slice.at(-1) as RecordedEvent).position;
      return { events: filter ? slice.filter((e) => matches(filter, e.streamName)) : slice, through };
    }
    const events: RecordedEvent[] = [];
    for await (const event of this.store.readAll({
      ...(lane.position === null ? {} : { after: lane.position }),
      maxCount: this.batchSize,
      ...(filter ? { filter } : {}),
    })) {
      events.push(event);
    }
    const last = events.at(-1)?.position ?? null;
    // A short page searched the log to its end, which is past where the window starts.
    const through = events.length < this.batchSize && beyond(this.windowFrom, last) ? this.windowFrom : last;
    return { events, through: through ?? (this.windowFrom as Position) };
  }

  private failed(lane: Lane, error: unknown): void {
    const { processor } = lane;
    lane.failures++;
    lane.lastError = describe(error);
    // The retry starts at the processor's checkpoint: past what it committed of the batch before it failed, or back
    // at its last commit when earlier batches it took were lost with the failure (a rebuild's open transaction rolled
    // back), so those come again.
    const checkpoint = processor.checkpoint();
    if (checkpoint !== 'head') lane.position = checkpoint;
    if (this.stopping || lane.removed) return;
    const delay = backoffDelay(lane.failures, this.retryPolicy);
    this.logger?.error(
      { processor: processor.name, failures: lane.failures, retryInMs: delay, error: lane.lastError },
      'processor failed; it retries alone from its checkpoint',
    );
    lane.retry = {
      timer: setTimeout(() => {
        lane.retry = null;
        void this.pump(lane);
      }, delay),
    };
  }

  private noteProgress(lane: Lane): void {
    if (!lane.caughtUp && lane.target !== undefined && !beyond(lane.target, lane.position)) {
      lane.caughtUp = true;
      try {
        lane.processor.caughtUp?.();
      } catch (error) {
        this.logger?.error(
          { processor: lane.processor.name, error: describe(error) },
          'processor caughtUp hook failed',
        );
      }
      lane.caughtUpSignal.resolve();
    }
    if (lane.processor.gatesReadiness) this.settleWaiters();
  }

  private reached(position: Position, lane: Lane | null = null): boolean {
    if (lane) return !beyond(position, lane.position);
    return this.lanes.every((l) => !awaitedByWrites(l) || !beyond(position, l.position));
  }

  /** The lowest position of the processors writes wait for. */
  private gatedPosition(): Position | null {
    let lowest: Position | null | undefined;
    for (const lane of this.lanes) {
      if (awaitedByWrites(lane) && (lowest === undefined || beyond(lowest, lane.position))) lowest = lane.position;
    }
    return lowest ?? null;
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const pending: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (this.reached(waiter.position, waiter.lane)) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else pending.push(waiter);
    }
    this.waiters = pending;
  }
}

/** Index of the first event after `position` (events are in position order). */
function firstAfter(events: readonly RecordedEvent[], position: Position | null): number {
  if (position === null) return 0;
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle] as RecordedEvent).position <= position) low = middle + 1;
    else high = middle;
  }
  return low;
}

const awaitedByWrites = (lane: Lane) =>
  (lane.processor.gatesReadiness ?? false) && lane.processor.awaitedByWrites !== false;

const matches = (filter: StreamFilter, stream: string) => filter.streamPrefixes.some((p) => stream.startsWith(p));

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
