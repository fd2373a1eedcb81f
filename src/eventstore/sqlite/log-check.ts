// A check of a copy of the embedded log (a backup's, a restore's), read-only: what `seatledger backup` and `restore`
// print and compare against the backup's manifest. The log's own SQL stays in this adapter.
import Database from 'better-sqlite3';
import type { Position } from '../port';
import { encodePosition } from './index';

export interface LogCheck {
  /** `PRAGMA integrity_check`'s answer: 'ok', or the first problems it found. */
  readonly integrity: string;
  readonly events: number;
  readonly lastPosition: Position | null;
}

/** Checks a copy of the log, read-only: SQLite's integrity check, then how many events and the last position. */
export function checkLog(file: string): LogCheck {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const problems = db.pragma('integrity_check(10)', { simple: false }) as { integrity_check: string }[];
    const integrity = problems.map((row) => row.integrity_check).join('; ');
    const { events, last } = db.prepare('SELECT count(*) AS events, max(position) AS last FROM events').get() as {
      events: number;
      last: number | null;
    };
    return { integrity, events, lastPosition: last === null ? null : encodePosition(last) };
  } finally {
    db.close();
  }
}
