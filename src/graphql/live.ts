// Live feeds for GraphQL subscriptions, pulled from the read models: a page is read only when the consumer
// asks for more, so a slow consumer costs a cursor, never a growing buffer; and catch-up and live are the same
// query from the last delivered position, so nothing is skipped or repeated at the seam.

/** Calls the listener after each batch the projections commit; answers the function that unsubscribes. */
export type OnApplied = (listener: () => void) => () => void;

export interface FeedOptions<Row, Cursor> {
  /** The rows strictly after `cursor`, oldest first, at most one page. */
  readPage(cursor: Cursor): readonly Row[];
  cursorOf(row: Row): Cursor;
  /** Where to start; a function is asked once, on the first `next()`. */
  start: Cursor | (() => Promise<Cursor>);
  onApplied: OnApplied;
  /** Told how many rows each page read held: /metrics shows that a slow consumer makes the feed read no further. */
  onRead?: (rows: number) => void;
}

/** An endless async iterator over the rows after `start`; `return()` (a closed socket) ends it at once. */
export function liveFeed<Row, Cursor>(options: FeedOptions<Row, Cursor>): AsyncIterableIterator<Row> {
  let cursor: Cursor | undefined;
  let buffered: Row[] = [];
  let done = false;
  let changed = true;
  let wake: (() => void) | undefined;
  // Registered once the start is fixed, so a feed that is never iterated holds no listener; nothing applied in
  // between is missed, since the first look reads the page after the start anyway (`changed` starts true).
  let unsubscribe: (() => void) | undefined;

  const finish = (): IteratorResult<Row> => {
    done = true;
    unsubscribe?.();
    unsubscribe = undefined;
    wake?.();
    buffered = [];
    return { done: true, value: undefined };
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (cursor === undefined) {
        const { start } = options;
        cursor = typeof start === 'function' ? await (start as () => Promise<Cursor>)() : start;
        if (!done) {
          unsubscribe = options.onApplied(() => {
            changed = true;
            wake?.();
          });
        }
      }
      while (!done) {
        const row = buffered.shift();
        if (row !== undefined) {
          cursor = options.cursorOf(row);
          return { done: false, value: row };
        }
        if (changed) {
          changed = false;
          buffered = [...options.readPage(cursor)];
          options.onRead?.(buffered.length);
          // A full page may have more behind it: look again without waiting for the next batch.
          if (buffered.length > 0) changed = true;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      return { done: true, value: undefined };
    },
    async return() {
      return finish();
    },
    async throw(error?: unknown) {
      finish();
      throw error;
    },
  };
}
