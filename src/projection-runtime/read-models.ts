// The read-model file: each projection's tables and checkpoint, rebuilt on a version change, written a batch at a time
// (during a rebuild from scratch, several batches to a commit).
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { LICENSE_STREAM_PREFIXES } from '../domain/streams';
import type { Position, RecordedEvent } from '../eventstore/port';
import { preparePrivateDatabase } from '../private-files';
import { type ProjectionDefinition, type ProjectionHandler, schemaObject } from './define';
import { type BatchWriter, projectionDb } from './sql';

interface ReadModelsOptions {
  /** Normally `<data dir>/readmodels.db`. */
  readonly file: string;
  readonly projections: readonly ProjectionDefinition[];
}

export interface ProjectionCheckpoint {
  readonly name: string;
  readonly version: number;
  /** Every event up to here (inclusive) is applied; null: nothing yet. */
  readonly position: Position | null;
}

const CHECKPOINTS_DDL = `CREATE TABLE IF NOT EXISTS projections (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  position TEXT,
  objects TEXT NOT NULL,
  derived_pending INTEGER NOT NULL
) WITHOUT ROWID`;

interface CheckpointRow {
  name: string;
  version: number;
  position: string | null;
  objects: string;
  derived_pending: number;
}

const isLicenseStream = (stream: string) => LICENSE_STREAM_PREFIXES.some((prefix) => stream.startsWith(prefix));

/** Page cache of the read models (KiB, as SQLite's negative sizes): queries keep their hot pages; a rebuild needs less. */
const CACHE_SIZE = -32768;
const REBUILD_CACHE_SIZE = -16384;
/**
 * Pages of 8 KiB (SQLite's default is 4): each batch of a rebuild rewrites the leaves its random keys touch (user
 * licences, holders), and half as many pages means fewer writes: bench:replay's rebuild used less CPU side by side
 * with 4 KiB pages on the 1M log (30 s instead of 39 s in one pair), same peak RSS. The cache stays the same in bytes.
 */
const PAGE_SIZE = 8192;

/**
 * During a rebuild from scratch, batches share one transaction until it holds this many events: the pages every batch
 * rewrites (licences, holders, seat counts) go to the file once per commit, not once per batch of 1,000. Each batch
 * is still a savepoint (a failing one undoes only itself), and checkpoints still reach the file at each commit.
 */
const REBUILD_COMMIT_EVENTS = 10_000;

/** Indexes and triggers are derived: a rebuild creates them once at the end rather than paying for them per row. */
const isDeferred = (ddl: string) => {
  const kind = schemaObject(ddl)?.kind;
  return kind === 'index' || kind === 'trigger';
};

/** Opens (or creates) the read models; a projection whose version changed is dropped here, before any event. */
export class ReadModels {
  readonly db: Database.Database;
  readonly projections: readonly ProjectionDefinition[];
  private readonly writer: BatchWriter;
  private readonly positions: (Position | null)[];
  private readonly derivedPending: boolean[];
  private readonly handlersByType = new Map<string, [index: number, handler: ProjectionHandler][]>();
  private readonly applyBatch: (events: readonly RecordedEvent[], through: Position) => number;
  /** Events applied in the rebuild's open transaction, not yet committed. */
  private uncommitted = 0;

  constructor(options: ReadModelsOptions) {
    this.projections = options.projections;
    assertDistinct(options.projections);
    this.db = openFile(options.file);
    try {
      this.db.exec(CHECKPOINTS_DDL);
      this.positions = [];
      this.derivedPending = [];
      const rowOf = this.db.prepare<[string], CheckpointRow>('SELECT * FROM projections WHERE name = ?');
      const stored = this.db.prepare<[], CheckpointRow>('SELECT * FROM projections');
      this.db.transaction(() => {
        // A file holds exactly the projections listed for it: one moved to a file of its own (license-history to
        // history.db) leaves nothing behind in the file it came from.
        const listed = new Set(this.projections.map((projection) => projection.name));
        for (const row of stored.all()) {
          if (listed.has(row.name)) continue;
          this.dropObjects(JSON.parse(row.objects));
          this.db.prepare('DELETE FROM projections WHERE name = ?').run(row.name);
        }
        for (const projection of this.projections) {
          let row = rowOf.get(projection.name);
          if (row === undefined || row.version !== projection.version) {
            this.reset(projection, row);
            row = rowOf.get(projection.name) as CheckpointRow;
          }
          this.positions.push(row.position);
          this.derivedPending.push(row.derived_pending === 1);
        }
      })();
      // See openFile: the journal returns with the WAL once the rebuild is finished.
      if (this.rebuilding) {
        this.db.pragma('journal_mode = MEMORY');
        this.db.pragma('synchronous = OFF');
        // Rows arrive in log order and are written once: a smaller page cache costs a rebuild nothing and keeps its
        // peak memory (with a batch of parsed events in flight) under 300 MB for a million events.
        this.db.pragma(`cache_size = ${REBUILD_CACHE_SIZE}`);
      }
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.writer = projectionDb(this.db);
    const saveCheckpoints = this.db.prepare(
      'UPDATE projections SET position = ? WHERE position IS NULL OR position < ?',
    );
    this.applyBatch = this.db.transaction((events: readonly RecordedEvent[], through: Position) => {
      const positions = this.positions;
      let applied = 0;
      for (const event of events) {
        // The subscription filters already; this keeps secrets out even when a caller hands in raw log events.
        if (!isLicenseStream(event.streamName)) continue;
        const entries = this.handlersByType.get(event.type) ?? this.handlersFor(event.type);
        if (entries.length === 0) continue;
        let touched = false;
        for (const [index, handler] of entries) {
          const checkpoint = positions[index];
          // Never twice: an event at or below a projection's checkpoint is already in its rows.
          if (checkpoint !== null && event.position <= (checkpoint as string)) continue;
          handler(this.writer, event);
          touched = true;
        }
        if (touched) applied++;
      }
      this.writer.flushTallies();
      // Every checkpoint behind `through` in one statement: the file holds only the projections listed for it.
      saveCheckpoints.run(through, through);
      return applied;
    });
  }

  /** The handlers of every projection for one event type (a projection's `'*'` handler takes any type it does not name). */
  private handlersFor(type: string): [index: number, handler: ProjectionHandler][] {
    const entries: [number, ProjectionHandler][] = [];
    this.projections.forEach((projection, index) => {
      const handler = projection.handlers[type] ?? projection.handlers['*'];
      if (handler !== undefined) entries.push([index, handler]);
    });
    this.handlersByType.set(type, entries);
    return entries;
  }

  /** The lowest checkpoint: where reading the log must resume so that every projection sees what it lacks. */
  lowestPosition(): Position | null {
    let lowest: Position | undefined;
    for (const position of this.positions) {
      if (position === null) return null;
      if (lowest === undefined || position < lowest) lowest = position;
    }
    return lowest ?? null;
  }

  checkpoints(): ProjectionCheckpoint[] {
    return this.projections.map((projection, index) => ({
      name: projection.name,
      version: projection.version,
      position: this.positions[index] ?? null,
    }));
  }

  /**
   * Applies the events (in log order) and moves every checkpoint to `through` (default: the last event's position)
   * in one transaction: rows and checkpoint commit together or not at all. Returns how many events were applied.
   */
  apply(events: readonly RecordedEvent[], through?: Position | null): number {
    const last = through ?? events[events.length - 1]?.position;
    if (last === undefined || last === null) return 0;
    if (this.rebuilding && !this.db.inTransaction) this.db.exec('BEGIN');
    let applied: number;
    try {
      // Inside the rebuild's open transaction this is a savepoint; otherwise a transaction of its own.
      applied = this.applyBatch(events, last);
    } catch (error) {
      // The batch rolled back: so do the sums its handlers tallied.
      this.writer.discardTallies();
      if (this.uncommitted > 0 && !this.db.inTransaction) this.rewind();
      throw error;
    }
    for (let index = 0; index < this.positions.length; index++) {
      const checkpoint = this.positions[index];
      if (checkpoint === null || checkpoint === undefined || last > checkpoint) this.positions[index] = last;
    }
    if (this.db.inTransaction) {
      this.uncommitted += events.length;
      if (this.uncommitted >= REBUILD_COMMIT_EVENTS) this.commit();
    }
    return applied;
  }

  /** Commits the rebuild's open transaction, if any: rows and checkpoints of every batch in it. */
  private commit(): void {
    if (!this.db.inTransaction) return;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      // A busy reader leaves the transaction open for the next try; a full disk or an I/O error rolls it back.
      if (!this.db.inTransaction) this.rewind();
      throw error;
    }
    this.uncommitted = 0;
  }

  /**
   * SQLite rolled back batches this process had applied (a full disk, an I/O error): the checkpoints go back to what
   * the file holds, and the caller hands the events after them over again (the log consumer asks checkpoint() after a
   * failure and resumes there, even behind what it had handed over).
   */
  private rewind(): void {
    const committed = this.db.prepare<[string], { position: string | null }>(
      'SELECT position FROM projections WHERE name = ?',
    );
    this.projections.forEach((projection, index) => {
      this.positions[index] = committed.get(projection.name)?.position ?? null;
    });
    this.uncommitted = 0;
  }

  /** True while some projection is being rebuilt from scratch and waits for its indexes and triggers. */
  get rebuilding(): boolean {
    return this.derivedPending.some(Boolean);
  }

  /**
   * Ends a rebuild from scratch (call it once caught up): creates the indexes and triggers it deferred and runs
   * each projection's `afterRebuild`, in one transaction, in bulk.
   */
  finishRebuild(): void {
    if (!this.rebuilding) return;
    this.commit();
    this.db.transaction(() => {
      this.projections.forEach((projection, index) => {
        if (!this.derivedPending[index]) return;
        for (const ddl of projection.tables) if (isDeferred(ddl)) this.db.exec(ddl);
        for (const sql of projection.afterRebuild ?? []) this.db.exec(sql);
        this.db.prepare('UPDATE projections SET derived_pending = 0 WHERE name = ?').run(projection.name);
      });
    })();
    this.derivedPending.fill(false);
    this.db.pragma('optimize');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`cache_size = ${CACHE_SIZE}`);
  }

  close(): void {
    if (!this.db.open) return;
    // Mid-rebuild, the WAL back says "closed cleanly" to the next open (see openFile), with every batch committed.
    if (this.rebuilding) {
      try {
        this.commit();
      } catch {
        // Not committed: the file keeps its last commit, whose checkpoints match its rows; the next start resumes there.
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      }
      this.db.pragma('journal_mode = WAL');
    }
    this.db.close();
  }

  /** Drops what the stored version created and what this version creates, then creates this version's tables. */
  private reset(projection: ProjectionDefinition, previous: CheckpointRow | undefined): void {
    const previousObjects: string[] = previous ? JSON.parse(previous.objects) : [];
    const current = projection.tables.map((ddl) => schemaObject(ddl)).filter((o) => o !== undefined);
    const ownTables = new Set(current.filter((o) => o.kind === 'table').map((o) => o.name));
    this.dropObjects([...previousObjects, ...ownTables]);
    const pending = projection.tables.some(isDeferred) || (projection.afterRebuild ?? []).length > 0;
    for (const ddl of projection.tables) if (!isDeferred(ddl)) this.db.exec(ddl);
    this.db
      .prepare(
        `INSERT INTO projections (name, version, position, objects, derived_pending) VALUES (?, ?, NULL, ?, ?)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = NULL, objects = excluded.objects,
           derived_pending = excluded.derived_pending`,
      )
      .run(projection.name, projection.version, JSON.stringify(current.map((o) => o.name)), pending ? 1 : 0);
  }

  /** Drops each named table, view, index or trigger the file holds. */
  private dropObjects(names: readonly string[]): void {
    for (const name of names) {
      const kind = this.db.prepare('SELECT type FROM sqlite_schema WHERE name = ?').pluck().get(name) as
        | string
        | undefined;
      if (kind === 'table') this.db.exec(`DROP TABLE IF EXISTS "${name}"`);
      else if (kind === 'view') this.db.exec(`DROP VIEW IF EXISTS "${name}"`);
      else if (kind === 'index') this.db.exec(`DROP INDEX IF EXISTS "${name}"`);
      else if (kind === 'trigger') this.db.exec(`DROP TRIGGER IF EXISTS "${name}"`);
    }
  }
}

/**
 * Opens the file. While a rebuild from scratch runs, the file has no journal on disk and commits skip fsync
 * (journal_mode=MEMORY, synchronous=OFF: pages are written once, not to a WAL and again to the file; about a fifth
 * faster in bench:replay), so a crash or power cut in the middle of a commit may leave half a batch behind, which
 * no check can tell from a whole one. A clean close puts the WAL back (close()); a file found mid-rebuild without
 * it was left by a crash and is deleted, to be rebuilt from the log: a crash costs the rebuild's progress, never a
 * wrong row.
 */
function openFile(file: string): Database.Database {
  // No busy wait: a batch that finds the file locked fails at once and its lane retries with backoff, instead of
  // holding the event loop for better-sqlite3's default 5 s.
  const open = () => {
    preparePrivateDatabase(file);
    return new Database(file, { timeout: 0 });
  };
  let db = open();
  try {
    const interrupted =
      db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'projections'").get() !== undefined &&
      db.prepare('SELECT 1 FROM projections WHERE derived_pending = 1 AND position IS NOT NULL').get() !== undefined;
    const crashed = interrupted && db.pragma('journal_mode', { simple: true }) !== 'wal';
    if (crashed || (interrupted && db.pragma('quick_check(1)', { simple: true }) !== 'ok')) {
      db.close();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
      db = open();
    }
  } catch (error) {
    if (
      (error as { code?: string }).code !== 'SQLITE_CORRUPT' &&
      (error as { code?: string }).code !== 'SQLITE_NOTADB'
    ) {
      db.close();
      throw error;
    }
    db.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    db = open();
  }
  // Only a new, empty file takes it (and only before the WAL is on); an existing file keeps its page size.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  // NORMAL: read models are rebuildable, so a power cut may lose the last batches, never corrupt them.
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = ${CACHE_SIZE}`);
  return db;
}

export function openReadModels(options: ReadModelsOptions): ReadModels {
  return new ReadModels(options);
}

function assertDistinct(projections: readonly ProjectionDefinition[]): void {
  const owners = new Map<string, string>();
  for (const projection of projections) {
    if ([...owners.values()].includes(projection.name)) throw new Error(`projection ${projection.name} listed twice`);
    for (const ddl of projection.tables) {
      const name = schemaObject(ddl)?.name.toLowerCase() ?? '';
      const owner = owners.get(name);
      if (owner !== undefined) throw new Error(`${name} is created by both ${owner} and ${projection.name}`);
      owners.set(name, projection.name);
    }
  }
}
