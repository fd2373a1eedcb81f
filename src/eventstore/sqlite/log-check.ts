// A check of a copy of the embedded log (a backup's, a restore's), read-only: what `seatledger backup` and `restore`
// print and compare against the backup's manifest. The log's own SQL stays in this adapter.
import Database from 'better-sqlite3';
import type { Position } from '../port';
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
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const problems = db.pragma(`${pragmaOf(depth)}(10)`, { simple: false }) as Record<string, string>[];
    const integrity = problems.map((row) => Object.values(row)[0]).join('; ');
    const { events, last } = db.prepare('SELECT count(*) AS events, max(position) AS last FROM events').get() as {
      events: number;
      last: number | null;
    };
    return { integrity, events, lastPosition: last === null ? null : encodePosition(last) };
  } finally {
    db.close();
  }
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
