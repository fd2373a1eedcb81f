// A check of a copy of the embedded log (a backup's, a restore's), read-only: what `seatledger backup` and `restore`
// print and compare against the backup's manifest. The log's own SQL stays in this adapter.
import Database from 'better-sqlite3';
import type { Position } from '../port';
import { COPY_MMAP_BYTES } from './copy-map';
import { encodePosition } from './index';

/**
 * How thoroughly a copy is checked. `quick`: SQLite's `quick_check`, every page read once: the b-trees' structure,
 * every record's format and NOT NULL columns, and each index holding as many entries as its table has rows (so the
 * unique indexes on ids and on (stream, revision) are whole). `full`: SQLite's `integrity_check`, which also looks up
 * every index entry's row (so that each id really is unique): on a 1,000,000-event log about ten times as long
 * (0.7 s against 7 s), for a copy that SQLite itself wrote and that the quick check found whole.
 */
export type LogCheckDepth = 'quick' | 'full';

export interface LogCheck {
  /** 'ok', or the first problems the check found. */
  readonly integrity: string;
  readonly events: number;
  readonly lastPosition: Position | null;
}

/** Checks a copy of the log, read-only, to the given depth; then how many events and the last position. */
export function checkLog(file: string, depth: LogCheckDepth = 'quick'): LogCheck {
  const db = openCopy(file);
  try {
    const problems = db.pragma(`${pragmaOf(depth)}(10)`, { simple: false }) as Record<string, string>[];
    const integrity = problems.map((row) => Object.values(row)[0]).join('; ');
    return { integrity, ...summaryOf(db) };
  } finally {
    db.close();
  }
}

/** How many events a copy of the log holds and its last position, read-only (the count reads one index whole). */
export function summarizeLog(file: string): Omit<LogCheck, 'integrity'> {
  const db = openCopy(file);
  try {
    return summaryOf(db);
  } finally {
    db.close();
  }
}

/** Read-only, memory-mapped: the checks read every page (or a whole index) once, and a map saves a copy of each. */
function openCopy(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma(`mmap_size = ${COPY_MMAP_BYTES}`);
  return db;
}

/**
 * Two statements on purpose: a bare count(*) counts an index's entries page by page without reading them, and max()
 * of the rowid is one seek; asked together, SQLite reads every entry of an index instead (about twice the time).
 */
function summaryOf(db: Database.Database): Omit<LogCheck, 'integrity'> {
  const events = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  const last = db.prepare('SELECT max(position) FROM events').pluck().get() as number | null;
  return { events, lastPosition: last === null ? null : encodePosition(last) };
}

function pragmaOf(depth: LogCheckDepth): string {
  switch (depth) {
    case 'quick':
      return 'quick_check';
    case 'full':
      return 'integrity_check';
    default: {
      const unknown: never = depth;
      throw new Error(`unknown check depth ${String(unknown)}`);
    }
  }
}
