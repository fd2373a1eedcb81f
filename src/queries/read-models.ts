// What the query service needs from the rest of the process, declared here so it depends on no implementation:
// whatever keeps the read models up to date (the projection runner today, the log consumer next) and the log's
// read calls (for the past, `seatAvailability(asOf:)`, and for what the write side decided).
import type Database from 'better-sqlite3';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port';

export interface ReadModelSource {
  /** The read-model connection; queries run on it, so they never see half a batch. */
  readonly db: Database.Database;
  /**
   * Resolves once every read model has applied the log up to at least `position`; rejects when they have not
   * within `timeoutMs` (or cannot: stopped, failed). A rejection never means the write failed.
   */
  waitForPosition(position: Position, timeoutMs?: number): Promise<void>;
  /** Calls the listener after each committed batch with its events; answers the function that unsubscribes. */
  onApplied(listener: (events: readonly RecordedEvent[]) => void): () => void;
}

/**
 * Read models no write's answer reads (the licence history): writes are answered without waiting for them, so their
 * readers wait instead, until they show every write answered so far.
 */
export interface FencedReadModelSource extends Pick<ReadModelSource, 'db' | 'onApplied'> {
  /** Resolves once they show every write answered so far; rejects when they do not within `timeoutMs`. */
  fence(timeoutMs: number): Promise<void>;
}

/** The log, read only. */
export type LogReader = Pick<EventStore, 'readStream' | 'headPosition'>;
