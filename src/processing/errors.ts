// What a read-your-writes wait can end with besides success.
import type { Position } from '../eventstore/port';

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

/** The consumer stopped (the process is shutting down) before the read models reached a position. */
export class ConsumerStopped extends Error {
  constructor() {
    super('the log consumer stopped');
    this.name = 'ConsumerStopped';
  }
}
