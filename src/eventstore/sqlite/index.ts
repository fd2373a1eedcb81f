// The embedded event log: the EventStore port on one SQLite file (WAL) with group commit. Concurrent appends share one
// transaction, yet each is checked against its own revision and fails alone. An append is acknowledged only once the
// WAL holding it is on disk: the store syncs the WAL itself, on libuv's thread pool, so a durable commit never holds
// the event loop (SQLite's synchronous=FULL would fsync inside the commit, on the loop), and commits made while one
// sync runs share the next.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { preparePrivateDatabase } from '../../private-files';
import {
  type AllSubscription,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  EventStoreUnavailable,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamFilter,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
  WrongExpectedRevision,
} from '../port';

export interface SqliteEventStoreOptions {
  /** Path of the log, normally `<data dir>/events.db`. */
  readonly file: string;
  /** Open without writing (audits, a second reader); every append fails with EventStoreUnavailable. */
  readonly readonly?: boolean;
  /** Cap on the file's size: past it appends fail with EventStoreUnavailable (a quota, and how tests fill the disk). */
  readonly maxSizeBytes?: number;
  /** Rows per statement when reading; bigger pages read faster, smaller ones hold less memory. */
  readonly pageSize?: number;
}

/** How well group commit batches: appends per committed transaction. */
export interface GroupCommitStats {
  readonly transactions: number;
  readonly appends: number;
}

const POSITION_DIGITS = 16;
const DEFAULT_PAGE_SIZE = 2000;
// Bounds one transaction so a burst cannot hold the event loop (and the write lock) for long.
const MAX_EVENTS_PER_TRANSACTION = 5000;
const BUSY_TIMEOUT_MS = 5000;
// How often waiting subscriptions look for commits made by another process (a CLI) on the same file.
const EXTERNAL_COMMIT_POLL_MS = 250;

export function encodePosition(position: number): Position {
  return String(position).padStart(POSITION_DIGITS, '0');
}

export function decodePosition(position: Position): number {
  if (typeof position !== 'string' || position.length !== POSITION_DIGITS || !/^\d+$/.test(position)) {
    throw new RangeError(`malformed position ${JSON.stringify(position)}: expected ${POSITION_DIGITS} decimal digits`);
  }
  return Number(position);
}

/** How many events of the log lie after `from` (null: its start) up to `to`: positions number the events. */
export function eventsBetween(from: Position | null, to: Position): number {
  return decodePosition(to) - (from === null ? 0 : decodePosition(from));
}

export function openSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  return new SqliteEventStore(options);
}

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
  readonly maxCount: number | undefined;
  readonly payloads: readonly (readonly [data: string, metadata: string])[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at';

/**
 * Rows this connection committed last that subscriptions are handed without reading them back (the consumer is
 * woken by the very commit that wrote them): enough for every subscription that keeps up; one that falls further
 * behind reads SQLite, as before.
 */
const RECENT_ROWS = 4096;

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  /** @internal rows per statement, shared with subscriptions */
  readonly pageSize: number;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly filteredAllStatements = new Map<number, Database.Statement>();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private commitWaiters: (() => void)[] = [];
  private externalCommitPoll: NodeJS.Timeout | undefined;
  private seenDataVersion = -1;
  private transactionCount = 0;
  private appendCount = 0;
  /** The WAL file, opened on the first sync; null where the journal is not a WAL (SQLite then syncs itself). */
  private wal: Promise<fs.promises.FileHandle> | null = null;
  private readonly walFile: string | null = null;
  /** Acknowledgements of committed transactions waiting for the next sync of the WAL. */
  private unsynced: ((failure?: unknown) => void)[] = [];
  private syncing: Promise<void> | null = null;
  /** The first position committed and not yet synced: readers of the log stop before it. */
  private firstUnsynced: number | null = null;
  /** @internal counts the wake-ups of subscriptions, so one that was busy when woken knows to read again */
  commitsNotified = 0;
  /**
   * The rows this connection committed last, in position order: every row the log holds from position
   * `recentFrom` to `recentTo` (0: none kept), as SQLite holds them (see subscriptionPage).
   */
  private recent: Row[] = [];
  private recentFrom = 0;
  private recentTo = 0;
  /** Streams pruned (maxCount) since the kept rows were last filtered: their rows up to this revision are gone. */
  private recentPruned = new Map<string, number>();

  constructor(options: SqliteEventStoreOptions) {
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    try {
      // The log holds password hashes: private from its first byte, its WAL too (see private-files.ts).
      if (!options.readonly) preparePrivateDatabase(options.file);
      this.db = new Database(options.file, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (!options.readonly) {
        const wal = this.db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
        // With a WAL, NORMAL syncs it at checkpoints and when it is reused, and this store syncs it after every commit
        // before acknowledging (see syncWal): together as durable as FULL, across power loss. Without one, FULL.
        this.db.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
        if (wal) this.walFile = `${options.file}-wal`;
        this.db.exec(SCHEMA);
      }
      if (options.maxSizeBytes !== undefined) this.setMaxSizeBytes(options.maxSizeBytes);
      this.statements = prepareStatements(this.db);
    } catch (error) {
      throw unavailable(error, 'cannot open the event log');
    }
  }

  /**
   * Moves the size cap while open (null: SQLite's own maximum): how a test fills the disk and frees it again.
   * SQLite never caps below the file's current size, so a cap under it means "no more new pages".
   */
  setMaxSizeBytes(maxSizeBytes: number | null): void {
    const pageBytes = this.db.pragma('page_size', { simple: true }) as number;
    const pages = maxSizeBytes === null ? 0xfffffffe : Math.max(1, Math.floor(maxSizeBytes / pageBytes));
    this.db.pragma(`max_page_count = ${pages}`);
  }

  /** Appends and transactions committed so far: group commit shows as fewer transactions than appends. */
  get groupCommitStats(): GroupCommitStats {
    return { transactions: this.transactionCount, appends: this.appendCount };
  }

  appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailable('the event log is closed'));
    let payloads: (readonly [string, string])[];
    try {
      validateAppend(stream, events, options);
      payloads = events.map((e) => [JSON.stringify(e.data), JSON.stringify(e.metadata)] as const);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({
        stream,
        events,
        expected: options.expectedRevision,
        maxCount: options.maxCount,
        payloads,
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    let from = options.fromRevision ?? 0;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (!Number.isInteger(from) || from < 0) throw new RangeError(`fromRevision must be a whole number ≥ 0`);
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const rows = this.query(() => this.statements.readStream.all(stream, from, limit) as Row[]);
      for (const row of rows) yield toRecorded(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      from = (rows[rows.length - 1] as Row)[3] + 1;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let after = options.after === undefined ? 0 : decodePosition(options.after);
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    const filter = options.filter;
    while (remaining > 0) {
      const limit = Math.min(this.pageSize, remaining);
      const head = this.durableHead();
      const rows = this.readAllPage(after, limit, filter);
      for (const row of rows) {
        // Committed but not yet on disk: not for readers of the whole log (they may act on what they read).
        if (row[0] > head) return;
        yield toRecorded(row);
      }
      if (rows.length < limit) return;
      remaining -= rows.length;
      after = (rows[rows.length - 1] as Row)[0];
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    return new SqliteAllSubscription(
      this,
      options.after === undefined ? 0 : decodePosition(options.after),
      options.filter,
    );
  }

  async headPosition(): Promise<Position | null> {
    const head = this.head();
    return head === 0 ? null : encodePosition(head);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already accepted are written (and acknowledged) before the file closes.
    while (this.queue.length > 0) this.flush();
    while (this.syncing) await this.syncing;
    clearInterval(this.externalCommitPoll);
    if (this.wal) await (await this.wal.catch(() => null))?.close();
    this.db.close();
    this.notifyCommit();
  }

  /** @internal the event of a row */
  recorded(row: Row): RecordedEvent {
    return toRecorded(row);
  }

  /** @internal used by subscriptions */
  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal resolves after the next commit (or close). */
  nextCommit(): Promise<void> {
    return new Promise((resolve) => {
      this.commitWaiters.push(resolve);
      this.pollForExternalCommits();
    });
  }

  /**
   * Our own commits wake subscriptions directly; another process's show only as a new `data_version`.
   * The poll runs only while someone waits, and its first look always wakes them (a commit may have
   * landed between their last read and this start).
   */
  private pollForExternalCommits(): void {
    if (this.externalCommitPoll !== undefined || this.closed) return;
    this.seenDataVersion = -1;
    this.externalCommitPoll = setInterval(() => {
      if (this.commitWaiters.length === 0 || this.closed) {
        clearInterval(this.externalCommitPoll);
        this.externalCommitPoll = undefined;
        return;
      }
      let version: number;
      try {
        version = this.statements.dataVersion.pluck().get() as number;
      } catch {
        return; // a reader that cannot read will say so itself when woken by the next commit
      }
      if (version !== this.seenDataVersion) {
        this.seenDataVersion = version;
        this.notifyCommit();
      }
    }, EXTERNAL_COMMIT_POLL_MS);
    this.externalCommitPoll.unref();
  }

  /** @internal */
  head(): number {
    return this.query(() => (this.statements.head.pluck().get() as number | null) ?? 0);
  }

  /** Keeps a committed transaction's rows for subscriptions, and drops the rows it pruned from those kept. */
  private remember({ rows, prunes }: Written): void {
    const first = rows[0];
    const last = rows.at(-1);
    if (first !== undefined && last !== undefined) {
      // Another process committed in between (or nothing was kept): the kept range starts anew with this commit.
      if (this.recentTo === 0 || first[0] !== this.recentTo + 1) {
        this.recent = [];
        this.recentPruned.clear();
        this.recentFrom = first[0];
      }
      for (const row of rows) this.recent.push(row);
      this.recentTo = last[0];
    }
    // A stream's old events deleted (maxCount): gone from the log, so skipped here too, this commit's included.
    // Noted rather than filtered out at once: credentials streams are pruned on every activation mail.
    for (const { stream, upToRevision } of prunes) {
      this.recentPruned.set(stream, Math.max(upToRevision, this.recentPruned.get(stream) ?? -1));
    }
    if (this.recent.length > 2 * RECENT_ROWS) {
      const kept = this.recent.slice(-RECENT_ROWS);
      this.recentFrom = (kept[0] as Row)[0];
      this.recent = kept.filter((row) => !this.prunedRow(row));
      this.recentPruned.clear();
    }
  }

  private prunedRow(row: Row): boolean {
    const upTo = this.recentPruned.get(row[2]);
    return upTo !== undefined && row[3] <= upTo;
  }

  /**
   * @internal a subscription's next page after `after`, knowing the log's durable `head`: from the rows this
   * connection just committed when they hold every row from `after` to `head` (nothing is read back), else from
   * SQLite. Either way the same rows, in the same order.
   */
  subscriptionPage(after: number, limit: number, filter: StreamFilter | undefined, head: number): Row[] {
    if (this.recentTo === 0 || this.recentFrom > after + 1 || this.recentTo < head) {
      return this.readAllPage(after, limit, filter);
    }
    const recent = this.recent;
    // The first kept row after `after` (positions ascend; pruning leaves holes, so search rather than index).
    let low = 0;
    let high = recent.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((recent[middle] as Row)[0] <= after) low = middle + 1;
      else high = middle;
    }
    const page: Row[] = [];
    for (let i = low; i < recent.length && page.length < limit; i++) {
      const row = recent[i] as Row;
      if (this.prunedRow(row)) continue;
      if (filter === undefined || filter.streamPrefixes.some((prefix) => row[2].startsWith(prefix))) page.push(row);
    }
    return page;
  }

  /** @internal one page of the log after `after`, filtered in SQL so skipped rows are never parsed. */
  readAllPage(after: number, limit: number, filter: StreamFilter | undefined): Row[] {
    if (filter === undefined) return this.query(() => this.statements.readAll.all(after, limit) as Row[]);
    const prefixes = filter.streamPrefixes;
    if (prefixes.length === 0) return [];
    const statement = this.filteredAllStatement(prefixes.length);
    const args: (string | number)[] = [after];
    for (const prefix of prefixes) args.push(prefix.length, prefix);
    args.push(limit);
    return this.query(() => statement.all(...args) as Row[]);
  }

  private filteredAllStatement(prefixCount: number): Database.Statement {
    let statement = this.filteredAllStatements.get(prefixCount);
    if (statement === undefined) {
      const match = Array.from({ length: prefixCount }, () => 'substr(stream, 1, ?) = ?').join(' OR ');
      statement = this.db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? AND (${match}) ORDER BY position LIMIT ?`)
        .raw();
      this.filteredAllStatements.set(prefixCount, statement);
    }
    return statement;
  }

  private query<T>(run: () => T): T {
    if (this.closed && !this.db.open) throw new EventStoreUnavailable('the event log is closed');
    try {
      return run();
    } catch (error) {
      throw unavailable(error, 'cannot read the event log');
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate lets every append issued in this turn of the event loop join the same transaction.
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closed && !this.db.open) return;
      this.flush();
      if (this.queue.length > 0) this.scheduleFlush();
    });
  }

  /** Writes the queued appends in one transaction: one fsync for all of them. */
  private flush(): void {
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; result: AppendResult } | { ok: false; error: unknown })[] = [];
    const { begin, commit, rollback } = this.statements;
    try {
      begin.run();
    } catch (error) {
      const failure = unavailable(error, 'cannot write to the event log');
      for (const append of batch) append.reject(failure);
      return;
    }
    const recordedAt = Date.now();
    const committed: Written = { rows: [], prunes: [] };
    const wrote: Written = { rows: [], prunes: [] };
    try {
      for (const append of batch) {
        // A single INSERT undoes itself when it fails, so only appends of several events need a savepoint.
        const savepoint = append.events.length > 1;
        if (savepoint) this.statements.savepoint.run();
        wrote.rows = [];
        wrote.prunes = [];
        try {
          outcomes.push({ ok: true, result: this.write(append, recordedAt, wrote) });
          if (savepoint) this.statements.release.run();
          for (const row of wrote.rows) committed.rows.push(row);
          for (const prune of wrote.prunes) committed.prunes.push(prune);
        } catch (error) {
          // After a disk failure SQLite may already have rolled the transaction back: no savepoint left to undo.
          if (isStorageFailure(error) || !this.db.inTransaction) throw error;
          if (savepoint) {
            this.statements.rollbackToSavepoint.run();
            this.statements.release.run();
          }
          outcomes.push({ ok: false, error });
        }
      }
      commit.run();
      this.remember(committed);
    } catch (error) {
      // Nothing of this batch is kept: the whole transaction goes, and every append in it fails alike.
      try {
        if (this.db.inTransaction) rollback.run();
      } catch {
        // The rollback failing too leaves SQLite to roll back from the journal on the next open.
      }
      const failure = unavailable(error, 'cannot write to the event log');
      for (const append of batch) append.reject(failure);
      return;
    }
    this.transactionCount += 1;
    this.appendCount += batch.length;
    const acknowledge = (failure?: unknown) => {
      batch.forEach((append, i) => {
        const outcome = outcomes[i];
        if (!outcome?.ok) append.reject(outcome?.error);
        // Written but perhaps not on disk: a retry with the same event ids answers the first result.
        else if (failure) append.reject(unavailable(failure, 'cannot make the event log durable'));
        else append.resolve(outcome.result);
      });
    };
    if (this.walFile === null) {
      acknowledge();
      this.notifyCommit();
      return;
    }
    // Positions are consecutive: the batch's first is the first event of its first append that was written.
    const writtenIndex = outcomes.findIndex((o) => o.ok);
    const written = outcomes[writtenIndex];
    if (written?.ok && this.firstUnsynced === null) {
      const events = (batch[writtenIndex] as PendingAppend).events.length;
      this.firstUnsynced = decodePosition(written.result.position) - Math.max(0, events - 1);
    }
    this.unsynced.push(acknowledge);
    this.syncing ??= this.syncWal();
  }

  /** Syncs the WAL until no acknowledgement waits: each sync covers every commit made before it started. */
  private async syncWal(): Promise<void> {
    try {
      while (this.unsynced.length > 0) {
        const waiting = this.unsynced;
        this.unsynced = [];
        const coveredUpTo = this.head();
        let failure: unknown;
        try {
          this.wal ??= fs.promises.open(this.walFile as string, 'r+');
          await (await this.wal).datasync();
        } catch (error) {
          failure = error;
          // Opened afresh next time (the file may have been replaced); this handle is closed, not left to the GC.
          const failed = this.wal;
          this.wal = null;
          void failed?.then((handle) => handle.close()).catch(() => undefined);
        }
        if (this.firstUnsynced !== null && this.firstUnsynced <= coveredUpTo) {
          this.firstUnsynced = this.unsynced.length > 0 ? coveredUpTo + 1 : null;
        }
        for (const acknowledge of waiting) acknowledge(failure);
        this.notifyCommit();
      }
    } finally {
      this.syncing = null;
    }
  }

  /** @internal the last position readers may see: committed, and on disk where this connection wrote it. */
  durableHead(): number {
    const head = this.head();
    return this.firstUnsynced === null ? head : Math.min(head, this.firstUnsynced - 1);
  }

  private takeBatch(): PendingAppend[] {
    let events = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || events < MAX_EVENTS_PER_TRANSACTION)) {
      events += (this.queue[count] as PendingAppend).events.length;
      count += 1;
    }
    const batch = this.queue.slice(0, count);
    this.queue = this.queue.slice(count);
    return batch;
  }

  private notifyCommit(): void {
    this.commitsNotified++;
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const wake of waiters) wake();
  }

  /** One append (inside its savepoint when it has several events): check the expected revision, write, prune. */
  private write(append: PendingAppend, recordedAt: number, wrote: Written): AppendResult {
    const s = this.statements;
    const { stream, events, expected } = append;
    const current = s.streamHead.get(stream) as { revision: number; position: number } | undefined;
    const currentRevision = current?.revision ?? -1;
    const first = events[0];

    if (!matches(expected, currentRevision)) {
      const existing = first && (s.eventById.get(first.id) as { stream: string; revision: number } | undefined);
      if (existing) return this.retried(append, existing);
      throw new WrongExpectedRevision(stream, expected, currentRevision < 0 ? 'no_stream' : currentRevision);
    }
    if (first === undefined) return { nextRevision: currentRevision, position: encodePosition(current?.position ?? 0) };

    let revision = currentRevision;
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as EventToAppend;
      const payload = append.payloads[i] as readonly [string, string];
      revision += 1;
      try {
        position = Number(
          s.insert.run(event.id, stream, revision, event.type, payload[0], payload[1], recordedAt).lastInsertRowid,
        );
        wrote.rows.push([position, event.id, stream, revision, event.type, payload[0], payload[1], recordedAt]);
      } catch (error) {
        if (!isConstraint(error)) throw error;
        // The unique keys have the last word. The first id already taken (nothing written yet): maybe a retry.
        const existing = i === 0 && (s.eventById.get(first.id) as { stream: string; revision: number } | undefined);
        if (existing) return this.retried(append, existing);
        throw this.conflict(stream, expected);
      }
    }
    if (append.maxCount !== undefined && s.prune.run(stream, revision - append.maxCount).changes > 0) {
      wrote.prunes.push({ stream, upToRevision: revision - append.maxCount });
    }
    return { nextRevision: revision, position: encodePosition(position) };
  }

  private conflict(stream: string, expected: ExpectedRevision): WrongExpectedRevision {
    const actual = this.statements.streamHead.get(stream) as { revision: number } | undefined;
    return new WrongExpectedRevision(stream, expected, actual === undefined ? 'no_stream' : actual.revision);
  }

  /** A retried append: every id already written, in order, to this stream → the first result, nothing new. */
  private retried(append: PendingAppend, first: { stream: string; revision: number }): AppendResult {
    const { stream, events, expected } = append;
    const conflict = () => this.conflict(stream, expected);
    if (first.stream !== stream) throw conflict();
    const expectedMatchesFirstWrite =
      typeof expected === 'number'
        ? expected === first.revision - 1
        : expected === 'no_stream'
          ? first.revision === 0
          : true;
    if (!expectedMatchesFirstWrite) throw conflict();
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const row = this.statements.eventAt.get(stream, first.revision + i) as
        | { id: string; position: number }
        | undefined;
      if (row === undefined || row.id !== (events[i] as EventToAppend).id) throw conflict();
      position = row.position;
    }
    return { nextRevision: first.revision + events.length - 1, position: encodePosition(position) };
  }
}

/** Pull-based: reads a page from SQLite only when the consumer asks, so a slow consumer costs no memory. */
class SqliteAllSubscription implements AllSubscription {
  private stopped = false;
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly store: SqliteEventStore,
    private readonly after: number,
    private readonly filter: StreamFilter | undefined,
  ) {}

  async unsubscribe(): Promise<void> {
    this.stopped = true;
    this.stopWaiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    const store = this.store;
    let last = this.after;
    let caughtUp = false;
    const pageSize = store.pageSize;
    try {
      while (!this.stopped && !store.isClosed) {
        // Read the head first: when the page comes back short, everything up to it has been searched. Rows past it
        // are committed but not yet on disk: they come with the next wake-up.
        const seen = store.commitsNotified;
        const head = store.durableHead();
        const page = store.subscriptionPage(last, pageSize, this.filter, head);
        const rows = page.length > 0 && (page.at(-1) as Row)[0] > head ? page.filter((row) => row[0] <= head) : page;
        for (const row of rows) {
          if (this.stopped) return;
          last = row[0];
          yield { kind: 'event', event: store.recorded(row) };
        }
        if (rows.length === pageSize) continue;
        if (this.stopped) return;
        if (head > last) {
          last = head;
          if (caughtUp) yield { kind: 'checkpoint', position: encodePosition(head) };
        }
        if (!caughtUp) {
          caughtUp = true;
          yield { kind: 'caughtUp', position: last === 0 ? null : encodePosition(last) };
          continue;
        }
        // A commit made known while the events above were handled: read again rather than sleep past it.
        if (store.commitsNotified !== seen) continue;
        // Nothing new: sleep until the store commits.
        await new Promise<void>((resolve) => {
          this.stopWaiting = resolve;
          store.nextCommit().then(resolve);
        });
        this.stopWaiting = undefined;
      }
    } finally {
      this.stopped = true;
    }
  }
}

// No AUTOINCREMENT (it costs a page write per commit): a new position is max(position) + 1, and the row holding
// the maximum is never deleted (pruning keeps each stream's newest event), so a position is never handed out twice.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  stream TEXT NOT NULL,
  revision INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream, revision)
);
`;

function prepareStatements(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT append'),
    release: db.prepare('RELEASE append'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO append'),
    // The newest event is never pruned (maxCount ≥ 1), so it always tells the stream's revision.
    streamHead: db.prepare('SELECT revision, position FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
    eventById: db.prepare('SELECT stream, revision FROM events WHERE id = ?'),
    eventAt: db.prepare('SELECT id, position FROM events WHERE stream = ? AND revision = ?'),
    insert: db.prepare(
      'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    prune: db.prepare('DELETE FROM events WHERE stream = ? AND revision <= ?'),
    head: db.prepare('SELECT max(position) FROM events'),
    dataVersion: db.prepare('PRAGMA data_version'),
    readStream: db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
      .raw(),
    readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
  };
}

/** A stored row: position, id, stream, revision, type, data, metadata, recorded_at. */
type Row = [number, string, string, number, string, string, string, number];

/** What one append (or a whole transaction) wrote: its rows, and the streams it pruned up to which revision. */
interface Written {
  rows: Row[];
  prunes: { readonly stream: string; readonly upToRevision: number }[];
}

function toRecorded(row: Row): RecordedEvent {
  return {
    id: row[1],
    type: row[4],
    streamName: row[2],
    revision: row[3],
    position: encodePosition(row[0]),
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]),
    recordedAt: new Date(row[7]),
  };
}

function matches(expected: ExpectedRevision, current: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === -1;
    case 'stream_exists':
      return current >= 0;
    default:
      return expected === current;
  }
}

function validateAppend(stream: string, events: readonly EventToAppend[], options: AppendOptions): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new TypeError('stream name must be a non-empty string');
  const expected = options.expectedRevision;
  if (
    typeof expected === 'number'
      ? !Number.isInteger(expected) || expected < 0
      : expected !== 'any' && expected !== 'no_stream' && expected !== 'stream_exists'
  ) {
    throw new RangeError(`invalid expected revision ${String(expected)}`);
  }
  if (options.maxCount !== undefined && (!Number.isInteger(options.maxCount) || options.maxCount < 1)) {
    throw new RangeError('maxCount must be a whole number ≥ 1');
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || event.id.length === 0)
      throw new TypeError('event id must be a non-empty string');
    if (ids.has(event.id)) throw new RangeError(`event id ${event.id} appears twice in one append`);
    ids.add(event.id);
  }
}

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function isConstraint(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_CONSTRAINT') ?? false;
}

const STORAGE_FAILURES: Record<string, string> = {
  SQLITE_FULL: 'the disk (or the log size limit) is full',
  SQLITE_READONLY: 'the log is read-only',
  SQLITE_IOERR: 'a disk I/O error occurred',
  SQLITE_CANTOPEN: 'the log file cannot be opened',
  SQLITE_BUSY: 'the log is locked by another process',
  SQLITE_LOCKED: 'the log is locked',
  SQLITE_CORRUPT: 'the log file is corrupt',
  SQLITE_NOTADB: 'the file is not an event log',
  SQLITE_PERM: 'permission denied',
  SQLITE_NOMEM: 'out of memory',
};

function storageFailureReason(error: unknown): string | undefined {
  const code = sqliteCode(error);
  if (code === undefined) return undefined;
  const base = code.split('_').slice(0, 2).join('_');
  return STORAGE_FAILURES[base];
}

function isStorageFailure(error: unknown): boolean {
  return storageFailureReason(error) !== undefined;
}

/** SQLite's own message may quote SQL: keep it as the cause, and say in plain words what went wrong. */
function unavailable(error: unknown, what: string): Error {
  if (error instanceof EventStoreUnavailable) return error;
  const reason = storageFailureReason(error);
  if (reason !== undefined) return new EventStoreUnavailable(`${what}: ${reason}`, { cause: error });
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new EventStoreUnavailable('the event log is closed', { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
