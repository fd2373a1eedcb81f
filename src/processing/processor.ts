// What the log consumer feeds: a processor handles the log's events in order from its own checkpoint. Read models,
// reactors (mail, deactivation) and the command handler's watch are all processors of the one consumer.
import type { Position, RecordedEvent, StreamFilter } from '../eventstore/port';

export interface Processor {
  /** Names it in logs, `/readyz` and `/metrics`. */
  readonly name: string;
  /** Only events of these streams are handed over; the others just move its checkpoint. Default: every stream. */
  readonly filter?: StreamFilter;
  /** `/readyz` and read-your-writes wait for it (the read models); any other processor is only reported. */
  readonly gatesReadiness?: boolean;
  /**
   * With gatesReadiness: false when no write's answer reads it (the licence history). A write is then answered
   * without waiting for it, and its readers wait instead (LogConsumer.fence) until it shows every write answered so
   * far: a read that follows a write's answer still sees the write. Default true.
   */
  readonly awaitedByWrites?: boolean;
  /**
   * Once it has handled all there is, its next batch waits this long: what arrives meanwhile comes as one batch, so
   * what it records about a busy stretch commits once, not once per few events. A backlog is handed over at once.
   * Not for a processor writes wait for; one only readers fence on (LogConsumer.fence) skips the wait for them.
   */
  readonly coalesceMs?: number;
  /**
   * Everything up to here is handled: asked when the processor joins and again after a failed batch (what a batch
   * committed before it failed is not handed over again). null: from the start of the log; 'head': only what is
   * written from now on.
   */
  checkpoint(): Position | null | 'head';
  /**
   * Handles a batch (in log order, already filtered) and then counts everything up to `through` as handled. A throw
   * hands the same events over again after a backoff. Whatever it does here is done before any read-your-writes
   * waiter on `through` is released.
   */
  handle(events: readonly RecordedEvent[], through: Position): void | Promise<void>;
  /**
   * Asked once at start with the log's head: a processor far behind may catch up on its own meanwhile (a read-model
   * file rebuilt in a worker thread) and answer the promise of it, or answer undefined. Until the promise settles it
   * is handed nothing and holds no events back; then it goes on from its checkpoint. A rejection is logged and it
   * goes on the same way. The signal aborts when the consumer stops, which waits for the promise.
   */
  catchUpAlone?(head: Position | null, signal: AbortSignal): Promise<void> | undefined;
  /** Called once, when it has first handled everything the log held when it joined. */
  caughtUp?(): void;
  /** Whether every event written so far reaches it without a gap (false while the log is out of reach). */
  liveness?(live: boolean): void;
}

export type ProcessorState = 'catching-up' | 'live' | 'retrying' | 'stopped';

export interface ProcessorStatus {
  readonly name: string;
  readonly gatesReadiness: boolean;
  readonly state: ProcessorState;
  /** Every event up to here is handled; null: nothing yet. */
  readonly position: Position | null;
  /** Failed tries of the current batch (0 when the last one succeeded). */
  readonly failures: number;
  /** Why the last try failed, while it is retrying; null otherwise. */
  readonly lastError: string | null;
}
