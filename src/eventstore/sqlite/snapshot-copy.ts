// A consistent copy of a SQLite database in WAL mode beside the process writing it, made as fast as a file copy: the
// way Litestream-style tools copy a live WAL database. `seatledger backup` copies the log (and notifications.db) so.
//
// Why a plain copy of the two files is consistent while a read transaction is open on them (https://sqlite.org/wal.html,
// "Concurrency" and "Checkpointing"; the header of SQLite's src/wal.c):
// - A reader pins its snapshot as an end mark in the WAL. A checkpoint copies WAL frames into the database file only up
//   to the oldest reader's end mark, and the WAL is restarted from its beginning (wal-reset) only when no reader uses
//   it. So while our read transaction is open, the WAL file is only appended to, every frame up to our mark stays in
//   it, and the database file only ever receives pages that are also in those frames.
// - So the copied database file may hold pages older than the snapshot, or torn ones a checkpoint was writing, but
//   each such page has a frame at or before our mark in the copied WAL, which overrides it when the copy is opened.
// - Opening the copy recovers its WAL: frames are replayed while their salts and running checksums hold, up to the
//   last commit frame. Frames a writer appended after our mark were whole commits (a later committed state) or stop
//   the replay at the first torn frame (the last whole commit before it). Either way a committed state at or after
//   the snapshot: never a mix.
// The copy is then checkpointed into one file (wal_checkpoint(TRUNCATE), journal_mode DELETE), so a backup is a single
// ordinary database file. Writers are never blocked: a reader takes no lock a writer waits for, and the server's
// checkpoints are PASSIVE (SQLite's automatic ones), which skip what a reader pins instead of waiting.
import fs from 'node:fs';
import Database from 'better-sqlite3';

const PRIVATE_FILE_MODE = 0o600;

/**
 * Copies the WAL-mode database `source` to the new file `target` (0600) as one committed state at or after the moment
 * this is called, and leaves the copy as one file in rollback-journal mode. Answers the bytes copied.
 */
export async function snapshotCopy(source: string, target: string): Promise<number> {
  const reader = new Database(source, { readonly: true, fileMustExist: true });
  try {
    reader.pragma('busy_timeout = 5000');
    // BEGIN alone takes no snapshot: the first read does, and it lasts until COMMIT.
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    const wal = `${source}-wal`;
    const files: [string, string][] = [[source, target]];
    if (fs.existsSync(wal)) files.push([wal, `${target}-wal`]);
    let copied = 0;
    for (const [from, to] of files) copied += await copyFile(from, to);
    reader.prepare('COMMIT').run();
    foldIntoOneFile(target);
    return copied;
  } finally {
    reader.close();
  }
}

/** The copy's WAL replayed into its database file and removed: the copy becomes one self-contained file. */
function foldIntoOneFile(target: string): void {
  const copy = new Database(target, { fileMustExist: true });
  try {
    const [result] = copy.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    if (result !== undefined && result.busy !== 0) throw new Error(`checkpointing the copy ${target} was refused`);
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fs.rmSync(`${target}-wal`, { force: true });
}

/**
 * Copies `from` into the new file `to` (never replacing one) with fs.copyFile: on Linux copy_file_range, the kernel
 * moving the bytes in large runs, on libuv's pool so the caller's loop draws the progress (the copy's size) meanwhile.
 * The copy is made 0600; it is in the caller's private temp dir until then.
 */
async function copyFile(from: string, to: string): Promise<number> {
  await fs.promises.copyFile(from, to, fs.constants.COPYFILE_EXCL);
  await fs.promises.chmod(to, PRIVATE_FILE_MODE);
  return (await fs.promises.stat(to)).size;
}
