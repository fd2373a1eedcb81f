// Reports every stream written, by this process or another, so the command handler can keep serving a cached stream
// state without reading the stream again until something lands after it. Signed-in requests resolve their viewer
// from a user stream, and a licence write reads two or three streams: without the watch each of those is a read of
// the log that almost always finds nothing new. It is a processor of the process's one log consumer (it has the shape
// of one, without importing it): fed every event from the log's head on, and told when the log is out of reach.
import type { Position, RecordedEvent } from '../eventstore/port';

/** Told of each event the watch sees: its stream and revision. */
type StreamWritten = (stream: string, revision: number) => void;

export class LogWatch {
  readonly name = 'stream-watch';
  private readonly listeners = new Set<StreamWritten>();
  // Bumped whenever the watch starts or stops being live: what was checked under another epoch is not trusted,
  // since events may have gone by unseen in between.
  private epochCount = 0;
  private live = false;

  /**
   * While the watch is live, a number that stays the same until it stops being live; null otherwise. A stream state
   * read under epoch E is current for as long as the epoch is still E and no later event of its stream was reported.
   */
  get epoch(): number | null {
    return this.live ? this.epochCount : null;
  }

  /** Calls `listener` for every event seen from now on; answers the function that removes it. */
  onWritten(listener: StreamWritten): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Only what is written from now on matters: cached states are read before they are vouched for. */
  checkpoint(): 'head' {
    return 'head';
  }

  handle(events: readonly RecordedEvent[], _through: Position): void {
    for (const { streamName, revision } of events)
      for (const listener of this.listeners) listener(streamName, revision);
  }

  /** Until the consumer is live again, every cached state is read before use. */
  liveness(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.epochCount++;
  }
}
