// Live feeds over the read models (what GraphQL subscriptions stream): a page is read only when the consumer
// asks for more, so a slow consumer costs a cursor, never a growing buffer; and catch-up and live are the same
// query from the last delivered position, so nothing is skipped or repeated at the seam.

/** Calls the listener after each batch the read models commit; answers the function that unsubscribes. */
type OnApplied = (listener: () => void) => () => void;

interface FeedOptions<Row, Cursor> {
  /** The rows strictly after `cursor`, oldest first, at most one page. */
  readPage(cursor: Cursor): readonly Row[];
  cursorOf(row: Row): Cursor;
  /** Where to start; a function is asked once, on the first `next()`. */
  start: Cursor | (() => Promise<Cursor>);
  onApplied: OnApplied;
  /** Told how many rows each page read held: /metrics shows that a slow consumer makes the feed read no further. */
  onRead?: (rows: number) => void;
}

/**
 * The mechanics the live iterators share: `next()` answers what `pull` finds, or sleeps until `wake()` and looks
 * again; `return()` or `throw()` (a closed socket) ends it at once, wakes a sleeping `next()` and runs `onEnd`.
 */
export function wakeableIterator<T>(options: {
  /** The next value, or undefined when there is none yet. */
  pull(): T | undefined;
  onEnd(): void;
  /** Run on the first `next()`, before anything is pulled (again on the next `next()` if it threw). */
  start?: () => Promise<void>;
}): { iterator: AsyncIterableIterator<T>; wake(): void } {
  let started = false;
  let done = false;
  let sleeper: (() => void) | undefined;

  const finish = (): IteratorResult<T> => {
    if (!done) {
      done = true;
      options.onEnd();
      sleeper?.();
    }
    return { done: true, value: undefined };
  };

  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (!started) {
        await options.start?.();
        started = true;
      }
      while (!done) {
        const value = options.pull();
        if (value !== undefined) return { done: false, value };
        await new Promise<void>((resolve) => {
          sleeper = resolve;
        });
        sleeper = undefined;
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
  return { iterator, wake: () => sleeper?.() };
}

/** An endless async iterator over the rows after `start`; `return()` (a closed socket) ends it at once. */
export function liveFeed<Row, Cursor>(options: FeedOptions<Row, Cursor>): AsyncIterableIterator<Row> {
  let cursor: Cursor;
  let buffered: Row[] = [];
  let ended = false;
  let changed = true;
  // Registered once the start is fixed, so a feed that is never iterated holds no listener; nothing applied in
  // between is missed, since the first look reads the page after the start anyway (`changed` starts true).
  let unsubscribe: (() => void) | undefined;

  const feed = wakeableIterator<Row>({
    async start() {
      const { start } = options;
      cursor = typeof start === 'function' ? await (start as () => Promise<Cursor>)() : start;
      if (!ended) {
        unsubscribe = options.onApplied(() => {
          changed = true;
          feed.wake();
        });
      }
    },
    pull() {
      for (;;) {
        const row = buffered.shift();
        if (row !== undefined) {
          cursor = options.cursorOf(row);
          return row;
        }
        if (!changed) return undefined;
        changed = false;
        buffered = [...options.readPage(cursor)];
        options.onRead?.(buffered.length);
        // A full page may have more behind it: look again without waiting for the next batch.
        if (buffered.length > 0) changed = true;
      }
    },
    onEnd() {
      ended = true;
      unsubscribe?.();
      unsubscribe = undefined;
      buffered = [];
    },
  });
  return feed.iterator;
}
