// The rows this connection committed last. Every commit wakes each live subscription of the process (read models,
// notifier, reactors, the command handler's watch), and each would read back, and parse, what was just written: they
// read it from here instead, and share one parsed event per row.
import type { RecordedEvent } from '../port';

/** A stored row: position, id, stream, revision, type, data, metadata, recorded_at. */
export type Row = [number, string, string, number, string, string, string, number];

/** Enough for the commits of a busy moment; older positions are read from the file. */
const CAPACITY = 4096;

export class RecentCommits {
  private rows: Row[] = [];
  /** The rows of each stream in `rows`, oldest first: what a prune looks at. */
  private readonly byStream = new Map<string, Row[]>();
  /** Rows pruned since they were committed: the file no longer has them. */
  private readonly pruned = new WeakSet<Row>();
  /** Every row of the log in (coveredAfter, coveredTo] is in `rows`, except those pruned since. */
  private coveredAfter = 0;
  private coveredTo = 0;
  /**
   * The event of each row that came from a commit, once parsed (undefined until then). Rows read from the file are
   * new arrays each time, not in here: parsed each time.
   */
  private readonly parsed = new WeakMap<Row, RecordedEvent | undefined>();

  constructor(private readonly toRecorded: (row: Row) => RecordedEvent) {}

  /** Rows just committed, in position order. A gap before them (another process wrote) starts the cover anew. */
  add(committed: readonly Row[]): void {
    const first = committed[0];
    if (first === undefined) return;
    if (this.coveredTo === 0 || first[0] !== this.coveredTo + 1) {
      this.rows = [];
      this.byStream.clear();
      this.coveredAfter = first[0] - 1;
    }
    for (const row of committed) {
      this.rows.push(row);
      this.parsed.set(row, undefined);
      const ofStream = this.byStream.get(row[2]);
      if (ofStream === undefined) this.byStream.set(row[2], [row]);
      else ofStream.push(row);
    }
    this.coveredTo = (committed[committed.length - 1] as Row)[0];
    if (this.rows.length > CAPACITY) {
      const dropped = this.rows.splice(0, this.rows.length - CAPACITY);
      for (const row of dropped) {
        const ofStream = this.byStream.get(row[2]);
        if (ofStream?.[0] === row) ofStream.shift();
        if (ofStream?.length === 0) this.byStream.delete(row[2]);
      }
      this.coveredAfter = (dropped[dropped.length - 1] as Row)[0];
    }
  }

  /** Rows of `stream` up to `revision` were deleted (a stream that keeps only its latest events). */
  prune(stream: string, revision: number): void {
    const ofStream = this.byStream.get(stream);
    if (ofStream === undefined) return;
    const kept = ofStream.filter((row) => {
      if (row[3] > revision) return true;
      this.pruned.add(row);
      return false;
    });
    if (kept.length > 0) this.byStream.set(stream, kept);
    else this.byStream.delete(stream);
  }

  /** Whether the rows after `after` may be here (then `page` needs the log's head to tell). */
  covers(after: number): boolean {
    return after >= this.coveredAfter && after <= this.coveredTo && this.coveredTo > 0;
  }

  /**
   * Up to `limit` rows after `after` that `matches` keeps, when this holds every row from there to `head`;
   * otherwise undefined (read the file).
   */
  page(
    after: number,
    head: number,
    limit: number,
    matches: ((stream: string) => boolean) | undefined,
  ): Row[] | undefined {
    if (head !== this.coveredTo || !this.covers(after)) return undefined;
    const page: Row[] = [];
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.rows[middle] as Row)[0] <= after) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < this.rows.length && page.length < limit; i++) {
      const row = this.rows[i] as Row;
      if (!this.pruned.has(row) && (matches === undefined || matches(row[2]))) page.push(row);
    }
    return page;
  }

  /** The event of a row, parsed once however many subscriptions read it (rows from the file are parsed each time). */
  recorded(row: Row): RecordedEvent {
    if (!this.parsed.has(row)) return this.toRecorded(row);
    let event = this.parsed.get(row);
    if (event === undefined) {
      event = this.toRecorded(row);
      this.parsed.set(row, event);
    }
    return event;
  }
}
